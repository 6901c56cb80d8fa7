// Publishes the ledger (the store's transactional outbox) to `inventory-events`
// in strict ledger-id order, from a cursor kept in ledger_publication. A crash between
// send and cursor update would re-send the batch: on taking over, the relay first reads
// what the topic already holds (published-tail.ts) and skips it, so each entry is
// published once.
import { setTimeout as sleep } from 'node:timers/promises';
import { type StringProducer, stringProducer } from '../kafka/kafka-clients.ts';
import { type PublishedTail, readPublishedTail } from './published-tail.ts';
import type { StoreContext } from './store-context.ts';

export const INVENTORY_EVENTS_TOPIC = 'inventory-events';

/** How many events of one batch the `outbox-skip` relay sends before it (wrongly) moves on. */
const OUTBOX_SKIP_CHUNK = 100;

/** The value of each inventory-events message (key: the SKU). */
export interface InventoryEvent {
  readonly ledgerId: number;
  readonly at: string;
  readonly sku: string;
  readonly store: string;
  readonly delta: number;
  readonly onHandAfter: number;
  readonly reason: string;
  readonly refType: string;
  readonly refId: string;
  readonly region: string;
  /** The ledger's generation (a reset starts a new one): tells this run's events from older ones. */
  readonly generation: number;
}

/**
 * How far the relay may publish, given the ledger ids visible above the cursor
 * (ascending) and the reading snapshot's xmin/xmax. Ids come from a sequence, so
 * a missing id is either held by a transaction that was running when it was first
 * seen missing, or never coming (rolled back). Every such holder had its xid before
 * drawing the id (ledger_next_id), so once the snapshot xmin passes the xmax of the
 * snapshot that first saw the gap, a still-missing id is never coming and is skipped.
 * `gaps` (id → that xmax) carries first sightings between calls. Pure apart from `gaps`.
 */
export function publishableThrough(
  cursor: number,
  ids: readonly number[],
  snapshot: { xmin: bigint; xmax: bigint },
  gaps: Map<number, bigint>,
): { through: number; count: number } {
  for (const id of gaps.keys()) if (id <= cursor) gaps.delete(id);
  let expected = cursor + 1;
  let count = 0;
  for (const id of ids) {
    while (expected < id) {
      const firstSeen = gaps.get(expected);
      if (firstSeen === undefined) {
        gaps.set(expected, snapshot.xmax);
        return { through: expected - 1, count };
      }
      if (snapshot.xmin < firstSeen) return { through: expected - 1, count };
      gaps.delete(expected);
      expected++;
    }
    gaps.delete(id);
    count++;
    expected = id + 1;
  }
  return { through: expected - 1, count };
}

// One statement, so the rows and the snapshot bounds come from the same snapshot. Each
// event's JSON is rendered by PostgreSQL once and sent as is (the InventoryEvent shape).
const READ_SQL = `
WITH c AS (SELECT generation, published_through FROM ledger_publication WHERE topic = $1),
e AS (
  SELECT l.id, l.sku, json_build_object('ledgerId', l.id,
           'at', to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'sku', l.sku, 'store', l.store,
           'delta', l.delta, 'onHandAfter', l.on_hand_after, 'reason', l.reason, 'refType', l.ref_type,
           'refId', l.ref_id, 'region', l.region, 'generation', (SELECT generation FROM c))::text AS value
  FROM ledger l WHERE l.id > (SELECT published_through FROM c) ORDER BY l.id LIMIT $2
)
SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin,
       pg_snapshot_xmax(pg_current_snapshot())::text AS xmax,
       (SELECT generation FROM c) AS generation,
       (SELECT published_through FROM c) AS cursor,
       coalesce((SELECT array_agg(e.id ORDER BY e.id) FROM e), '{}') AS ids,
       coalesce((SELECT array_agg(e.sku ORDER BY e.id) FROM e), '{}') AS skus,
       coalesce((SELECT array_agg(e.value ORDER BY e.id) FROM e), '{}') AS events`;

// Moves the cursor only if nobody else moved it and no reset started a new generation meanwhile.
const ADVANCE_SQL = `
UPDATE ledger_publication SET published_through = $4, updated_at = clock_timestamp()
WHERE topic = $1 AND generation = $2 AND published_through = $3`;

