// Stock changes, all inside the caller's transaction: the all-or-nothing
// decrement of a sale (where `oversell-race` lives), restocking, and
// lock-then-take for demand that becomes a backorder instead of failing.
import type pg from 'pg';
import type { DefectSwitches } from './defects.ts';
import { StoreApiError } from './store-errors.ts';

export interface Demand {
  readonly sku: string;
  readonly qty: number;
}

/** Sums lines per SKU and sorts by SKU, so every transaction locks stock rows in one order (no deadlocks). */
export function aggregateDemand(lines: readonly Demand[]): Demand[] {
  const bySku = new Map<string, number>();
  for (const line of lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.qty);
  return [...bySku.entries()]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([sku, qty]) => ({ sku, qty }));
}

export interface TakenStock {
  readonly sku: string;
  readonly onHandAfter: number;
  readonly priceCents: number;
}

/**
 * The UPDATE that takes `qtys` of `skus` at `store`, all placeholders given by
 * the caller (checkout embeds it in its single statement; exchanges run it alone).
 * It returns a row per line it could take; fewer rows than lines means short.
 */
export function takeStockSql(
  defects: DefectSwitches,
  p: { store: string; skus: string; qtys: string; guard?: string },
): string {
  const want = `unnest(${p.skus}::text[], ${p.qtys}::int[]) AS w(sku, qty)`;
  const guard = p.guard ? `AND ${p.guard}` : '';
  if (defects.oversellRace) {
    // `oversell-race`: the new stock is computed from a plain read of the row
    // (`seen`, the statement's snapshot), not from the row the UPDATE locked.
    // A sale that waited for the lock writes back what it read minus its qty,
    // overwriting the sale before it: units sold, stock decremented once.
    return `UPDATE stock s SET on_hand = seen.on_hand - w.qty
  FROM ${want}, skus k, stock seen
  WHERE s.store = ${p.store} AND s.sku = w.sku AND k.sku = s.sku
    AND seen.store = s.store AND seen.sku = s.sku AND seen.on_hand >= w.qty ${guard}
  RETURNING s.sku, s.on_hand, k.price_cents, w.qty`;
  }
  // Correct: decrement the locked row. After waiting for a concurrent sale's
  // lock, PostgreSQL re-checks `on_hand >= qty` on the newest row version, so two
  // sales can never both take the last unit.
  return `UPDATE stock s SET on_hand = s.on_hand - w.qty
  FROM ${want}, skus k
  WHERE s.store = ${p.store} AND s.sku = w.sku AND k.sku = s.sku AND s.on_hand >= w.qty ${guard}
  RETURNING s.sku, s.on_hand, k.price_cents, w.qty`;
}

/**
 * Takes all of the demand at one store or none of it, inside the caller's
 * transaction. Returns undefined when some line could not be taken; the caller
 * must then roll back and explain with `shortageError`.
 */
export async function takeStock(
  client: pg.ClientBase,
  store: string,
  demand: readonly Demand[],
  defects: DefectSwitches,
): Promise<TakenStock[] | undefined> {
  const updated = await client.query<{ sku: string; on_hand: number; price_cents: number }>({
    name: defects.oversellRace ? 'stock-take-unlocked' : 'stock-take',
    text: takeStockSql(defects, { store: '$1', skus: '$2', qtys: '$3' }),
    values: [store, demand.map((d) => d.sku), demand.map((d) => d.qty)],
  });
  if (updated.rowCount !== demand.length) return undefined;
  return updated.rows.map((r) => ({ sku: r.sku, onHandAfter: r.on_hand, priceCents: r.price_cents }));
}

/**
 * Why takeStock failed, read in the same transaction: unknown SKUs are a 422;
 * otherwise a 409 that says what is left of each short line (stored and
 * replayed for the idempotency key, as it is a business outcome).
 */
