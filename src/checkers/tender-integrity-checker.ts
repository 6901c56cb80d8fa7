// Tender integrity: money back never exceeds money taken — per tender and per
// order, across retries — and is split over the tenders as the target's declared
// refund policy says (FinalState.refundPolicy; undeclared: that part is unknown).
// From the surviving region's refunds, and from the history's acknowledged returns
// (one per idempotency key), which prove an over-refund even if the state lost the
// record; an acknowledged refund the state does not hold is a missing refund. Two
// returns under one key that both paid out are duplicate refunds.
import {
  authoritativeState,
  type FinalOrder,
  type FinalState,
  type RegionState,
  wasRead,
} from '../model/final-state.ts';
import { type Checker, type CheckResult, EvidenceList, notApplicable, plural } from './checker.ts';
import type { HistoryIndex } from './history-index.ts';
import { isRefundPolicy, policyMismatch } from './refund-policy.ts';

export const TENDER_INTEGRITY = 'tender-integrity';

export function tenderIntegrityChecker(): Checker {
  return {
    name: TENDER_INTEGRITY,
    check(history, state, options): CheckResult {
      const region = authoritativeState(state);
      if (region === undefined) {
        return {
          name: TENDER_INTEGRITY,
          valid: 'unknown',
          figures: {},
          evidence: [],
          explanation: 'no final state was read, so refunds cannot be set against tenders',
        };
      }
      const acked = refundsAcknowledged(history);
      const refundsRead = wasRead(region, 'refunds');
      if (refundsRead && region.refunds.length === 0 && acked.byOrder.size === 0) {
        return notApplicable(TENDER_INTEGRITY, 'nothing was refunded', { overRefunds: 0, ordersRefunded: 0 });
      }
      return checkRefunds(history, state!, region, acked, new EvidenceList(options.maxEvidence));
    },
  };
}

function checkRefunds(
  history: HistoryIndex,
  state: FinalState,
  region: RegionState,
  acked: ReturnType<typeof refundsAcknowledged>,
  evidence: EvidenceList,
): CheckResult {
  const refundsRead = wasRead(region, 'refunds');
  const ordersRead = wasRead(region, 'orders');
  const over = new Map<string, number>();
  const stateRefunds: RefundSums = refundsRead ? refundsInState(region) : new Map();
  // Only refunded orders are looked up: cheaper than a map of every order.
  const orders = new Map<string, FinalOrder>();
  for (const o of region.orders) {
    if (stateRefunds.has(o.orderId) || acked.byOrder.has(o.orderId)) orders.set(o.orderId, o);
  }
  if (ordersRead) {
    overRefunds(orders, stateRefunds, 'refunds recorded', over, evidence);
    overRefunds(orders, acked.byOrder, 'refunds acknowledged', over, evidence);
  }
  const duplicateRefunds = duplicateReturns(refundsRead ? region : undefined, acked.duplicateKeys, evidence);
  const missingRefunds = refundsRead ? missing(history, region, acked.firsts, evidence) : 0;
  const policy = state.refundPolicy;
  let policyViolations = 0;
  if (ordersRead && isRefundPolicy(policy)) {
    for (const [orderId, refunds] of stateRefunds) {
      const order = orders.get(orderId);
      if (order === undefined || over.has(orderId)) continue;
      const m = policyMismatch(policy, order, refunds);
      if (m === undefined) continue;
      policyViolations++;
      evidence.add({ what: `refunds not split ${policy}`, key: orderId, ...m });
    }
  }
  const unknowns: string[] = [];
  if (!refundsRead) unknowns.push('the refunds were not read');
  if (!ordersRead) unknowns.push('the orders (and so their tenders) were not read');
  if (stateRefunds.size > 0 && !isRefundPolicy(policy))
    unknowns.push(
      policy === undefined
        ? 'the target declares no refund policy'
        : `refund policy "${policy}" is not one the checker knows`,
    );
  let overCents = 0;
  for (const c of over.values()) overCents += c;
  const violations = over.size + duplicateRefunds + missingRefunds + policyViolations;
  const valid = violations > 0 ? false : unknowns.length > 0 ? 'unknown' : true;
  return {
    name: TENDER_INTEGRITY,
    valid,
    figures: {
      overRefunds: over.size,
      overRefundCents: overCents,
      duplicateRefunds,
      missingRefunds,
      policyViolations,
      policyKnown: isRefundPolicy(policy) ? 1 : 0,
      ordersRefunded: stateRefunds.size,
    },
    evidence: evidence.items,
    explanation:
      valid === true
        ? `refunds stay within what each tender took and follow ${policy} on ${plural(stateRefunds.size, 'refunded order')}`
        : valid === false
          ? `${plural(over.size, 'order')} refunded beyond their tenders by ${overCents} cents, ${plural(duplicateRefunds, 'duplicate refund')}, ${plural(missingRefunds, 'acknowledged refund')} missing, ${plural(policyViolations, 'order')} split against the ${policy} policy`
          : `no refund beyond a tender found, but ${unknowns.join(' and ')}`,
  };
}

/** orderId → refunds paid (tender id when known, tender type, cents). */
type RefundSums = Map<string, { tenderId: string | undefined; type: string; cents: number }[]>;

function add(sums: RefundSums, orderId: string, tenderId: string | undefined, type: string, cents: number) {
  const list = sums.get(orderId);
  if (list === undefined) sums.set(orderId, [{ tenderId, type, cents }]);
  else list.push({ tenderId, type, cents });
}

