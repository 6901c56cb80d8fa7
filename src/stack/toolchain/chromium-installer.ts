// Finds or installs the headless browser the report tests drive (Debian's
// `chromium` package, driven by playwright-core): /usr/bin/chromium, then
// chromium on PATH, then apt-get as root. Not pinned: the report only needs a
// browser that runs, and the distribution keeps it patched.
import { existsSync } from 'node:fs';
import { PeakdrillError } from '../../model/errors.ts';
import { runCommand, tail, which } from './run-command.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_APT_PACKAGE = 'chromium';
const INSTALL_COMMAND = `apt-get update && apt-get install -y --no-install-recommends ${CHROMIUM_APT_PACKAGE}`;

export interface ChromiumBinary {
  readonly path: string;
  readonly version: string;
}

export async function findChromium(): Promise<ChromiumBinary | undefined> {
  const path = existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : await which('chromium');
  if (path === undefined) return undefined;
  const result = await runCommand(path, ['--version'], { timeoutMs: 30_000 });
  const version = /Chromium (\S+)/.exec(result.stdout + result.stderr)?.[1];
  return result.code === 0 && version !== undefined ? { path, version } : undefined;
}

/** Finds chromium or installs it with apt-get; throws a PeakdrillError with the command to run when it cannot. */
export async function ensureChromium(log: (line: string) => void): Promise<ChromiumBinary> {
  const existing = await findChromium();
  if (existing) return existing;
  const isRoot = process.getuid?.() === 0;
  const hasApt = (await which('apt-get')) !== undefined;
  if (isRoot && hasApt) {
    log(`chromium: installing ${CHROMIUM_APT_PACKAGE} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = await runCommand('apt-get', ['update', '-q'], { env, timeoutMs: 300_000 });
    if (update.code !== 0) log(`chromium: apt-get update failed: ${tail(update.stderr, 3)}`);
    const install = await runCommand(
      'apt-get',
      ['install', '-y', '-q', '--no-install-recommends', CHROMIUM_APT_PACKAGE],
      { env, timeoutMs: 900_000 },
    );
    const found = install.code === 0 ? await findChromium() : undefined;
    if (found) return found;
    throw new PeakdrillError(
      'PEAKDRILL_ERR_MISSING_TOOL',
      `chromium: apt-get install ${CHROMIUM_APT_PACKAGE} failed (exit ${install.code}): ${tail(install.stderr || install.stdout, 3)}`,
      { hint: `check the apt sources and network, then run \`${INSTALL_COMMAND}\`` },
    );
  }
  throw new PeakdrillError(
    'PEAKDRILL_ERR_MISSING_TOOL',
    `chromium (for the report tests) is not at ${CHROMIUM_PATH} or on PATH, and ${isRoot ? 'apt-get is not available' : 'installing it needs root'}`,
    {
      hint: hasApt
        ? `run \`sudo sh -c '${INSTALL_COMMAND}'\``
        : `install Chromium with the system's package manager so that ${CHROMIUM_PATH} or \`chromium\` on PATH exists`,
    },
  );
}
