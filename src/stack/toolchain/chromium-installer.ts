// The headless browser the report tests drive (Debian's `chromium` package,
// driven by playwright-core): /usr/bin/chromium, then chromium on PATH, then
// apt-get as root (apt-tools.ts).
import { type AptBinary, type AptTool, ensureAptTools, findAptTool } from './apt-tools.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_APT_PACKAGE = 'chromium';

export const CHROMIUM_TOOL: AptTool = {
  name: 'chromium',
  aptPackage: CHROMIUM_APT_PACKAGE,
  path: CHROMIUM_PATH,
  versionArgs: ['--version'],
  versionPattern: /Chromium (\S+)/,
  purpose: 'for the report tests',
};

export type ChromiumBinary = AptBinary;

export function findChromium(): Promise<ChromiumBinary | undefined> {
  return findAptTool(CHROMIUM_TOOL);
}

/** Finds chromium or installs it with apt-get; throws a PeakdrillError with the command to run when it cannot. */
export async function ensureChromium(log: (line: string) => void): Promise<ChromiumBinary> {
  return (await ensureAptTools([CHROMIUM_TOOL], log))[0]!;
}