export class OutboxRelay {
  private readonly ctx: StoreContext;
  private readonly producer: StringProducer;
  private readonly batchSize: number;
  private readonly idleMs: number;
  private readonly abort = new AbortController();
  private readonly gaps = new Map<number, bigint>();
  private generation: number | undefined;
  private loop: Promise<void> | undefined;
  private readonly brokers: readonly string[];
  /** What the topic held when this relay took over, until the cursor has passed it. */
  private tail: PublishedTail | undefined;
  private tailRead = false;
  published = 0;

  constructor(
    ctx: StoreContext,
    brokers: readonly string[],
    options: { batchSize?: number; idleMs?: number } = {},
  ) {
    this.ctx = ctx;
    this.brokers = brokers;
    // Idempotent: a retried send after a lost answer is appended once. One send at a time
    // (this loop awaits each), so ledger order is topic order within each SKU's partition.
    this.producer = stringProducer(brokers, `peakdrill-store-${ctx.region}-relay`, {
      idempotent: true,
      retries: 5,
      retryDelayMs: 200,
    });
    this.batchSize = options.batchSize ?? 2_000;
    // Waiting lets a batch fill: a send costs far less per message in batches of hundreds than
    // of tens. Events reach inventory-events within about this long.
    this.idleMs = options.idleMs ?? 500;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.producer.close().catch(() => {});
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.abort.signal }).catch(() => {});
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        const sent = await this.publishBatch();
        failures = 0;
        if (sent < this.batchSize) await this.pause(this.idleMs);
      } catch (error) {
        failures++;
        if (failures === 1 || failures % 20 === 0) {
          this.ctx.log.warn({ err: error, failures }, 'outbox relay: publish failed; retrying');
        }
        await this.pause(Math.min(2_000, 100 * failures));
      }
    }
  }

  private async publishBatch(): Promise<number> {
    const read = await this.ctx.pool.query<{
      xmin: string;
      xmax: string;
      generation: number;
      cursor: number;
      // int8[] arrives as strings (node-pg parses only scalar int8 as numbers here).
      ids: string[];
      skus: string[];
      events: string[];
    }>({ name: 'relay-read', text: READ_SQL, values: [INVENTORY_EVENTS_TOPIC, this.batchSize] });
    const { xmin, xmax, generation, cursor, ids, skus, events } = read.rows[0]!;
    if (generation !== this.generation) {
      // A reset rewound the ledger: gaps seen before it mean nothing now, and neither does
      // a tail read for the old generation (this relay publishes all of the new one itself).
      this.gaps.clear();
      if (this.generation !== undefined) {
        this.tail = undefined;
        this.tailRead = true;
      }
      this.generation = generation;
    }
    if (!this.tailRead && this.brokers.length > 0) {
      this.tail = await readPublishedTail(this.brokers, INVENTORY_EVENTS_TOPIC, generation);
      this.tailRead = true;
    }
    const run = publishableThrough(
      cursor,
      ids.map(Number),
      { xmin: BigInt(xmin), xmax: BigInt(xmax) },
      this.gaps,
    );
    if (run.through === cursor) return 0;
    if (run.count > 0) {
      // `outbox-skip` sends only the first chunk of a large batch, yet the cursor below moves past all of it.
      const sent = this.ctx.defects.outboxSkip ? Math.min(run.count, OUTBOX_SKIP_CHUNK) : run.count;
      const messages = this.notYetPublished(ids, skus, events, sent, generation);
      if (messages.length > 0) await this.producer.send({ messages });
    }
    await this.ctx.pool.query({
      name: 'relay-advance',
      text: ADVANCE_SQL,
      values: [INVENTORY_EVENTS_TOPIC, generation, cursor, run.through],
    });
    this.published += run.count;
    if (this.tail !== undefined && run.through >= Math.max(...this.tail.lastId.values(), 0))
      this.tail = undefined;
    return run.count;
  }

  /** The batch's first `count` events, less those the topic already held when this relay took over. */
  private notYetPublished(
    ids: readonly string[],
    skus: readonly string[],
    events: readonly string[],
    count: number,
    generation: number,
  ): { topic: string; key: string; value: string }[] {
    const tail = this.tail;
    const out: { topic: string; key: string; value: string }[] = [];
    let skipped = 0;
    for (let i = 0; i < count; i++) {
      const key = skus[i]!;
      if (tail !== undefined && Number(ids[i]) <= (tail.lastId.get(tail.partitionOf(key)) ?? 0)) {
        skipped++;
        continue;
      }
      out.push({ topic: INVENTORY_EVENTS_TOPIC, key, value: events[i]! });
    }
    if (skipped > 0)
      this.ctx.log.info(
        { skipped, generation },
        'outbox relay: skipped events the previous primary published',
      );
    return out;
  }
}