export async function shortageError(
  client: pg.ClientBase,
  store: string,
  demand: readonly Demand[],
): Promise<StoreApiError> {
  const rows = await client.query<{ sku: string; on_hand: number | null }>({
    name: 'stock-shortage',
    text: `SELECT k.sku, s.on_hand FROM skus k LEFT JOIN stock s ON s.sku = k.sku AND s.store = $1
           WHERE k.sku = ANY($2::text[])`,
    values: [store, demand.map((d) => d.sku)],
  });
  const known = new Map(rows.rows.map((r) => [r.sku, r.on_hand ?? 0]));
  const unknown = demand.filter((d) => !known.has(d.sku)).map((d) => d.sku);
  if (unknown.length > 0) {
    return new StoreApiError(
      422,
      'unknown-sku',
      `unknown SKU${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
      {
        details: { unknownSkus: unknown },
      },
    );
  }
  const lines = demand.map((d) => ({ sku: d.sku, requested: d.qty, available: known.get(d.sku) ?? 0 }));
  // Read after the failed take: stock may have come back meanwhile; then report every line as it is now.
  const shortNow = lines.filter((s) => s.available < s.requested);
  const short = shortNow.length > 0 ? shortNow : lines;
  return new StoreApiError(
    409,
    'out-of-stock',
    `out of stock at store ${store}: ${short.map((s) => `${s.sku} has ${s.available} left, ${s.requested} requested`).join('; ')}`,
    { details: { store, lines: short }, replayable: true },
  );
}

/** Adds units back (returns, cancellations, receiving); creates the stock row if the store never had the SKU. */
export async function restock(
  client: pg.ClientBase,
  store: string,
  supply: readonly Demand[],
): Promise<Map<string, number>> {
  const items = aggregateDemand(supply);
  if (items.length === 0) return new Map();
  const rows = await client.query<{ sku: string; on_hand: number }>({
    name: 'stock-restock',
    text: `INSERT INTO stock (sku, store, on_hand)
           SELECT u.sku, $1, u.qty FROM unnest($2::text[], $3::int[]) AS u(sku, qty)
           ON CONFLICT (sku, store) DO UPDATE SET on_hand = stock.on_hand + EXCLUDED.on_hand
           RETURNING sku, on_hand`,
    values: [store, items.map((i) => i.sku), items.map((i) => i.qty)],
  });
  return new Map(rows.rows.map((r) => [r.sku, r.on_hand]));
}

/** Locks the stock rows of these SKUs at a store, in SKU order; absent rows read as 0. */
export async function lockStock(
  client: pg.ClientBase,
  store: string,
  skus: readonly string[],
): Promise<Map<string, number>> {
  const rows = await client.query<{ sku: string; on_hand: number }>({
    name: 'stock-lock',
    text: `SELECT sku, on_hand FROM stock WHERE store = $1 AND sku = ANY($2::text[]) ORDER BY sku FOR UPDATE`,
    values: [store, [...skus]],
  });
  const locked = new Map<string, number>(skus.map((s) => [s, 0]));
  for (const r of rows.rows) locked.set(r.sku, r.on_hand);
  return locked;
}

/** Writes absolute on-hand values; only valid for rows this transaction locked with lockStock. */
export async function setStock(
  client: pg.ClientBase,
  store: string,
  onHand: ReadonlyMap<string, number>,
): Promise<void> {
  if (onHand.size === 0) return;
  await client.query({
    name: 'stock-set',
    text: `INSERT INTO stock (sku, store, on_hand)
           SELECT u.sku, $1, u.on_hand FROM unnest($2::text[], $3::int[]) AS u(sku, on_hand)
           ON CONFLICT (sku, store) DO UPDATE SET on_hand = EXCLUDED.on_hand`,
    values: [store, [...onHand.keys()], [...onHand.values()]],
  });
}

/** The SKUs of this list that are not in the catalog. */
export async function unknownSkus(client: pg.ClientBase, skus: readonly string[]): Promise<string[]> {
  const unique = [...new Set(skus)];
  const rows = await client.query<{ sku: string }>({
    name: 'skus-known',
    text: 'SELECT sku FROM skus WHERE sku = ANY($1::text[])',
    values: [unique],
  });
  const known = new Set(rows.rows.map((r) => r.sku));
  return unique.filter((s) => !known.has(s));
}
