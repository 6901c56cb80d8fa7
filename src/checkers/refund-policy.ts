// Refund allocation policies: how a target declares it splits money back over an
// order's tenders (FinalState.refundPolicy), and the split each policy implies.
// Checked per order on the refunds recorded so far, which needs no refund order:
// last- and first-tender-first fill tenders one after another, so the sum of every
// refund of an order is split exactly as one refund of that sum would be.
import { type FinalOrder, REFUND_POLICIES, type RefundPolicy } from '../model/final-state.ts';

export function isRefundPolicy(p: string | undefined): p is RefundPolicy {
  return (REFUND_POLICIES as readonly string[]).includes(p ?? '');
}

/** Cents each tender (in the order taken) should have paid back of `total` under `policy`. */
export function expectedSplit(policy: RefundPolicy, amounts: readonly number[], total: number): number[] {
  const out = new Array<number>(amounts.length).fill(0);
  if (policy === 'proportional') {
    let sum = 0;
    for (const a of amounts) sum += a;
    if (sum === 0) return out;
    return amounts.map((a) => (total * a) / sum);
  }
  const order = amounts.map((_, i) => i);
  if (policy === 'last-tender-first') order.reverse();
  let left = total;
  for (const i of order) {
    const take = Math.min(amounts[i]!, left);
    out[i] = take;
    left -= take;
  }
  return out;
}

export interface RecordedRefund {
  readonly tenderId: string | undefined;
  readonly type: string;
  readonly cents: number;
}

/**
 * How far an order's recorded refunds are from the policy's split, as one line per
 * tender that differs; empty when they agree. Refunds name tenders by id when they
 * can, else by type (then compared per type). Proportional splits are rounded per
 * refund, so each tender may be off by a cent per refund.
 */
export function policyMismatch(
  policy: RefundPolicy,
  order: FinalOrder,
  refunds: readonly RecordedRefund[],
): { expected: string; actual: string } | undefined {
  const tenders = order.tenders;
  let total = 0;
  for (const r of refunds) total += r.cents;
  const want = expectedSplit(
    policy,
    tenders.map((t) => t.amountCents),
    total,
  );
  const byId = refunds.every(
    (r) => r.tenderId !== undefined && tenders.some((t) => t.tenderId === r.tenderId),
  );
  const label = (i: number) => (byId ? (tenders[i]!.tenderId ?? tenders[i]!.type) : tenders[i]!.type);
  const expected = new Map<string, number>();
  const actual = new Map<string, number>();
  tenders.forEach((_, i) => {
    expected.set(label(i), (expected.get(label(i)) ?? 0) + want[i]!);
    actual.set(label(i), 0);
  });
  for (const r of refunds) {
    const k = byId ? r.tenderId! : r.type;
    actual.set(k, (actual.get(k) ?? 0) + r.cents);
  }
  const slack = policy === 'proportional' ? refunds.length : 0;
  let differs = false;
  for (const [k, a] of actual) if (Math.abs(a - (expected.get(k) ?? 0)) > slack) differs = true;
  if (!differs) return undefined;
  const show = (m: Map<string, number>) => [...m].map(([k, n]) => `${k} ${Math.round(n)}`).join(', ');
  return { expected: show(expected), actual: show(actual) };
}
