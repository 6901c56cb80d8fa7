// Issue 15 (faster, leaner checks) changes how checkers and the index build their
// data, never what they answer. Each rewritten part is held here against the
// implementation it replaced (frozen in testing/reference/), on random model runs
// and on random op values, so "identical" is checked, not assumed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FinalLedgerEntry, FinalState } from '../model/final-state.ts';
import type { HistoryEntry } from '../model/history-entry.ts';
import { defaultCheckOptions } from './checker.ts';
import { countIntegrityChecker } from './count-integrity-checker.ts';
import { HistoryIndexBuilder } from './history-index.ts';
import * as now from './op-facts.ts';
import { countIntegrityChecker as countIntegrityBefore } from './testing/reference/count-integrity-checker.ts';
import * as before from './testing/reference/op-facts.ts';
import { runRetailModel } from './testing/retail-model.ts';

/** Every fact reader, old and new, by name: each takes one op value. */
const READERS = [
  ['readEpcs', (v: unknown) => now.readEpcs(v), (v: unknown) => before.readEpcs(v)],
  ['readUnits', (v: unknown) => now.readUnits(v), (v: unknown) => before.readUnits(v)],
  ['canonicalTenders', now.canonicalTenders, before.canonicalTenders],
  ['readCheckoutInvoke', now.readCheckoutInvoke, before.readCheckoutInvoke],
  ['readCheckoutOk', now.readCheckoutOk, before.readCheckoutOk],
  ['readReturnInvoke', now.readReturnInvoke, before.readReturnInvoke],
  ['readReturnOk', now.readReturnOk, before.readReturnOk],
  ['readOfflineSyncInvoke', now.readOfflineSyncInvoke, before.readOfflineSyncInvoke],
  ['readWebhookInvoke', now.readWebhookInvoke, before.readWebhookInvoke],
  ['readWebhookOk', now.readWebhookOk, before.readWebhookOk],
  ['readCycleCountInvoke', now.readCycleCountInvoke, before.readCycleCountInvoke],
  ['readPropagation', now.readPropagation, before.readPropagation],
] as const;

function sameFacts(value: unknown): void {
  for (const [name, a, b] of READERS) expect(a(value as never), name).toStrictEqual(b(value as never));
  // The offline answer is applied onto the sales the invoke read: both ways must leave them alike.
  const nowSales = now.readOfflineSyncInvoke(value)?.sales ?? [];
  const beforeSales = before.readOfflineSyncInvoke(value)?.sales ?? [];
  expect(now.applyOfflineSyncOk(value, nowSales)).toBe(before.applyOfflineSyncOk(value, beforeSales));
  expect(nowSales).toStrictEqual(beforeSales);
}

