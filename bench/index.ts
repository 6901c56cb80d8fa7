// `npm run bench [-- name ...]`: runs every bench/*-bench.ts (or the named
// ones) one after another, so they do not compete for the two cores, and
// prints each one's figures. Figures, not gates: CI does not run this.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Figures = Record<string, number | string>;

const only = process.argv.slice(2);
const files = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('-bench.ts'))
  .filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)))
  .sort();

if (files.length === 0) {
  process.stderr.write(
    `no benchmark matches ${only.join(', ')}; have: ${readdirSync(import.meta.dirname).join(', ')}\n`,
  );
  process.exit(2);
}

const all: Record<string, Figures | { error: string }> = {};
for (const file of files) {
  const name = file.replace(/-bench\.ts$/, '');
  process.stdout.write(`\n== ${name}\n`);
  try {
    const mod = (await import(pathToFileURL(join(import.meta.dirname, file)).href)) as {
      run: () => Promise<Figures>;
    };
    const figures = await mod.run();
    all[name] = figures;
    for (const [k, v] of Object.entries(figures)) {
      process.stdout.write(
        `  ${k.padEnd(40)} ${typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : v}\n`,
      );
    }
  } catch (error) {
    all[name] = { error: (error as Error).message };
    process.stdout.write(`  FAILED: ${(error as Error).stack ?? error}\n`);
    process.exitCode = 1;
  }
}
process.stdout.write(`\n${JSON.stringify(all)}\n`);
