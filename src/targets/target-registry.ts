// Targets by name, like Jepsen's `compose` of clients: adding a target is one
// module and one line here, and everything else (run, check, the CLI's
// --target choices, the abilities check) reads this list.
import { PeakdrillError } from '../model/errors.ts';
import { referenceStoreTarget } from './reference-store/reference-store-target.ts';
import type { TargetModule } from './target.ts';
import { vendureTarget } from './vendure/vendure-target.ts';

const TARGETS: readonly TargetModule[] = [referenceStoreTarget, vendureTarget];

export const DEFAULT_TARGET = referenceStoreTarget.name;

export function targetNames(): string[] {
  return TARGETS.map((t) => t.name);
}

export function findTarget(name: string): TargetModule {
  const found = TARGETS.find((t) => t.name === name);
  if (found === undefined) {
    throw new PeakdrillError('PEAKDRILL_ERR_INVALID_INPUT', `target: there is no target named "${name}"`, {
      hint: `choose one of ${targetNames().join(', ')} (\`peakdrill target list\` describes them), or give the path of a target config (.json or .yaml) or module (.ts)`,
    });
  }
  return found;
}

/** A registered target by name, or one given by path (a JSON config or a .ts/.js module). */
export async function resolveTarget(nameOrPath: string, cwd = process.cwd()): Promise<TargetModule> {
  if (!/[\\/]|\.(json|ya?ml|ts|js|mjs)$/.test(nameOrPath)) return findTarget(nameOrPath);
  const { loadTargetFile } = await import('./external/external-target.ts');
  return loadTargetFile(nameOrPath, cwd);
}

export function listTargets(): readonly TargetModule[] {
  return TARGETS;
}

/** The k6 engine runs a script generated for the reference store's API; other targets run on node. */
export function assertEngineDrives(engine: 'node' | 'k6', target: string): void {
  if (engine === 'k6' && target !== DEFAULT_TARGET) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_INVALID_INPUT',
      `engine: k6 cannot drive target ${target} yet (its generated script speaks the reference store's API only)`,
      { hint: 'run this target on the node engine (leave out --engine k6)' },
    );
  }
}
