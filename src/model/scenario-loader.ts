// Finds and loads a scenario: a built-in by name (scenarios/<name>.ts) or a
// TypeScript module by path whose default export is the scenario. Loading
// errors and validation errors both name the file; a relative recording path
// is taken from the scenario file's folder.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PeakdrillError } from './errors.ts';
import { type Scenario, validateScenario } from './scenario-schema.ts';

export const BUILTIN_SCENARIO_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

export function builtinScenarioNames(): string[] {
  return readdirSync(BUILTIN_SCENARIO_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
}

export function resolveScenarioPath(nameOrPath: string, cwd = process.cwd()): string {
  if (/^[a-z][a-z0-9-]*$/.test(nameOrPath) && builtinScenarioNames().includes(nameOrPath)) {
    return resolve(BUILTIN_SCENARIO_DIR, `${nameOrPath}.ts`);
  }
  const path = resolve(cwd, nameOrPath);
  if (!existsSync(path)) {
    throw new PeakdrillError('PEAKDRILL_ERR_INVALID_SCENARIO', `no scenario named or at "${nameOrPath}"`, {
      hint: `use a built-in (${builtinScenarioNames().join(', ')}) or a path to a .ts module`,
    });
  }
  // import() of /dev/zero or a FIFO never returns, and of a directory fails obscurely.
  if (!statSync(path).isFile()) {
    throw new PeakdrillError('PEAKDRILL_ERR_INVALID_SCENARIO', `scenario ${path} is not a file`, {
      hint: `use a built-in (${builtinScenarioNames().join(', ')}) or a path to a .ts module`,
    });
  }
  return path;
}

export async function loadScenario(
  nameOrPath: string,
  cwd = process.cwd(),
): Promise<{ path: string; scenario: Scenario }> {
  const path = resolveScenarioPath(nameOrPath, cwd);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_INVALID_SCENARIO',
      `could not load scenario ${path}: ${(error as Error).message}`,
      {
        hint: 'a scenario is a TypeScript module whose default export is defineScenario({...})',
        cause: error,
      },
    );
  }
  if (mod.default === undefined) {
    throw new PeakdrillError('PEAKDRILL_ERR_INVALID_SCENARIO', `scenario ${path} has no default export`, {
      hint: 'end the module with `export default defineScenario({...})`',
    });
  }
  return { path, scenario: withRecordingBesideScenario(validateScenario(mod.default, path), path) };
}

/**
 * A relative `traffic.recording` is relative to the scenario file, like an
 * import: the same scenario must find its recording whatever directory
 * peakdrill runs from. Made absolute here, so scenario.json records where it was.
 */
function withRecordingBesideScenario(scenario: Scenario, scenarioPath: string): Scenario {
  const traffic = scenario.traffic;
  if (!('recording' in traffic) || isAbsolute(traffic.recording)) return scenario;
  return {
    ...scenario,
    traffic: { ...traffic, recording: resolve(dirname(scenarioPath), traffic.recording) },
  };
}
