import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type HistoryEntry, runHeader } from '../model/history-entry.ts';
import { readHistory, readHistorySummary } from './history-reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tempPath = (): string => join(dir, `h${n++}.ndjson`);

const header = runHeader({ runId: 'r1', startedAt: new Date(0), t0: 1n });
const toText = (entries: readonly unknown[]): string => entries.map((e) => `${JSON.stringify(e)}\n`).join('');

async function readAll(path: string, chunkBytes?: number) {
  const reader = readHistory(path, chunkBytes === undefined ? {} : { chunkBytes });
  const entries: HistoryEntry[] = [];
  for await (const e of reader) entries.push(e);
  return { entries, reader };
}

const completionArb = fc.record({
  type: fc.constantFrom('ok' as const, 'fail' as const, 'info' as const),
  op: fc.string({ minLength: 1, maxLength: 12 }),
  process: fc.oneof(fc.nat(50), fc.string({ minLength: 1, maxLength: 6 })),
  f: fc.constantFrom('checkout', 'return', 'scan'),
  // Full unicode, so cuts land inside multi-byte characters too.
  value: fc.option(fc.record({ note: fc.string({ unit: 'grapheme', maxLength: 20 }) }), { nil: undefined }),
  completedNs: fc.nat(1_000_000),
  latencyMs: fc.double({ min: 0, max: 1e4, noNaN: true }),
});

describe('readHistory', () => {
  it('a file cut at any byte yields every complete line, and reports the cut line as truncatedTail', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(completionArb, { maxLength: 12 }),
        fc.nat(),
        fc.constantFrom(7, 64, 65_536),
        async (ops, cutSeed, chunkBytes) => {
          const entries: HistoryEntry[] = [header, ...ops].map((e) => JSON.parse(JSON.stringify(e)));
          const full = Buffer.from(toText(entries));
          const cut = cutSeed % (full.length + 1);
          const path = tempPath();
          writeFileSync(path, full.subarray(0, cut));
          // Expected: lines whose content ends at or before the cut (a missing final '\n' loses nothing).
          const expected: HistoryEntry[] = [];
          let end = 0;
          let cutInside = false;
          for (const e of entries) {
            const start = end;
            end += Buffer.byteLength(`${JSON.stringify(e)}\n`);
            if (end - 1 <= cut) expected.push(e);
            else if (cut > start) cutInside = true;
          }
          const { entries: got, reader } = await readAll(path, chunkBytes);
          expect(got).toEqual(expected);
          expect(reader.truncatedTail).toBe(cutInside);
          rmSync(path);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a malformed line before the last one is an error naming file and line', async () => {
    const path = tempPath();
    const ok = { type: 'ok', op: 'r1:1', process: 1, f: 'checkout', completedNs: 5, latencyMs: 1 };
    writeFileSync(path, `${toText([header, ok])}{"type":"ok",\n${toText([ok])}`);
    await expect(readAll(path)).rejects.toThrow(new RegExp(`${path}:3 is not JSON`));
  });

  it('an entry after the end entry is damage: thrown, or recorded and skipped', async () => {
    const path = tempPath();
    const ok = { type: 'ok', op: 'r1:1', process: 1, f: 'checkout', completedNs: 5, latencyMs: 1 };
    writeFileSync(path, toText([header, { type: 'end', status: 'completed', atNs: 9 }, ok]));
    await expect(readAll(path)).rejects.toThrow(
      new RegExp(`${path}:3 comes after the end entry \\(line 2\\)`),
    );
    const reader = readHistory(path, { onDamage: 'record' });
    const got: HistoryEntry[] = [];
    for await (const e of reader) got.push(e);
    expect(got.map((e) => e.type)).toEqual(['run', 'end']);
    expect(reader.damage).toEqual({
      line: 3,
      reason: 'comes after the end entry (line 2): nothing may follow it',
    });
    expect(reader.damagedLines).toBe(1);
  });

  it('record mode: a torn last line is damage too (the run did not finish writing)', async () => {
    const path = tempPath();
    writeFileSync(path, `${toText([header])}{"type":"ok","op":"r1`);
    const reader = readHistory(path, { onDamage: 'record' });
    for await (const _ of reader);
    expect(reader.truncatedTail).toBe(true);
    expect(reader.damage?.line).toBe(2);
    expect(reader.damage?.reason).toMatch(/^is torn/);
  });

  it('a line that is JSON but not an entry names the line and the field', async () => {
    const path = tempPath();
    writeFileSync(path, toText([header, { type: 'ok', op: 'x', process: 1, f: 'checkout', latencyMs: 1 }]));
    await expect(readAll(path)).rejects.toThrow(new RegExp(`${path}:2 is not a history entry: completedNs`));
  });

  it('requires the run header first and only once', async () => {
    const probe = { type: 'probe', probe: 'p', ok: true, latencyMs: 1, atNs: 1 };
    const noHeader = tempPath();
    writeFileSync(noHeader, toText([probe]));
    await expect(readAll(noHeader)).rejects.toThrow(/:1 comes before the run header/);
    const twoRuns = tempPath();
    writeFileSync(twoRuns, toText([header, probe, { ...header, runId: 'r2' }]));
    await expect(readAll(twoRuns)).rejects.toThrow(/:3 is a second run header \(run r2/);
  });

  it('summarizes counts by type and function, time range and whether the run ended', async () => {
    const path = tempPath();
    const inv = (op: string, f: string, t: number) => ({
      type: 'invoke',
      op,
      process: 1,
      f,
      value: {},
      scheduledNs: t,
      sentNs: t,
      latenessMs: 0,
    });
    const done = (type: string, op: string, f: string, t: number) => ({
      type,
      op,
      process: 1,
      f,
      completedNs: t,
      latencyMs: 1,
    });
    writeFileSync(
      path,
      toText([
        header,
        inv('r1:0', 'checkout', 10),
        { type: 'fault', phase: 'start', fault: 'latency', target: 'edge-a', atNs: 15 },
        done('ok', 'r1:0', 'checkout', 20),
        inv('r1:1', 'return', 30),
        done('info', 'r1:1', 'return', 40),
        {
          type: 'drop',
          op: 'r1:2',
          process: 1,
          f: 'checkout',
          scheduledNs: 41,
          atNs: 42,
          reason: 'max-in-flight',
        },
        { type: 'end', status: 'completed', atNs: 50 },
      ]),
    );
    const summary = await readHistorySummary(path);
    expect(summary).toMatchObject({
      entries: 8,
      byType: { run: 1, invoke: 2, ok: 1, info: 1, fault: 1, drop: 1, end: 1 },
      byF: {
        checkout: { invoke: 1, ok: 1, fail: 0, info: 0, drop: 1 },
        return: { invoke: 1, ok: 0, fail: 0, info: 1, drop: 0 },
      },
      firstNs: 10,
      lastNs: 50,
      hasEnd: true,
      endStatus: 'completed',
      truncatedTail: false,
    });
    expect(summary.header?.runId).toBe('r1');
  });
});
