// Splits a refund across the tenders an order was paid with: last tendered,
// first refunded (the usual till policy), never more per tender than it has
// left to refund. Pure; the return repository applies the result under a lock.

export interface TenderBalance {
  readonly tenderId: string;
  /** Order in which the tender was taken (1 = first). */
  readonly seq: number;
  readonly amountCents: number;
  readonly refundedCents: number;
}

export interface RefundAllocation {
  readonly tenderId: string;
  readonly amountCents: number;
}

export interface RefundPlan {
  readonly allocations: RefundAllocation[];
  /** What could not be placed on any tender; a correct return never leaves any. */
  readonly unallocatedCents: number;
}

export function allocateRefund(refundCents: number, tenders: readonly TenderBalance[]): RefundPlan {
  if (!Number.isSafeInteger(refundCents) || refundCents < 0) {
    throw new RangeError(`refund must be a non-negative integer number of cents, got ${refundCents}`);
  }
  const allocations: RefundAllocation[] = [];
  let left = refundCents;
  for (const tender of [...tenders].sort((x, y) => y.seq - x.seq)) {
    if (left === 0) break;
    const refundable = Math.max(0, tender.amountCents - tender.refundedCents);
    const amount = Math.min(refundable, left);
    if (amount > 0) {
      allocations.push({ tenderId: tender.tenderId, amountCents: amount });
      left -= amount;
    }
  }
  return { allocations, unallocatedCents: left };
}
