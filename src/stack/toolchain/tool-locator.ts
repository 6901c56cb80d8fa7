// Finds the four programs a stack needs (and the browser the report tests
// drive) and reports on them (`peakdrill doctor`), or resolves them for a stack
// start and says exactly what to do when one is missing. Installing is setup's
// job; this only looks.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PeakdrillError } from '../../model/errors.ts';
import { type AptTool, findAptTool } from './apt-tools.ts';
import { cachePaths } from './cache-paths.ts';
import { CHROMIUM_TOOL } from './chromium-installer.ts';
import { isKafkaInstalled, kafkaJarName } from './kafka-installer.ts';
import { findPostgres, type PostgresBinaries } from './postgres-installer.ts';
import { PROMETHEUS_TOOL } from './prometheus-tools.ts';
import { runCommand, which } from './run-command.ts';
import { kafkaRelease, TOOLCHAIN } from './toolchain-versions.ts';

export type ToolName = 'postgres' | 'kafka' | 'toxiproxy' | 'k6' | 'chromium' | 'prometheus';

/** What a stack start needs; chromium and prometheus are for the report and metrics tests only. */
const STACK_TOOLS: ReadonlySet<ToolName> = new Set(['postgres', 'kafka', 'toxiproxy', 'k6']);

export interface ToolStatus {
  readonly name: ToolName;
  readonly found: boolean;
  readonly version: string | null;
  readonly path: string | null;
  readonly expectedVersion: string;
  /** What to do when the tool is missing or unusable. */
  readonly fix: string | null;
  readonly detail?: string;
}

export interface ResolvedTools {
  readonly postgres: PostgresBinaries;
  readonly kafkaLibs: string;
  readonly java: string;
  readonly toxiproxy: string;
  readonly k6: string;
}

const SETUP_FIX = 'run `peakdrill setup` (installs it under ~/.cache/peakdrill)';

async function versionOf(binary: string, args: string[], pattern: RegExp): Promise<string | null> {
  const result = await runCommand(binary, args, { timeoutMs: 15_000 });
  if (result.code !== 0) return null;
  return pattern.exec(result.stdout + result.stderr)?.[1] ?? null;
}

export async function findJava(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ path: string; major: number } | undefined> {
  const path =
    env.JAVA_HOME && existsSync(join(env.JAVA_HOME, 'bin', 'java'))
      ? join(env.JAVA_HOME, 'bin', 'java')
      : await which('java');
  if (!path) return undefined;
  const version = await versionOf(path, ['-version'], /version "(\d+)/);
  return version ? { path, major: Number(version) } : undefined;
}

async function postgresStatus(env: NodeJS.ProcessEnv): Promise<ToolStatus> {
  const expectedVersion = String(TOOLCHAIN.postgres.major);
  try {
    const pg = await findPostgres(env);
    if (!pg)
      return { name: 'postgres', found: false, version: null, path: null, expectedVersion, fix: SETUP_FIX };
    return {
      name: 'postgres',
      found: true,
      version: pg.version,
      path: pg.bindir,
      expectedVersion,
      fix: null,
      detail: `source: ${pg.source}`,
    };
  } catch (error) {
    const fix = error instanceof PeakdrillError && error.hint ? error.hint : SETUP_FIX;
    return { name: 'postgres', found: false, version: null, path: null, expectedVersion, fix };
  }
}

async function kafkaStatus(env: NodeJS.ProcessEnv): Promise<ToolStatus> {
  const libs = cachePaths(env).kafkaLibs;
  const expectedVersion = kafkaRelease(env).version;
  const java = await findJava(env);
  if (!isKafkaInstalled(libs, env))
    return { name: 'kafka', found: false, version: null, path: null, expectedVersion, fix: SETUP_FIX };
  if (!java || java.major < 17) {
    return {
      name: 'kafka',
      found: false,
      version: expectedVersion,
      path: join(libs, kafkaJarName(env)),
      expectedVersion,
      fix: `Kafka needs Java 17+ (${java ? `found Java ${java.major} at ${java.path}` : 'no java on PATH or JAVA_HOME'}): install a JDK 17+, e.g. \`apt-get install openjdk-17-jre-headless\``,
    };
  }
  return {
    name: 'kafka',
    found: true,
    version: expectedVersion,
    path: libs,
    expectedVersion,
    fix: null,
    detail: `java ${java.major} at ${java.path}`,
  };
}

async function binaryStatus(name: 'toxiproxy' | 'k6', env: NodeJS.ProcessEnv): Promise<ToolStatus> {
  const paths = cachePaths(env);
  const path = name === 'k6' ? paths.k6Binary : paths.toxiproxyBinary;
  const expectedVersion = TOOLCHAIN[name].version;
  if (!existsSync(path))
    return { name, found: false, version: null, path: null, expectedVersion, fix: SETUP_FIX };
  const version =
    name === 'k6'
      ? await versionOf(path, ['version'], /k6 v(\S+)/)
      : await versionOf(path, ['-version'], /version (\S+)/);
  if (!version)
    return {
      name,
      found: false,
      version: null,
      path,
      expectedVersion,
      fix: `${path} does not run; delete it and ${SETUP_FIX}`,
    };
  return { name, found: true, version, path, expectedVersion, fix: null };
}

async function aptToolStatus(name: ToolName, tool: AptTool): Promise<ToolStatus> {
  const expectedVersion = `apt ${tool.aptPackage}`;
  const found = await findAptTool(tool);
  if (!found)
    return {
      name,
      found: false,
      version: null,
      path: null,
      expectedVersion,
      fix: `run \`peakdrill setup\` as root (apt-get install ${tool.aptPackage}), or install Debian's ${tool.aptPackage} package`,
    };
  return { name, found: true, version: found.version, path: found.path, expectedVersion, fix: null };
}

export async function locateTools(env: NodeJS.ProcessEnv = process.env): Promise<ToolStatus[]> {
  return Promise.all([
    postgresStatus(env),
    kafkaStatus(env),
    binaryStatus('toxiproxy', env),
    binaryStatus('k6', env),
    aptToolStatus('chromium', CHROMIUM_TOOL),
    aptToolStatus('prometheus', PROMETHEUS_TOOL),
  ]);
}

/** Resolves every tool a local stack needs, or throws naming the missing one and the fix. */
export async function resolveTools(env: NodeJS.ProcessEnv = process.env): Promise<ResolvedTools> {
  const statuses = await locateTools(env);
  const missing = statuses.filter((s) => !s.found && STACK_TOOLS.has(s.name));
  if (missing.length > 0) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_MISSING_TOOL',
      `missing: ${missing.map((s) => `${s.name} ${s.expectedVersion}`).join(', ')}`,
      { hint: [...new Set(missing.map((s) => s.fix))].join('; ') },
    );
  }
  const postgres = await findPostgres(env);
  const java = await findJava(env);
  const paths = cachePaths(env);
  return {
    postgres: postgres!,
    kafkaLibs: paths.kafkaLibs,
    java: java!.path,
    toxiproxy: paths.toxiproxyBinary,
    k6: paths.k6Binary,
  };
}
