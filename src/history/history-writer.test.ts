import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPeakdrillError } from '../model/errors.ts';
import { type HistoryEntry, type InvokeEntry, runHeader } from '../model/history-entry.ts';
import { readHistory } from './history-reader.ts';
import { HistoryWriter } from './history-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tempPath = (): string => join(dir, `h${n++}.ndjson`);

const header = runHeader({ runId: 'r1', startedAt: new Date(0), t0: 123n });

function invoke(i: number, value: unknown = { sku: `SKU-${i}`, qty: 1 }): InvokeEntry {
  return {
    type: 'invoke',
    op: `r1:${i}`,
    process: i % 7,
    f: 'checkout',
    value,
    scheduledNs: i * 1_000,
    sentNs: i * 1_000 + 5,
    latenessMs: 0.005,
  };
}

async function readAll(path: string): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  for await (const e of readHistory(path)) out.push(e);
  return out;
}

const lines = (path: string): string[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '');

describe('HistoryWriter', () => {
  it('round-trips entries in order through small, rotating buffers, including multi-byte and oversized lines', async () => {
    const path = tempPath();
    const writer = await HistoryWriter.open(path, { bufferBytes: 1024, flushAtBytes: 256 });
    const entries: HistoryEntry[] = [header];
    for (let i = 0; i < 2_000; i++) {
      // Every 97th op carries a value bigger than a buffer; others carry non-ASCII text.
      entries.push(invoke(i, i % 97 === 0 ? { blob: 'é'.repeat(2_000) } : { note: `café 🛒 ${i}` }));
    }
    for (const e of entries) writer.append(e);
    await writer.close();
    expect(writer.entriesAppended).toBe(entries.length);
    expect(await readAll(path)).toEqual(entries);
  });

  it('writes on its timer without any flush call', async () => {
    const path = tempPath();
    const writer = await HistoryWriter.open(path, { flushIntervalMs: 20 });
    writer.append(header);
    await new Promise((r) => setTimeout(r, 120));
    expect(lines(path)).toHaveLength(1);
    await writer.close();
  });

  it('flushSync() puts everything on disk once, in order, even with an async write in flight', async () => {
    const path = tempPath();
    const writer = await HistoryWriter.open(path, { bufferBytes: 4096, flushAtBytes: 512 });
    writer.append(header);
    // Enough to start an async write and queue more batches behind it, then flush synchronously at once.
    for (let i = 0; i < 500; i++) writer.append(invoke(i));
    writer.flushSync();
    expect(lines(path)).toHaveLength(501);
    for (let i = 500; i < 600; i++) writer.append(invoke(i));
    await writer.close();
    const read = await readAll(path);
    expect(read).toHaveLength(601);
    expect(read.slice(1).map((e) => (e as InvokeEntry).op)).toEqual(
      Array.from({ length: 600 }, (_, i) => `r1:${i}`),
    );
  });

  it('loses nothing appended before SIGTERM when the handler calls flushSync()', async () => {
    const path = tempPath();
    const script = join(dir, 'child.ts');
    const writerModule = new URL('./history-writer.ts', import.meta.url).href;
    writeFileSync(
      script,
      `import { HistoryWriter } from ${JSON.stringify(writerModule)};
const w = await HistoryWriter.open(${JSON.stringify(path)}, { flushIntervalMs: 60_000 });
process.on('SIGTERM', () => { w.flushSync(); process.exit(0); });
for (let i = 0; i < 3000; i++) w.append({ type: 'probe', probe: 'p', ok: true, latencyMs: 1, atNs: i });
process.stdout.write('ready\\n');
setInterval(() => {}, 1000);
`,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => (d.toString().includes('ready') ? resolve() : undefined));
        child.on('exit', () => reject(new Error('child exited early')));
      });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    const got = lines(path).map((l) => JSON.parse(l).atNs);
    expect(got).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });

  it('surfaces a failed write (disk full) on the next append and on close, never silently', async () => {
    if (!existsSync('/dev/full')) return;
    const writer = await HistoryWriter.open('/dev/full', { flushIntervalMs: 10 });
    writer.append(header);
    await expect(writer.flush()).rejects.toMatchObject({ name: 'PeakdrillError' });
    let thrown: unknown;
    try {
      writer.append(invoke(1));
    } catch (error) {
      thrown = error;
    }
    expect(isPeakdrillError(thrown) && thrown.message).toMatch(/\/dev\/full: write failed: .*ENOSPC/);
    await expect(writer.close()).rejects.toBe(thrown);
  });

  it('refuses a file that already holds a run, appends after close and values that are not JSON', async () => {
    const used = tempPath();
    writeFileSync(used, `${JSON.stringify(header)}\n`);
    await expect(HistoryWriter.open(used)).rejects.toThrow(
      /already holds \d+ bytes: a history file holds one run/,
    );
    const writer = await HistoryWriter.open(tempPath());
    expect(() => writer.append(invoke(1, { n: 1n }))).toThrow(/op r1:1 is not JSON/);
    await writer.close();
    await writer.close();
    expect(() => writer.append(header)).toThrow(/append after close/);
  });

  it('takes lines serialized by the caller, and goes on writing partial batches only on its timer', async () => {
    const path = tempPath();
    const writer = await HistoryWriter.open(path, { flushIntervalMs: 30, flushAtBytes: 1 << 20 });
    writer.appendLine(JSON.stringify(header));
    const entries: HistoryEntry[] = [header];
    for (let i = 0; i < 50; i++) {
      entries.push(invoke(i));
      writer.appendLine(JSON.stringify(invoke(i)));
      await new Promise((r) => setTimeout(r, 1));
    }
    // Within the flush interval of the last line, everything is on disk without a flush call.
    await new Promise((r) => setTimeout(r, 120));
    expect(lines(path)).toHaveLength(entries.length);
    await writer.close();
    expect(await readAll(path)).toEqual(entries);
  });
});
