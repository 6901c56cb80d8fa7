// Appends stock mutations to the ledger, which is also the transactional outbox
// the relay publishes from. Callers hold the stock row locks, so per SKU and
// store the ledger ids follow the order of the changes.
import type pg from 'pg';

export type LedgerReason =
  | 'seed'
  | 'sale'
  | 'offline-sale'
  | 'return'
  | 'exchange'
  | 'marketplace'
  | 'cycle-count'
  | 'receiving'
  | 'adjustment';

export interface LedgerEntry {
  readonly sku: string;
  readonly store: string;
  readonly delta: number;
  readonly onHandAfter: number;
  readonly reason: LedgerReason;
  readonly refType: string;
  readonly refId: string;
  readonly idempotencyKey?: string | undefined;
}

export const APPEND_LEDGER_SQL = `
INSERT INTO ledger (sku, store, delta, on_hand_after, reason, ref_type, ref_id, idempotency_key, region)
SELECT u.sku, u.store, u.delta, u.after, u.reason, u.ref_type, u.ref_id, u.idem, $9
FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::ledger_reason[], $6::text[], $7::text[], $8::text[])
  AS u(sku, store, delta, after, reason, ref_type, ref_id, idem)`;

/** Appends entries (zero deltas are skipped: nothing changed). */
export async function appendLedger(
  client: pg.ClientBase,
  entries: readonly LedgerEntry[],
  region: string,
): Promise<void> {
  const real = entries.filter((e) => e.delta !== 0);
  if (real.length === 0) return;
  await client.query({
    name: 'ledger-append',
    text: APPEND_LEDGER_SQL,
    values: [
      real.map((e) => e.sku),
      real.map((e) => e.store),
      real.map((e) => e.delta),
      real.map((e) => e.onHandAfter),
      real.map((e) => e.reason),
      real.map((e) => e.refType),
      real.map((e) => e.refId),
      real.map((e) => e.idempotencyKey ?? null),
      region,
    ],
  });
}
