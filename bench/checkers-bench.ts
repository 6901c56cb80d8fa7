// Checkers at scale. A correct store model generates 100k- and 1M-op histories
// (a failover, probes, retries, info ops) into a temp run directory
// (history.ndjson + state.json); then a fresh process does what `peakdrill check`
// does — parse state.json, index the history through HistoryReader in one
// streaming pass, run every checker — so its peak RSS is the checkers' own.
// Printed side by side so linear growth shows. Goal: 1M ops ≤ 10 s, ≤ 1 GB, one core.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCheckers } from '../src/checkers/all-checkers.ts';
import { defaultCheckOptions } from '../src/checkers/checker.ts';
import { indexHistoryFile } from '../src/checkers/history-index.ts';
import { runRetailModel } from '../src/checkers/testing/retail-model.ts';
import { readHistory } from '../src/history/history-reader.ts';
import { HistoryWriter } from '../src/history/history-writer.ts';
import type { FinalState } from '../src/model/final-state.ts';

const SIZES = [100_000, 1_000_000];
const MODEL = { seed: 11, faults: true, skus: 2_000, stores: 20, infoRate: 0.02 } as const;

const since = (t: number) => Math.round(performance.now() - t);

/** Live heap after a full collection (the check child runs with --expose-gc), in MB. */
function liveHeapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1_048_576);
}

/** Child 1: the run directory a real run would leave. */
async function generate(ops: number, dir: string): Promise<void> {
  const writer = await HistoryWriter.open(join(dir, 'history.ndjson'));
  const model = runRetailModel({ ...MODEL, ops }, (e) => writer.append(e));
  await writer.close();
  writeFileSync(join(dir, 'state.json'), JSON.stringify(model.state));
}

/** Child 2: `peakdrill check` on that directory, timed step by step. */
async function check(dir: string): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  const history = join(dir, 'history.ndjson');
  let t = performance.now();
  let n = 0;
  for await (const _ of readHistory(history)) n++;
  out.entries = n;
  out['reader alone (ms)'] = since(t);
  // Index before loading the state: the index pass allocates per entry, and is faster on a small heap.
  t = performance.now();
  const index = await indexHistoryFile(history);
  out['reader + index (ms)'] = since(t);
  out['live heap: index (MB)'] = liveHeapMb();
  t = performance.now();
  // The CLI would validate with parseFinalState; the oracle's own output is trusted here.
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as FinalState;
  out['state.json parse (ms)'] = since(t);
  out['live heap: index + state (MB)'] = liveHeapMb();
  let total = 0;
  const failing: string[] = [];
  for (const c of defaultCheckers()) {
    t = performance.now();
    const r = c.check(index, state, defaultCheckOptions);
    const ms = since(t);
    total += ms;
    out[`  ${c.name} (ms)`] = ms;
    if (r.valid === false) failing.push(r.name);
  }
  out['all checkers (ms)'] = total;
  out['live heap: + shared views (MB)'] = liveHeapMb();
  out['index + checkers (ms)'] = (out['reader + index (ms)'] as number) + total;
  out['peak RSS (MB)'] = Math.round(process.resourceUsage().maxRSS / 1024);
  out['checkers failing (must be none)'] = failing.length === 0 ? 'none' : failing.join(', ');
  return out;
}

function child(...args: string[]): string {
  return execFileSync(process.execPath, ['--expose-gc', import.meta.filename, ...args], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
}

export async function run(): Promise<Record<string, number | string>> {
  const figures: Record<string, number | string> = {};
  for (const ops of SIZES) {
    const label = ops >= 1_000_000 ? `${ops / 1_000_000}M` : `${ops / 1_000}k`;
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-bench-checkers-'));
    try {
      child('--generate', String(ops), dir);
      figures[`${label} history (MB)`] = Math.round(statSync(join(dir, 'history.ndjson')).size / 1_048_576);
      figures[`${label} state.json (MB)`] = Math.round(statSync(join(dir, 'state.json')).size / 1_048_576);
      const measured = JSON.parse(child('--check', dir)) as Record<string, number | string>;
      for (const [k, v] of Object.entries(measured)) figures[`${label} ${k}`] = v;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const small = figures['100k index + checkers (ms)'];
  const big = figures['1M index + checkers (ms)'];
  if (typeof small === 'number' && typeof big === 'number')
    figures['1M / 100k time ratio'] = Math.round((big / small) * 10) / 10;
  return figures;
}

if (import.meta.main) {
  const [mode, a] = process.argv.slice(2);
  if (mode === '--generate') await generate(Number(a), process.argv[4]!);
  else if (mode === '--check') process.stdout.write(JSON.stringify(await check(a!)));
  else for (const [k, v] of Object.entries(await run())) process.stdout.write(`${k.padEnd(48)} ${v}\n`);
}
