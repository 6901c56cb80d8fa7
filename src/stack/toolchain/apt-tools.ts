// Programs taken from Debian's packages rather than pinned under the cache: the
// browser the report tests drive and the Prometheus the metrics tests scrape with.
// Not pinned: they only need to run, and the distribution keeps them patched.
// Found where the package puts them (or on PATH); installed with one apt-get
// call for every missing one (dpkg allows one install at a time) when peakdrill
// runs as root on a machine with apt, else a clear error with the command.
import { existsSync } from 'node:fs';
import { PeakdrillError } from '../../model/errors.ts';
import { runCommand, tail, which } from './run-command.ts';

export interface AptBinary {
  readonly path: string;
  readonly version: string;
}

export interface AptTool {
  readonly name: string;
  readonly aptPackage: string;
  /** Where Debian's package installs it. */
  readonly path: string;
  readonly versionArgs: readonly string[];
  readonly versionPattern: RegExp;
  /** What peakdrill needs it for, for the error when it is missing. */
  readonly purpose: string;
}

export async function findAptTool(tool: AptTool): Promise<AptBinary | undefined> {
  const path = existsSync(tool.path) ? tool.path : await which(tool.name);
  if (path === undefined) return undefined;
  const result = await runCommand(path, [...tool.versionArgs], { timeoutMs: 30_000 });
  const version = tool.versionPattern.exec(result.stdout + result.stderr)?.[1];
  return result.code === 0 && version !== undefined ? { path, version } : undefined;
}

function installCommand(packages: readonly string[]): string {
  return `apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

/** Finds each tool or installs the missing ones with apt-get; throws naming the command to run. */
export async function ensureAptTools(
  tools: readonly AptTool[],
  log: (line: string) => void,
): Promise<AptBinary[]> {
  const found = await Promise.all(tools.map(findAptTool));
  const missing = tools.filter((_, i) => found[i] === undefined);
  if (missing.length === 0) return found as AptBinary[];
  const packages = missing.map((t) => t.aptPackage);
  const isRoot = process.getuid?.() === 0;
  const hasApt = (await which('apt-get')) !== undefined;
  if (!isRoot || !hasApt) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_MISSING_TOOL',
      `${missing.map((t) => `${t.name} (${t.purpose})`).join(', ')} not found, and ${isRoot ? 'apt-get is not available' : 'installing needs root'}`,
      {
        hint: hasApt
          ? `run \`sudo sh -c '${installCommand(packages)}'\``
          : `install ${packages.join(', ')} with the system's package manager`,
      },
    );
  }
  log(`installing ${packages.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = await runCommand('apt-get', ['update', '-q'], { env, timeoutMs: 300_000 });
  if (update.code !== 0) log(`apt-get update failed: ${tail(update.stderr, 3)}`);
  const install = await runCommand(
    'apt-get',
    ['install', '-y', '-q', '--no-install-recommends', ...packages],
    {
      env,
      timeoutMs: 900_000,
    },
  );
  const after = await Promise.all(tools.map(findAptTool));
  const still = tools.filter((_, i) => after[i] === undefined);
  if (still.length === 0) return after as AptBinary[];
  throw new PeakdrillError(
    'PEAKDRILL_ERR_MISSING_TOOL',
    `apt-get install ${packages.join(' ')} (exit ${install.code}) left ${still.map((t) => t.name).join(', ')} missing: ${tail(install.stderr || install.stdout, 3)}`,
    { hint: `check the apt sources and network, then run \`${installCommand(packages)}\`` },
  );
}
