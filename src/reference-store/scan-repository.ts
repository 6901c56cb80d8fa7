// Applies one scan event (RFID cycle count, receiving, barcode adjustment) in a
// transaction: deduplicated by scan id and ordered per SKU and store by
// sequence, so a late cycle count never overwrites newer stock. A cycle count
// sets the level as of when it was counted: movements since are kept on top.
import type pg from 'pg';
import { appendLedger } from './ledger-repository.ts';
import type { ScanEvent } from './request-schemas.ts';
import { lockStock, setStock, unknownSkus } from './stock-repository.ts';
import type { StoreContext } from './store-context.ts';
import { inTransaction } from './store-database.ts';
import type { EventOutcome } from './webhook-repository.ts';

export interface ScanResult {
  readonly scanId: string;
  readonly outcome: EventOutcome;
  readonly onHand?: number;
}

export interface ScanPosition {
  readonly partition: number;
  readonly offset: string;
}

/**
 * A cycle count states absolute stock as of its sequence: it is stale when any
 * newer scan was applied. A delta commutes with other deltas: it is stale only
 * when a newer count already includes it. Pure.
 */
export function isStaleScan(
  kind: ScanEvent['kind'],
  sequence: number,
  seen: { lastSequence: number; lastCountSequence: number },
): boolean {
  return kind === 'cycle-count' ? sequence <= seen.lastSequence : sequence <= seen.lastCountSequence;
}

export async function applyScan(
  ctx: StoreContext,
  scan: ScanEvent,
  position?: ScanPosition,
): Promise<ScanResult> {
  return inTransaction(ctx.pool, async (client) => {
    const delivery = await client.query<{ first: boolean }>({
      name: 'scan-record',
      text: `INSERT INTO scan_events (scan_id, kind, sku, store, qty, sequence, outcome, kafka_partition, kafka_offset)
             VALUES ($1, $2, $3, $4, $5, $6, 'applied', $7, $8)
             ON CONFLICT (scan_id) DO UPDATE SET deliveries = scan_events.deliveries + 1, last_received_at = clock_timestamp()
             RETURNING (xmax = 0) AS first`,
      values: [
        scan.scanId,
        scan.kind,
        scan.sku,
        scan.store,
        scan.qty,
        scan.sequence,
        position?.partition ?? null,
        position?.offset ?? null,
      ],
    });
    if (!delivery.rows[0]!.first) return { scanId: scan.scanId, outcome: 'duplicate' };
    if ((await unknownSkus(client, [scan.sku])).length > 0) {
      await setOutcome(client, scan.scanId, 'unknown-sku', 0);
      return { scanId: scan.scanId, outcome: 'unknown-sku' };
    }
    // The sequence row is the per-SKU-and-store lock: scans of one SKU apply one at a time.
    const seq = await client.query<{ last_sequence: number; last_count_sequence: number }>({
      name: 'scan-sequence-lock',
      text: `INSERT INTO scan_sequences (sku, store, last_sequence, last_count_sequence) VALUES ($1, $2, 0, 0)
             ON CONFLICT (sku, store) DO UPDATE SET last_sequence = scan_sequences.last_sequence
             RETURNING last_sequence, last_count_sequence`,
      values: [scan.sku, scan.store],
    });
    const seen = {
      lastSequence: seq.rows[0]!.last_sequence,
      lastCountSequence: seq.rows[0]!.last_count_sequence,
    };
    // `unordered-scans` applies scans as they arrive, whatever their sequence says.
    if (!ctx.defects.unorderedScans && isStaleScan(scan.kind, scan.sequence, seen)) {
      await setOutcome(client, scan.scanId, 'stale', 0);
      return { scanId: scan.scanId, outcome: 'stale' };
    }
    const onHand = await applyToStock(client, ctx, scan);
    await client.query({
      name: 'scan-sequence-advance',
      text: `UPDATE scan_sequences SET last_sequence = greatest(last_sequence, $3),
               last_count_sequence = CASE WHEN $4 THEN greatest(last_count_sequence, $3) ELSE last_count_sequence END
             WHERE sku = $1 AND store = $2`,
      values: [scan.sku, scan.store, scan.sequence, scan.kind === 'cycle-count'],
    });
    await setOutcome(client, scan.scanId, 'applied', 1);
    return { scanId: scan.scanId, outcome: 'applied', onHand };
  });
}

/**
 * The level a cycle count leaves: what was counted plus what moved after it was
 * counted (sales −, returns +), at least zero (a count that missed tags can fall
 * below the sales made since). Pure.
 */
export function levelAfterCount(counted: number, movedSinceCount: number): number {
  return Math.max(0, counted + movedSinceCount);
}

/**
 * Net units that moved on one SKU and store after `countedAt`, by the ledger.
 * Left out: counts and seeds (they set a level, they do not move units) and other
 * scans (a receiving or adjustment ordered before the count by sequence is already
 * on the counted shelf, and one ordered after it makes the count stale). An offline
 * sale moved its units when it was sold, not when its batch was synced.
 * Run under the stock row lock, so every movement of this SKU and store is committed.
 */
export const MOVED_SINCE_COUNT_SQL = `
SELECT coalesce(sum(l.delta), 0)::int AS moved
FROM ledger l
LEFT JOIN offline_sales o ON l.ref_type = 'offline-sale' AND o.sale_id = l.ref_id
WHERE l.sku = $1 AND l.store = $2 AND l.at > $3::timestamptz
  AND l.ref_type NOT IN ('scan', 'seed')
  AND coalesce(o.sold_at, l.at) > $3::timestamptz`;

async function countedLevel(client: pg.ClientBase, ctx: StoreContext, scan: ScanEvent): Promise<number> {
  // `count-erases-sales` sets the counted level as it is applied, undoing sales made since the count.
  // A count without countedAt says nothing of when it was taken: as of now is all it can mean.
  if (ctx.defects.countErasesSales || scan.countedAt === undefined) return scan.qty;
  const moved = await client.query<{ moved: number }>({
    name: 'scan-moved-since-count',
    text: MOVED_SINCE_COUNT_SQL,
    values: [scan.sku, scan.store, scan.countedAt],
  });
  return levelAfterCount(scan.qty, moved.rows[0]!.moved);
}

async function applyToStock(client: pg.ClientBase, ctx: StoreContext, scan: ScanEvent): Promise<number> {
  const before = (await lockStock(client, scan.store, [scan.sku])).get(scan.sku)!;
  // Adjustments clamp at zero: a shelf cannot hold fewer than no units.
  const after =
    scan.kind === 'cycle-count'
      ? await countedLevel(client, ctx, scan)
      : scan.kind === 'receiving'
        ? before + scan.qty
        : Math.max(0, before + scan.qty);
  if (after !== before) {
    await setStock(client, scan.store, new Map([[scan.sku, after]]));
    await appendLedger(
      client,
      [
        {
          sku: scan.sku,
          store: scan.store,
          delta: after - before,
          onHandAfter: after,
          reason: scan.kind,
          refType: 'scan',
          refId: scan.scanId,
          idempotencyKey: scan.scanId,
        },
      ],
      ctx.region,
    );
  }
  return after;
}

async function setOutcome(client: pg.ClientBase, scanId: string, outcome: EventOutcome, applied: number) {
  await client.query({
    name: 'scan-outcome',
    text: 'UPDATE scan_events SET outcome = $2, applications = applications + $3 WHERE scan_id = $1',
    values: [scanId, outcome, applied],
  });
}
