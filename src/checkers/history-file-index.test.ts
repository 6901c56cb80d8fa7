// indexHistoryFile reads op lines straight from the text (op-line-reader) and
// everything else through JSON.parse and the entry schema. Whatever shape the
// lines take, it must build exactly the index that the parsed entries build.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readHistory } from '../history/history-reader.ts';
import type { HistoryEntry } from '../model/history-entry.ts';
import { type HistoryIndex, indexHistory, indexHistoryFile } from './history-index.ts';
import { HistoryFixture } from './testing/history-fixture.ts';
import { runRetailModel } from './testing/retail-model.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-file-index-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Every field of an index, in plain data, for toEqual. */
function snapshot(idx: HistoryIndex) {
  return {
    ...idx,
    opsOf: idx.fNames.map((f) => [...idx.opsOf(f)]),
    opId: Array.from({ length: idx.opCount }, (_, i) => idx.opId(i)),
  };
}

/** Ways a writer (or an editor) may put an entry on a line that JSON.parse reads alike. */
const VARIANTS = [
  'plain',
  'reversed keys',
  'spaces',
  'unknown key',
  'value first',
  'escaped op',
  'unicode value',
  'long number',
  'exponent',
  'repeated key',
  'process number',
  'wall time',
] as const;
type Variant = (typeof VARIANTS)[number];

function line(e: HistoryEntry, variant: Variant): string {
  const o = e as Record<string, unknown>;
  const isOp = e.type === 'invoke' || e.type === 'ok' || e.type === 'fail' || e.type === 'info';
  if (!isOp) return JSON.stringify(e);
  switch (variant) {
    case 'plain':
      return JSON.stringify(e);
    case 'reversed keys':
      return JSON.stringify(Object.fromEntries(Object.entries(o).reverse()));
    case 'spaces':
      return JSON.stringify(e, null, 1).replace(/\n/g, ' ');
    case 'unknown key':
      return JSON.stringify({ ...o, note: { a: [1, 'x', null, true], b: -0.5e-3 } });
    case 'value first': {
      const { value, ...rest } = o;
      return JSON.stringify(value === undefined ? rest : { type: o.type, value, ...rest });
    }
    case 'escaped op':
      return JSON.stringify(e).replace(/"op":"/, '"op":"\\u0071');
    case 'unicode value':
      return JSON.stringify({ ...o, value: o.value === undefined ? 'é€😀' : o.value, note: 'é "q" \\ €' });
    case 'long number':
      return JSON.stringify({ ...o, latencyMs: 0.1 + 0.2, latenessMs: 123456.7890123456 });
    case 'exponent':
      return JSON.stringify(e).replace(/"latency(Ms|nessMs)":([0-9.]+)/, '"latency$1":$2e0');
    case 'repeated key':
      return JSON.stringify(e).replace(/^\{"type":"(\w+)",/, '{"type":"$1","f":"other",');
    case 'process number':
      return JSON.stringify({ ...o, process: 7 });
    case 'wall time':
      return e.type === 'invoke'
        ? JSON.stringify({ ...o, wallTime: '2025-11-21T17:00:00.123Z' })
        : JSON.stringify(e);
  }
}

async function bothWays(text: string): Promise<{ fast: unknown; parsed: unknown }> {
  const path = join(dir, `h${n++}.ndjson`);
  writeFileSync(path, text);
  const settle = async <T>(p: Promise<T>) => {
    try {
      return { ok: snapshot((await p) as HistoryIndex) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  const fast = await settle(indexHistoryFile(path));
  const parsed = await settle(
    (async () => {
      const entries: HistoryEntry[] = [];
      for await (const e of readHistory(path)) entries.push(e);
      return indexHistory(entries);
    })(),
  );
  rmSync(path);
  return { fast, parsed };
}

describe('indexHistoryFile', () => {
  it('builds the index the parsed entries build, whatever shape the lines take', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.array(fc.constantFrom(...VARIANTS), { minLength: 1, maxLength: 4 }),
        async (seed, variants) => {
          const entries: HistoryEntry[] = [];
          runRetailModel({ seed, ops: 120, faults: true, infoRate: 0.1, skus: 10 }, (e) => entries.push(e));
          const text = entries.map((e, i) => `${line(e, variants[i % variants.length]!)}\n`).join('');
          const { fast, parsed } = await bothWays(text);
          expect(fast).toEqual(parsed);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reads a refused offline upload (its 4xx answer) alike on both paths', async () => {
    const h = new HistoryFixture();
    const sales = [
      { saleId: 's1', tenders: [{ type: 'cash', amountCents: 5 }], lines: [{ sku: 'A', qty: 1 }] },
    ];
    h.op(
      'offline-sync',
      { batchId: 'B1', sales },
      { at: 0, fail: { status: 400, error: 'invalid-request' }, code: 'invalid-request' },
    );
    const text = h
      .end()
      .list()
      .map((e) => JSON.stringify(e))
      .join('\n');
    const { fast, parsed } = await bothWays(`${text}\n`);
    expect(fast).toEqual(parsed);
    expect((fast as { ok: HistoryIndex }).ok.refusedOfflineSyncs).toEqual([
      { op: 0, batchId: 'B1', saleIds: ['s1'], status: 400, code: 'invalid-request' },
    ]);
  });

  it('refuses what the schema refuses, on either path: the reader throws, the index records the same line', async () => {
    const entries: HistoryEntry[] = [];
    runRetailModel({ seed: 5, ops: 20 }, (e) => entries.push(e));
    const text = entries.map((e) => JSON.stringify(e)).join('\n');
    const bad = [
      text.replace(/"sentNs":(\d+)/, '"sentNs":-$1'),
      text.replace(/"latencyMs":([0-9.]+)/, '"latencyMs":"$1"'),
      text.replace(/"completedNs":(\d+)/, '"completedNs":$1.5'),
      text.replace(/"op":"[^"]+"/, '"op":""'),
      text.replace(/"process":"[^"]+"/, '"process":true'),
      text.replace(/"value":\{/, '"value":{"x":tru,'),
      text.replace(/"value":\{/, '"value":{"x":"\t",'),
      text.replace(/"scheduledNs":(\d+)/, '"scheduledNs":1e400'),
      text.replace(/\{"type":"ok",/, '{"type":"ok","error":{"code":"x"},'),
    ];
    for (const t of bad) {
      const path = join(dir, `h${n++}.ndjson`);
      writeFileSync(path, `${t}\n`);
      const thrown = await (async () => {
        for await (const _ of readHistory(path));
      })().then(
        () => undefined,
        (error: Error) => error.message,
      );
      const index = await indexHistoryFile(path);
      rmSync(path);
      expect(thrown).toBeDefined();
      expect(index.damage).toBeDefined();
      expect(`history ${index.damage!.file}:${index.damage!.line} ${index.damage!.reason}`).toBe(thrown);
    }
  });
});
