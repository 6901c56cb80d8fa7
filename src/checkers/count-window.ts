// What a cycle count should leave on the shelf: the units counted plus every
// movement written after the shelf was counted (its snapshot) and before the
// count was applied. Pure: the snapshots come from the history (when each count
// was sent, minus how long its reader held it), the movements from the ledger.
// Movements within the clock tolerance of a snapshot, and offline sales (sold
// at a time the ledger does not hold), may fall either side: they widen the
// expected level to a range instead of deciding it.
import type { FinalLedgerEntry } from '../model/final-state.ts';
import type { HistoryIndex } from './history-index.ts';

/** When one count's shelf was counted, on the wall clock (ms), and what it counted. */
export interface CountSnapshot {
  readonly qty: number;
  /** Earliest and latest reading over the count's sends (a duplicate is sent again later). */
  readonly fromMs: number;
  readonly toMs: number;
  /** The history op of its first send, for evidence. */
  readonly op: number;
}

/** A count's expected level as a range, and the sales it must keep. */
export interface CountWindow {
  readonly low: number;
  readonly high: number;
  /** Units sold (sales, exchanges, marketplace) surely after the snapshot and before the count. */
  readonly soldUnits: number;
  /** Of those, units of checkouts the history shows acknowledged. */
  readonly ackedSoldUnits: number;
  /** Movements that may fall either side of the snapshot. */
  readonly ambiguous: number;
}

/** Ledger reasons that take units off the shelf for a customer. */
const SALE_REASONS: ReadonlySet<string> = new Set(['sale', 'exchange', 'marketplace', 'offline-sale']);

/**
 * Snapshots by scan id. The run clock is placed on the wall clock by the header's
 * startedAt; undefined without one (nothing can be set against the target's times).
 */
export function countSnapshots(history: HistoryIndex): Map<string, CountSnapshot> | undefined {
  const startedAt = history.header === undefined ? Number.NaN : Date.parse(history.header.startedAt);
  if (!Number.isFinite(startedAt)) return undefined;
  const out = new Map<string, CountSnapshot>();
  for (const c of history.cycleCounts) {
    const atMs = startedAt + history.invokeNs[c.op]! / 1e6 - c.heldMs;
    const seen = out.get(c.scanId);
    out.set(
      c.scanId,
      seen === undefined
        ? { qty: c.qty, fromMs: atMs, toMs: atMs, op: c.op }
        : { ...seen, fromMs: Math.min(seen.fromMs, atMs), toMs: Math.max(seen.toMs, atMs) },
    );
  }
  return out;
}

/**
 * Whether an entry moves units on the shelf. Counts and seeds set levels; other
 * scans (receiving, adjustments) are placed by sequence, not time: one sequenced
 * before the count is on the counted shelf, one after it makes the count stale.
 */
export function isShelfMovement(e: FinalLedgerEntry): boolean {
  return !e.absolute && e.refType !== 'scan' && e.reason !== 'seed';
}

/**
 * The expected level after the count at `entries[index]` (one SKU and store, in
 * ledger order); undefined when an entry it needs has no time. Walks back from
 * the count and stops at the first movement surely before the snapshot: per SKU
 * and store, entries are written in time order (each under the stock row lock).
 */
export function countWindow(
  entries: readonly FinalLedgerEntry[],
  index: number,
  snapshot: CountSnapshot,
  acked: ReadonlySet<string>,
  toleranceMs: number,
): CountWindow | undefined {
  let sure = 0;
  let maybeDown = 0;
  let maybeUp = 0;
  let soldUnits = 0;
  let ackedSoldUnits = 0;
  let ambiguous = 0;
  for (let i = index - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.at === undefined) return undefined;
    const atMs = Date.parse(e.at);
    if (atMs < snapshot.fromMs - toleranceMs) break;
    if (!isShelfMovement(e)) continue;
    if (atMs > snapshot.toMs + toleranceMs && e.reason !== 'offline-sale') {
      sure += e.delta;
      if (SALE_REASONS.has(e.reason) && e.delta < 0) {
        soldUnits -= e.delta;
        if (e.reason === 'sale' && acked.has(e.refId)) ackedSoldUnits -= e.delta;
      }
    } else {
      ambiguous++;
      if (e.delta < 0) maybeDown += e.delta;
      else maybeUp += e.delta;
    }
  }
  const base = snapshot.qty + sure;
  return {
    low: Math.max(0, base + maybeDown),
    high: Math.max(0, base + maybeUp),
    soldUnits,
    ackedSoldUnits,
    ambiguous,
  };
}
