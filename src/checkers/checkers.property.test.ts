// Property tests over the whole checker set: a history and final state from a
// correct store model never fail a checker; one injected anomaly is caught by
// the checker responsible for it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../model/history-entry.ts';
import { checkAll } from './all-checkers.ts';
import { HistoryIndexBuilder } from './history-index.ts';
import { ANOMALIES, CAUGHT_BY, inject } from './testing/anomalies.ts';
import { runRetailModel } from './testing/retail-model.ts';

const modelRun = (seed: number, ops: number, faults: boolean, bothRegions: boolean, infoRate: number) => {
  const b = new HistoryIndexBuilder();
  const entries: HistoryEntry[] = [];
  const result = runRetailModel({ seed, ops, faults, bothRegions, infoRate, skus: 20 }, (e) => {
    entries.push(e);
    b.add(e);
  });
  return { ...result, index: b.finish(), entries };
};

const runArb = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  ops: fc.integer({ min: 50, max: 600 }),
  faults: fc.boolean(),
  bothRegions: fc.boolean(),
  infoRate: fc.constantFrom(0, 0.05, 0.3),
});

describe('checkers on a correct store model', () => {
  it('never fail', () => {
    fc.assert(
      fc.property(runArb, ({ seed, ops, faults, bothRegions, infoRate }) => {
        const run = modelRun(seed, ops, faults, bothRegions, infoRate);
        const results = checkAll(run.index, run.state, { rto: { objectiveMs: 60_000 } });
        for (const r of results) {
          expect(r.valid, `${r.name}: ${r.explanation} ${JSON.stringify(r.evidence.slice(0, 3))}`).not.toBe(
            false,
          );
        }
        // With a final state every safety checker can decide, unless the run gave it nothing
        // to judge (a short run may have no acknowledged offline upload or refund).
        for (const name of [
          'oversell',
          'lost-acks',
          'idempotency',
          'ordering',
          'drift',
          'offline-reconciliation',
          'tender-integrity',
        ]) {
          const r = results.find((x) => x.name === name)!;
          if (r.notApplicable !== true) expect(r.valid, `${name}: ${r.explanation}`).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('measure the failover within the objective when there is one', () => {
    const run = modelRun(42, 3_000, true, true, 0.05);
    const rto = checkAll(run.index, run.state).find((r) => r.name === 'rto')!;
    expect(rto.valid).toBe(true);
    expect(rto.figures.rtoMs).toBeGreaterThan(0);
  });
});

describe('one injected anomaly', () => {
  it.each(ANOMALIES)('%s is caught by the right checker', (kind) => {
    fc.assert(
      fc.property(runArb, fc.nat(), ({ seed, faults, bothRegions, infoRate }, choice) => {
        const run = modelRun(seed, 800, faults, bothRegions, infoRate);
        const injected = inject(kind, run.state, run.ackedOrders, (n) => choice % n);
        fc.pre(injected);
        const results = checkAll(run.index, run.state);
        const r = results.find((x) => x.name === CAUGHT_BY[kind])!;
        expect(r.valid, `${kind}: ${r.explanation}`).toBe(false);
        expect(r.evidence.length).toBeGreaterThan(0);
      }),
      { numRuns: 15 },
    );
  });
});
