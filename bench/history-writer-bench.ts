// History writer throughput: entries/s through HistoryWriter, side by side with
// the peer most code would use (fs.WriteStream, one write() per line) and with
// JSON.stringify alone (the floor no NDJSON writer can go below). Same entries,
// same run; both writers end with an fsync so the figures are comparable.
import { closeSync, createWriteStream, fsyncSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryWriter } from '../src/history/history-writer.ts';
import type { HistoryEntry } from '../src/model/history-entry.ts';

const ENTRIES = 300_000;

/** Invoke/ok pairs shaped like a checkout run: about 230 and 150 bytes a line. */
function sampleEntries(): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (let i = 0; i < 1_000; i += 2) {
    const op = `run-7f3a:0:${1_000_000 + i}`;
    out.push({
      type: 'invoke',
      op,
      process: `pos-${i % 64}`,
      f: 'checkout',
      value: { store: 'S042', lines: [{ sku: `SKU-${i % 500}`, qty: 1 + (i % 3) }], tender: 'card' },
      scheduledNs: 1_000_000 * i,
      sentNs: 1_000_000 * i + 41_000,
      latenessMs: 0.041,
      wallTime: '2025-11-21T17:00:00.123Z',
    });
    out.push({
      type: 'ok',
      op,
      process: `pos-${i % 64}`,
      f: 'checkout',
      value: { status: 201, body: { orderId: `O-${i}` } },
      completedNs: 1_000_000 * i + 3_200_000,
      latencyMs: 3.2,
    });
  }
  return out;
}

let lastAppendMs = 0;

async function timeHistoryWriter(path: string, entries: HistoryEntry[]): Promise<number> {
  const start = performance.now();
  const writer = await HistoryWriter.open(path);
  for (let i = 0; i < ENTRIES; i++) writer.append(entries[i % entries.length]!);
  lastAppendMs = performance.now() - start;
  await writer.close();
  return performance.now() - start;
}

async function timeWriteStream(path: string, entries: HistoryEntry[]): Promise<number> {
  const start = performance.now();
  const stream = createWriteStream(path, { flags: 'a' });
  for (let i = 0; i < ENTRIES; i++) stream.write(`${JSON.stringify(entries[i % entries.length])}\n`);
  await new Promise<void>((resolve, reject) =>
    stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  const fd = openSync(path, 'r');
  fsyncSync(fd);
  closeSync(fd);
  return performance.now() - start;
}

function timeStringifyOnly(entries: HistoryEntry[]): number {
  const start = performance.now();
  let bytes = 0;
  for (let i = 0; i < ENTRIES; i++) bytes += JSON.stringify(entries[i % entries.length]).length;
  if (bytes === 0) throw new Error('unreachable');
  return performance.now() - start;
}

export async function run(): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'peakdrill-bench-writer-'));
  try {
    const entries = sampleEntries();
    // Warm-up, so both writers run optimized code.
    await timeHistoryWriter(join(dir, 'warm-a.ndjson'), entries);
    await timeWriteStream(join(dir, 'warm-b.ndjson'), entries);
    const writerMs = await timeHistoryWriter(join(dir, 'writer.ndjson'), entries);
    const appendMs = lastAppendMs;
    const streamMs = await timeWriteStream(join(dir, 'stream.ndjson'), entries);
    const stringifyMs = timeStringifyOnly(entries);
    const bytes = statSync(join(dir, 'writer.ndjson')).size;
    const perSec = (ms: number): number => Math.round(ENTRIES / (ms / 1_000));
    const result = {
      entries: ENTRIES,
      bytesPerEntry: Math.round(bytes / ENTRIES),
      historyWriterEntriesPerSec: perSec(writerMs),
      historyWriterMBPerSec: Math.round(bytes / 1e6 / (writerMs / 1_000)),
      /** What the scheduler's hot path pays per entry (serialize + copy; the disk is off-thread). */
      appendNsPerEntry: Math.round((appendMs * 1e6) / ENTRIES),
      writeStreamEntriesPerSec: perSec(streamMs),
      stringifyOnlyEntriesPerSec: perSec(stringifyMs),
      ratioVsWriteStream: Number((streamMs / writerMs).toFixed(2)),
      shareOfStringifyFloor: Number((stringifyMs / writerMs).toFixed(2)),
    };
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// bench/index.ts prints the figures of every bench; print them here only when run on its own.
if (import.meta.main) {
  console.log(`history writer (${ENTRIES} invoke/ok entries, incl. close + fsync)`);
  for (const [k, v] of Object.entries(await run())) console.log(`  ${k.padEnd(28)} ${v}`);
}