function refundsInState(region: RegionState): RefundSums {
  const sums: RefundSums = new Map();
  for (const r of region.refunds) add(sums, r.orderId, r.tenderId, r.tender, r.amountCents);
  return sums;
}

interface AckedRefund {
  readonly key: string;
  readonly returnId: string | undefined;
  readonly cents: number;
  readonly op: number;
}

/** Acknowledged refunds, the first answer per idempotency key (a retry replays it). */
function refundsAcknowledged(history: HistoryIndex) {
  const byOrder: RefundSums = new Map();
  const firstReturnId = new Map<string, string | undefined>();
  const duplicateKeys = new Set<string>();
  const firsts: AckedRefund[] = [];
  for (const r of history.returns) {
    if (r.status !== 'ok' || r.refunds === undefined) continue;
    if (firstReturnId.has(r.key)) {
      const first = firstReturnId.get(r.key);
      if (first !== undefined && r.returnId !== undefined && first !== r.returnId) duplicateKeys.add(r.key);
      continue;
    }
    firstReturnId.set(r.key, r.returnId);
    let cents = 0;
    for (const f of r.refunds) {
      add(byOrder, r.orderId, f.tenderId, f.type, f.amountCents);
      cents += f.amountCents;
    }
    if (cents > 0) firsts.push({ key: r.key, returnId: r.returnId, cents, op: r.op });
  }
  return { byOrder, duplicateKeys, firsts };
}

/** Acknowledged refunds the state holds less money for than was acknowledged (by return id, else key). */
function missing(
  history: HistoryIndex,
  region: RegionState,
  firsts: readonly AckedRefund[],
  evidence: EvidenceList,
): number {
  if (firsts.length === 0) return 0;
  const byId = new Map<string, number>();
  const byKey = new Map<string, number>();
  for (const r of region.refunds) {
    if (r.returnId !== undefined) byId.set(r.returnId, (byId.get(r.returnId) ?? 0) + r.amountCents);
    if (r.idempotencyKey !== null)
      byKey.set(r.idempotencyKey, (byKey.get(r.idempotencyKey) ?? 0) + r.amountCents);
  }
  let n = 0;
  for (const a of firsts) {
    const recorded = Math.max(
      a.returnId === undefined ? 0 : (byId.get(a.returnId) ?? 0),
      byKey.get(a.key) ?? 0,
    );
    if (recorded >= a.cents) continue;
    n++;
    evidence.add({
      what: 'acknowledged refund not recorded',
      key: a.key,
      op: history.opId(a.op),
      expected: a.cents,
      actual: recorded,
    });
  }
  return n;
}

function overRefunds(
  orders: Map<string, FinalOrder>,
  sums: RefundSums,
  source: string,
  over: Map<string, number>,
  evidence: EvidenceList,
) {
  for (const [orderId, refunds] of sums) {
    const tenders = orders.get(orderId)?.tenders ?? [];
    // A refund names its tender by id when both sides know ids, else by type.
    const byTender = new Array<number>(tenders.length).fill(0);
    let byType: Map<string, number> | undefined;
    let refunded = 0;
    for (const r of refunds) {
      refunded += r.cents;
      const i = r.tenderId === undefined ? -1 : tenders.findIndex((t) => t.tenderId === r.tenderId);
      if (i >= 0) byTender[i] = byTender[i]! + r.cents;
      else {
        byType ??= new Map();
        byType.set(r.type, (byType.get(r.type) ?? 0) + r.cents);
      }
    }
    let excess = 0;
    const exceeds = (name: string, cents: number, have: number) => {
      if (cents <= have) return;
      excess += cents - have;
      evidence.add({
        what: `${source} exceed the tender`,
        key: orderId,
        actual: `${name} refunded ${cents}`,
        expected: `≤ ${have}`,
      });
    };
    tenders.forEach((t, i) => {
      exceeds(t.tenderId ?? t.type, byTender[i]!, t.amountCents);
    });
    for (const [type, cents] of byType ?? []) {
      let have = 0;
      for (const t of tenders) if (t.type === type) have += t.amountCents;
      exceeds(type, cents, have);
    }
    let total = 0;
    for (const t of tenders) total += t.amountCents;
    if (refunded > total) {
      excess = Math.max(excess, refunded - total);
      evidence.add({
        what: `${source} exceed the order's tenders`,
        key: orderId,
        expected: `≤ ${total}`,
        actual: refunded,
      });
    }
    if (excess > 0) over.set(orderId, Math.max(over.get(orderId) ?? 0, excess));
  }
}

/** Returns sharing one idempotency key that each paid out (a retried return applied twice). */
function duplicateReturns(
  region: RegionState | undefined,
  ackedDuplicates: Set<string>,
  evidence: EvidenceList,
): number {
  const firstReturnOfKey = new Map<string, string>();
  const doubled = new Set<string>();
  for (const r of region?.refunds ?? []) {
    if (r.idempotencyKey === null || r.returnId === undefined || r.amountCents === 0) continue;
    const first = firstReturnOfKey.get(r.idempotencyKey);
    if (first === undefined) firstReturnOfKey.set(r.idempotencyKey, r.returnId);
    else if (first !== r.returnId) doubled.add(r.idempotencyKey);
  }
  const keys = new Set(ackedDuplicates);
  for (const key of doubled) keys.add(key);
  for (const key of keys) evidence.add({ what: 'one return key refunded twice', key });
  return keys.size;
}
