// Lost acknowledged writes (RPO): every checkout, return/exchange and offline
// sale the SUT answered `ok` must be in the surviving region's final state.
// `info` ops are never counted: a write that may not have happened cannot be lost.
// Figures: lostAcks (distinct writes), dataLossWindowMs = time from the first to
// the last lost acknowledgement (0 for one; the span of history whose acks did not
// survive), and rpoMs = from the first lost ack to the start of the fault that
// followed it (the failover), or dataLossWindowMs when no fault came after.
import { authoritativeState, type RegionState, wasRead } from '../model/final-state.ts';
import { atMs, type Checker, type CheckResult, EvidenceList, notApplicable, plural } from './checker.ts';
import type { HistoryIndex } from './history-index.ts';
import { regionView } from './region-view.ts';

export const LOST_ACKS = 'lost-acks';

export function lostAckChecker(): Checker {
  return {
    name: LOST_ACKS,
    check(history, state, options): CheckResult {
      const region = authoritativeState(state);
      if (region === undefined) {
        return {
          name: LOST_ACKS,
          valid: 'unknown',
          figures: {},
          evidence: [],
          explanation:
            'no final state of the surviving region was read, so acknowledged writes cannot be found',
        };
      }
      const acks = findAcks(history, region);
      if (acks.acked === 0 && history.unreadable.size === 0) {
        return notApplicable(LOST_ACKS, 'no write was acknowledged, so none can have been lost', {
          lostAcks: 0,
          acknowledgedOps: 0,
        });
      }
      return result(history, region, acks, options.maxEvidence);
    },
  };
}

type Missing = { kind: string; id: string; at: number; op: number; found: boolean };

interface Acks {
  acked: number;
  /** Acknowledged writes whose collection the oracle did not read, by kind. */
  readonly unread: Map<string, number>;
  readonly missing: Missing[];
}

/** Where each kind of write is found; undefined when the oracle did not read that collection. */
function lookups(region: RegionState) {
  const view = regionView(region);
  const orders = wasRead(region, 'orders');
  const { byKey, bySale } = view.orders();
  const returnIds = new Set<string>();
  const returnKeys = new Set<string>();
  for (const r of region.returns) {
    returnIds.add(r.returnId);
    if (r.idempotencyKey !== null) returnKeys.add(r.idempotencyKey);
  }
  // Money paid back per return id and per return key: the refund is its own write.
  const refundedById = new Map<string, number>();
  const refundedByKey = new Map<string, number>();
  for (const r of region.refunds) {
    if (r.returnId !== undefined)
      refundedById.set(r.returnId, (refundedById.get(r.returnId) ?? 0) + r.amountCents);
    if (r.idempotencyKey !== null)
      refundedByKey.set(r.idempotencyKey, (refundedByKey.get(r.idempotencyKey) ?? 0) + r.amountCents);
  }
  const sales = new Set(region.offlineSales.map((s) => s.saleId));
  const hasOrder = (id: string | undefined) => id !== undefined && view.ordersById().has(id);
  return {
    checkout: orders
      ? (key: string, orderId: string | undefined) => byKey.has(key) || hasOrder(orderId)
      : undefined,
    order: orders ? hasOrder : undefined,
    ret: wasRead(region, 'returns')
      ? (key: string, id: string | undefined) =>
          returnKeys.has(key) || (id !== undefined && returnIds.has(id))
      : undefined,
    refunded: wasRead(region, 'refunds')
      ? (key: string, id: string | undefined) =>
          Math.max(id === undefined ? 0 : (refundedById.get(id) ?? 0), refundedByKey.get(key) ?? 0)
      : undefined,
    sale:
      orders || wasRead(region, 'offlineSales')
        ? (id: string, orderId: string | undefined) => bySale.has(id) || sales.has(id) || hasOrder(orderId)
        : undefined,
  };
}

/**
 * Every acknowledged write looked up. Counted as ops; a write missing is counted once per
 * key or sale, at its first ack, and forgiven if a later ack of the same key is found.
 */
