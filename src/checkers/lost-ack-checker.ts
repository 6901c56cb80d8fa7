// Lost acknowledged writes (RPO): every checkout, return/exchange and offline
// sale the SUT answered `ok` must be in the surviving region's final state.
// `info` ops are never counted: a write that may not have happened cannot be lost.
// Figures: lostAcks (distinct writes), dataLossWindowMs = time from the first to
// the last lost acknowledgement (0 for one; the span of history whose acks did not
// survive), and rpoMs = from the first lost ack to the start of the fault that
// followed it (the failover), or dataLossWindowMs when no fault came after.
import { authoritativeState } from '../model/final-state.ts';
import { atMs, type Checker, type CheckResult, EvidenceList, plural } from './checker.ts';
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
      const evidence = new EvidenceList(options.maxEvidence);
      const view = regionView(region);
      const { byKey, bySale } = view.orders();
      // Found by key first (one lookup); by order id only for what the keys did not find.
      const hasOrder = (id: string | undefined) => id !== undefined && view.ordersById().has(id);
      let offlineRecorded: Set<string> | undefined;
      const hasSale = (id: string) => {
        if (bySale.has(id)) return true;
        offlineRecorded ??= new Set(region.offlineSales.map((s) => s.saleId));
        return offlineRecorded.has(id);
      };
      const returnIds = new Set<string>();
      const returnKeys = new Set<string>();
      for (const r of region.returns) {
        returnIds.add(r.returnId);
        if (r.idempotencyKey !== null) returnKeys.add(r.idempotencyKey);
      }
      for (const r of region.refunds) {
        if (r.returnId !== undefined) returnIds.add(r.returnId);
        if (r.idempotencyKey !== null) returnKeys.add(r.idempotencyKey);
      }

      // Acknowledgements counted as ops; a write missing is counted once per key or sale, at its first ack,
      // and forgiven if a later ack of the same key is found (it is there after all).
      let acked = 0;
      type Missing = { kind: string; id: string; at: number; op: number; found: boolean };
      // A map per kind, so an ack is looked up by its id alone (no joined key per ack), and a list in first-ack order.
      const missingOfKind = new Map<string, Map<string, Missing>>();
      const missing: Missing[] = [];
      const note = (kind: string, id: string, found: boolean, op: number) => {
        acked++;
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
          missing.push(entry);
        }
      };
      for (const c of history.checkouts) {
        if (c.status !== 'ok') continue;
        note('checkout', c.key, byKey.has(c.key) || hasOrder(c.orderId), c.op);
      }
      for (const r of history.returns) {
        if (r.status !== 'ok') continue;
        let found = returnKeys.has(r.key) || (r.returnId !== undefined && returnIds.has(r.returnId));
        if (found && r.exchangeOrderId !== undefined) found = hasOrder(r.exchangeOrderId);
        note(r.f, r.key, found, r.op);
      }
      for (const s of history.offlineSyncs) {
        if (s.status !== 'ok') continue;
        for (const sale of s.sales) {
          if (sale.ackStatus === undefined) continue;
          note('offline sale', sale.saleId, hasSale(sale.saleId) || hasOrder(sale.orderId), s.op);
        }
      }
      const stillLost = missing.filter((m) => !m.found);

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
      const figures: Record<string, number> = {
        lostAcks: stillLost.length,
        acknowledgedOps: acked,
        dataLossWindowMs: stillLost.length === 0 ? 0 : atMs(last - first),
        rpoMs: 0,
        unreadableOps: unreadable,
      };
      if (stillLost.length > 0) {
        const failover = history.faults.find((f) => f.startNs >= first);
        figures.rpoMs = failover === undefined ? figures.dataLossWindowMs! : atMs(failover.startNs - first);
        figures.firstLostAtMs = atMs(first);
        figures.lastLostAtMs = atMs(last);
      }
      const valid = stillLost.length > 0 ? false : unreadable > 0 ? 'unknown' : true;
      return {
        name: LOST_ACKS,
        valid,
        figures,
        evidence: evidence.items,
        explanation:
          valid === false
            ? `${plural(stillLost.length, 'acknowledged write')} missing from region ${region.region}, acknowledged over ${figures.dataLossWindowMs} ms`
            : valid === 'unknown'
              ? `${plural(unreadable, 'op')} recorded values the checker cannot read, so they cannot be looked up; none of the others was lost`
              : `all ${plural(acked, 'acknowledged write')} (retries included) are in region ${region.region}`,
      };
    },
  };
}
