// Installs the pinned Vendure (@vendure/core plus the companions it loads by
// name, e.g. the `pg` driver) into its own npm prefix under ~/.cache/peakdrill,
// never into peakdrill's dependencies: ~140 MB that only its users pay for.
// Idempotent: a marker written after a complete install is what "installed" means.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PeakdrillError } from '../../model/errors.ts';
import { cachePaths } from '../../stack/toolchain/cache-paths.ts';
import { runCommand, tail, which } from '../../stack/toolchain/run-command.ts';
import { TOOLCHAIN } from '../../stack/toolchain/toolchain-versions.ts';

export interface VendureInstall {
  /** The npm prefix; `node_modules/@vendure/core` lives under it. */
  readonly dir: string;
  readonly version: string;
  /** Where `require('@vendure/core')` resolves from (a file inside the prefix). */
  readonly resolveFrom: string;
}

const MARKER = '.peakdrill-installed.json';

/** The exact packages `npm install` is given: pinned, so two machines boot the same Vendure. */
export function vendurePackageSpecs(): string[] {
  const pin = TOOLCHAIN.vendure;
  return [
    `${pin.npmPackage}@${pin.version}`,
    ...Object.entries(pin.companions).map(([name, version]) => `${name}@${version}`),
  ];
}

function describe(dir: string): VendureInstall {
  return { dir, version: TOOLCHAIN.vendure.version, resolveFrom: join(dir, 'package.json') };
}

/** The cached install when it is complete and matches the pin; never installs. */
export function findVendure(env: NodeJS.ProcessEnv = process.env): VendureInstall | undefined {
  const dir = cachePaths(env).vendure;
  const marker = join(dir, MARKER);
  if (!existsSync(marker)) return undefined;
  try {
    const recorded = JSON.parse(readFileSync(marker, 'utf8')) as { specs?: string[] };
    if (JSON.stringify(recorded.specs) !== JSON.stringify(vendurePackageSpecs())) return undefined;
  } catch {
    return undefined;
  }
  return existsSync(join(dir, 'node_modules', '@vendure', 'core', 'package.json'))
    ? describe(dir)
    : undefined;
}

/**
 * Finds the pinned Vendure or installs it with npm (about 30 s and 140 MB on a
 * warm registry). Installs into `<dir>.partial` and renames, so an interrupted
 * install is never mistaken for a finished one.
 */
export async function ensureVendure(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<VendureInstall> {
  const found = findVendure(env);
  if (found) return found;
  const dir = cachePaths(env).vendure;
  const specs = vendurePackageSpecs();
  const command = `npm install --prefix ${dir} ${specs.join(' ')} --ignore-scripts`;
  if (!(await which('npm'))) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_MISSING_TOOL',
      'installing Vendure needs npm, and npm is not on PATH',
      {
        hint: `put Node 24's npm on PATH (scripts/ensure-node.sh), then run \`peakdrill setup --vendure\``,
      },
    );
  }
  const staging = `${dir}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  log(`vendure: installing ${specs.join(' ')} into ${dir}`);
  const started = performance.now();
  // --ignore-scripts: no install script may reach outside the registry (bcrypt
  // ships prebuilt binaries and loads them without its node-gyp-build step).
  const install = await runCommand(
    'npm',
    [
      'install',
      '--prefix',
      staging,
      ...specs,
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
    ],
    { env, timeoutMs: 900_000 },
  );
  if (install.code !== 0) {
    await rm(staging, { recursive: true, force: true });
    throw installError(install.code, install.stderr || install.stdout, command);
  }
  await writeFile(
    join(staging, MARKER),
    `${JSON.stringify({ specs, installedAt: new Date().toISOString() })}\n`,
  );
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, '..'), { recursive: true });
  await rename(staging, dir);
  log(`vendure: installed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return describe(dir);
}

function installError(code: number | null, output: string, command: string): PeakdrillError {
  const refused = /E404|ETARGET|E403|E401|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i.test(output);
  return new PeakdrillError(
    'PEAKDRILL_ERR_SETUP',
    `vendure: npm install of ${vendurePackageSpecs().join(' ')} failed (exit ${code})${refused ? ': the npm registry refused or could not be reached' : ''}:\n${tail(output, 6)}`,
    {
      hint: refused
        ? `check \`npm config get registry\` and that it serves ${TOOLCHAIN.vendure.npmPackage}@${TOOLCHAIN.vendure.version} (\`npm view ${TOOLCHAIN.vendure.npmPackage}@${TOOLCHAIN.vendure.version} version\`), then run \`peakdrill setup --vendure\` or by hand: ${command}`
        : `read the npm output above, then run \`peakdrill setup --vendure\` again (or by hand: ${command})`,
    },
  );
}