function findAcks(history: HistoryIndex, region: RegionState): Acks {
  const find = lookups(region);
  const acks: Acks = { acked: 0, unread: new Map(), missing: [] };
  // A map per kind, so an ack is looked up by its id alone (no joined key per ack), and a list in first-ack order.
  const missingOfKind = new Map<string, Map<string, Missing>>();
  const note = (kind: string, id: string, found: boolean | undefined, op: number) => {
    acks.acked++;
    if (found === undefined) {
      acks.unread.set(kind, (acks.unread.get(kind) ?? 0) + 1);
      return;
    }
    let ofKind = missingOfKind.get(kind);
    if (ofKind === undefined) {
      ofKind = new Map();
      missingOfKind.set(kind, ofKind);
    }
    const m = ofKind.get(id);
    if (m !== undefined) m.found ||= found;
    else if (!found) {
      const entry = { kind, id, at: history.completeNs[op]!, op, found };
      ofKind.set(id, entry);
      acks.missing.push(entry);
    }
  };
  for (const c of history.checkouts) {
    if (c.status === 'ok') note('checkout', c.key, find.checkout?.(c.key, c.orderId), c.op);
  }
  for (const r of history.returns) {
    if (r.status !== 'ok') continue;
    let found = find.ret?.(r.key, r.returnId);
    if (found === true && r.exchangeOrderId !== undefined) found = find.order?.(r.exchangeOrderId);
    note(r.f, r.key, found, r.op);
    // An acknowledged refund is a write of its own: the money movement must be recorded too.
    let cents = 0;
    for (const f of r.refunds ?? []) cents += f.amountCents;
    if (cents > 0) {
      const paid = find.refunded?.(r.key, r.returnId);
      note('refund', r.key, paid === undefined ? undefined : paid >= cents, r.op);
    }
  }
  // A 200 to an upload means the till drops the batch: every sale in it is acknowledged, listed or not.
  for (const s of history.offlineSyncs) {
    if (s.status !== 'ok') continue;
    for (const sale of s.sales)
      note('offline sale', sale.saleId, find.sale?.(sale.saleId, sale.orderId), s.op);
  }
  return acks;
}

function result(history: HistoryIndex, region: RegionState, acks: Acks, maxEvidence: number): CheckResult {
  const evidence = new EvidenceList(maxEvidence);
  const stillLost = acks.missing.filter((m) => !m.found);
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  stillLost.sort((a, b) => a.at - b.at);
  for (const l of stillLost) {
    first = Math.min(first, l.at);
    last = Math.max(last, l.at);
    evidence.add({
      what: `acknowledged ${l.kind} missing`,
      op: history.opId(l.op),
      key: l.id,
      region: region.region,
      atMs: atMs(l.at),
    });
  }
  const unreadable =
    (history.unreadable.get('checkout') ?? 0) +
    (history.unreadable.get('return') ?? 0) +
    (history.unreadable.get('exchange') ?? 0) +
    (history.unreadable.get('offline-sync') ?? 0);
  let unread = 0;
  for (const n of acks.unread.values()) unread += n;
  const figures: Record<string, number> = {
    lostAcks: stillLost.length,
    acknowledgedOps: acks.acked,
    dataLossWindowMs: stillLost.length === 0 ? 0 : atMs(last - first),
    rpoMs: 0,
    unreadableOps: unreadable,
    unreadAcks: unread,
  };
  if (stillLost.length > 0) {
    const failover = history.faults.find((f) => f.startNs >= first);
    figures.rpoMs = failover === undefined ? figures.dataLossWindowMs! : atMs(failover.startNs - first);
    figures.firstLostAtMs = atMs(first);
    figures.lastLostAtMs = atMs(last);
  }
  const valid = stillLost.length > 0 ? false : unreadable + unread > 0 ? 'unknown' : true;
  const unreadKinds = [...acks.unread.keys()].join(', ');
  return {
    name: LOST_ACKS,
    valid,
    figures,
    evidence: evidence.items,
    explanation:
      valid === false
        ? `${plural(stillLost.length, 'acknowledged write')} missing from region ${region.region}, acknowledged over ${figures.dataLossWindowMs} ms`
        : valid === 'unknown'
          ? unread > 0
            ? `the oracle did not read where ${plural(unread, 'acknowledged write')} (${unreadKinds}) would be, so they cannot be looked up; none of the others was lost`
            : `${plural(unreadable, 'op')} recorded values the checker cannot read, so they cannot be looked up; none of the others was lost`
          : `all ${plural(acks.acked, 'acknowledged write')} (retries included) are in region ${region.region}`,
  };
}