const sku = fc.constantFrom('SKU-1', 'SKU-2', 'SKU-3', '', 7);
const line = fc.record(
  {
    sku,
    qty: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constant(Number.NaN)),
    epc: fc.constantFrom('E1', 'E2', ''),
  },
  { requiredKeys: [] },
);
const tender = fc.record(
  {
    type: fc.constantFrom('card', 'cash', ''),
    amountCents: fc.integer({ min: 0, max: 900 }),
    tenderId: fc.constantFrom('t0', 't1'),
  },
  { requiredKeys: [] },
);
/** Op values of every shape the readers meet, well-formed or not. */
const opValue = fc.record(
  {
    idempotencyKey: fc.constantFrom('k1', 'k2', ''),
    orderId: fc.constantFrom('o1', 'o2'),
    region: fc.constantFrom('a', 'b'),
    lines: fc.oneof(fc.array(line, { maxLength: 5 }), fc.constant('x')),
    newLines: fc.array(line, { maxLength: 3 }),
    refunds: fc.array(tender, { maxLength: 3 }),
    returnId: fc.constant('r1'),
    batchId: fc.constantFrom('B1', ''),
    sales: fc.array(
      fc.record(
        {
          saleId: fc.constantFrom('s1', 's2', 's3'),
          tenders: fc.array(tender, { maxLength: 3 }),
          lines: fc.array(line, { maxLength: 3 }),
          status: fc.constantFrom('applied', 'backordered'),
          orderId: fc.constant('o9'),
          backordered: fc.array(fc.record({ qty: fc.integer({ min: 0, max: 3 }) }), { maxLength: 2 }),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 4 },
    ),
    eventId: fc.constant('e1'),
    sku,
    sequence: fc.integer({ min: 0, max: 9 }),
    absolute: fc.boolean(),
    kind: fc.constantFrom('cycle-count', 'receiving'),
    scanId: fc.constant('sc1'),
    store: fc.constant('S1'),
    qty: fc.integer({ min: 0, max: 9 }),
    heldMs: fc.integer({ min: -5, max: 50 }),
    writtenNs: fc.integer({ min: 0, max: 1e6 }),
    visibleNs: fc.integer({ min: 0, max: 1e6 }),
  },
  { requiredKeys: [] },
);

describe('op facts, old readers vs new', () => {
  it('read every value of a model run alike', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.constantFrom(0, 0.05, 0.3),
        (seed, infoRate) => {
          const values: unknown[] = [];
          runRetailModel({ seed, ops: 400, faults: true, infoRate, skus: 20 }, (e: HistoryEntry) => {
            if ('value' in e) values.push(e.value);
          });
          for (const v of values) sameFacts(v);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('read random values alike, malformed ones included', () => {
    fc.assert(fc.property(fc.oneof(opValue, fc.anything()), sameFacts), { numRuns: 2_000 });
  });
});

/** A model run, then its ledger disturbed: rows out of seq order, counts off by some units, times lost. */
function disturbedRun(seed: number, infoRate: number, shuffle: boolean, edits: readonly [number, number][]) {
  const b = new HistoryIndexBuilder();
  const run = runRetailModel(
    { seed, ops: 600, faults: true, bothRegions: true, infoRate, skus: 8, stores: 3 },
    (e) => b.add(e),
  );
  const state: FinalState = structuredClone(run.state);
  const index = b.finish();
  const startedMs = Date.parse(index.header?.startedAt ?? '');
  for (const region of Object.values(state.regions)) {
    const ledger = region.ledger as FinalLedgerEntry[];
    // The model writes no times; spread the rows over the run (in seq order, with jitter)
    // so counts are placed and judged, some inside their windows and some not.
    for (let i = 0; i < ledger.length; i++) {
      const ms = startedMs + (i / ledger.length) * (run.endNs / 1e6) + ((i * 7_919) % 400) - 200;
      ledger[i] = { ...ledger[i]!, at: new Date(ms).toISOString() };
    }
    for (const [at, by] of edits) {
      const i = at % Math.max(1, ledger.length);
      const e = ledger[i];
      if (e === undefined) continue;
      // Odd edits drop the write time, even ones move the level.
      ledger[i] = by % 2 === 0 ? { ...e, delta: e.delta + by } : { ...e, at: undefined };
    }
    if (shuffle) {
      let r = seed;
      for (let i = ledger.length - 1; i > 0; i--) {
        r = (Math.imul(r, 1_103_515_245) + 12_345) >>> 0;
        const j = r % (i + 1);
        [ledger[i], ledger[j]] = [ledger[j]!, ledger[i]!];
      }
    }
  }
  return { index, state };
}

describe('checkers, old vs new', () => {
  it('count-integrity answers alike (result, figures, evidence)', () => {
    let judged = 0;
    let failing = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.constantFrom(0, 0.05, 0.3),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: -4, max: 4 })), { maxLength: 12 }),
        fc.constantFrom(0, 50, 5_000),
        (seed, infoRate, shuffle, edits, clockToleranceMs) => {
          const { index, state } = disturbedRun(seed, infoRate, shuffle, edits);
          const options = { ...defaultCheckOptions, maxEvidence: 1_000 };
          const a = countIntegrityChecker({ clockToleranceMs }).check(index, state, options);
          const b = countIntegrityBefore({ clockToleranceMs }).check(index, state, options);
          expect(a).toStrictEqual(b);
          judged += Number(a.figures.countsJudged);
          if (a.valid === false) failing++;
        },
      ),
      { numRuns: 40 },
    );
    // The runs must reach the judging and the evidence, not only the early exits.
    expect(judged).toBeGreaterThan(0);
    expect(failing).toBeGreaterThan(0);
  });
});
