// The store's schema, as numbered migrations applied idempotently by the
// primary at start (under an advisory lock, so two starters never race).
// Constraints carry the invariants the harness checks; code must not be the only guard.
import type pg from 'pg';

const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
-- Enumerations as types, not CHECK (x IN (...)): a CHECK expression is rebuilt from its
-- catalog text on every statement that writes the table, an enum is checked on input.
CREATE TYPE sales_channel AS ENUM ('web', 'pos', 'marketplace');
CREATE TYPE order_status AS ENUM ('completed', 'backordered');
CREATE TYPE tender_kind AS ENUM ('card', 'debit', 'gift_card', 'cash', 'store_credit');
CREATE TYPE ledger_reason AS ENUM ('seed', 'sale', 'offline-sale', 'return', 'exchange', 'marketplace',
  'cycle-count', 'receiving', 'adjustment');

CREATE TABLE skus (
  sku text PRIMARY KEY CHECK (length(sku) BETWEEN 1 AND 64),
  name text NOT NULL DEFAULT '',
  price_cents bigint NOT NULL CHECK (price_cents >= 0),
  serialized boolean NOT NULL DEFAULT false
);

-- Never below zero: whatever a code path does, PostgreSQL refuses negative stock.
-- Free space per page keeps the hot decrement a HOT update (no index write).
CREATE TABLE stock (
  sku text NOT NULL REFERENCES skus ON DELETE CASCADE,
  store text NOT NULL,
  on_hand integer NOT NULL CHECK (on_hand >= 0),
  PRIMARY KEY (sku, store)
) WITH (fillfactor = 70);

-- Stripe-style: the first outcome for a key, stored in the same transaction as its effects:
-- the response itself (json, not jsonb, so a replay is byte for byte the same), or for a
-- checkout the order it created, from which the same response is rebuilt.
CREATE TABLE idempotency_keys (
  key text PRIMARY KEY,
  operation text NOT NULL,
  fingerprint text NOT NULL,
  status_code integer,
  response json,
  order_id uuid,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Lets a single-statement write roll itself back (e.g. a checkout short of stock); the message names why.
CREATE FUNCTION store_abort(reason text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'PD001', MESSAGE = reason;
END $$;

CREATE TABLE orders (
  id uuid PRIMARY KEY,
  -- Unique through idempotency_keys (key → order_id) and offline_sales (sale_id → order_id):
  -- the claim is made there, in the same statement, so the hot path writes no extra index here.
  idempotency_key text,
  offline_sale_id text,
  channel sales_channel NOT NULL,
  store text NOT NULL,
  terminal text,
  status order_status NOT NULL,
  total_cents bigint NOT NULL,
  region text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Lines and tenders are written in the same statement as their order (no orphan can exist),
-- so they carry no foreign key: its check would be a query per row on the checkout path.
CREATE TABLE order_lines (
  order_id uuid NOT NULL,
  line_no integer NOT NULL,
  sku text NOT NULL,
  qty integer NOT NULL CHECK (qty > 0),
  unit_price_cents bigint NOT NULL,
  epc text,
  backordered_qty integer NOT NULL DEFAULT 0 CHECK (backordered_qty BETWEEN 0 AND qty),
  returned_qty integer NOT NULL DEFAULT 0 CHECK (returned_qty BETWEEN 0 AND qty),
  PRIMARY KEY (order_id, line_no)
);

-- A tender can never have refunded more than it took.
CREATE TABLE tenders (
  id uuid PRIMARY KEY,
  order_id uuid NOT NULL,
  seq integer NOT NULL,
  kind tender_kind NOT NULL,
  amount_cents bigint NOT NULL CHECK (amount_cents > 0),
  refunded_cents bigint NOT NULL DEFAULT 0 CHECK (refunded_cents BETWEEN 0 AND amount_cents),
  UNIQUE (order_id, seq)
);

-- One row per RFID EPC: a serialized unit is sold at most once until it is returned.
CREATE TABLE serialized_units (
  epc text PRIMARY KEY,
  sku text NOT NULL,
  order_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('sold', 'returned'))
);

CREATE TABLE returns (
  id uuid PRIMARY KEY,
  order_id uuid NOT NULL REFERENCES orders ON DELETE CASCADE,
  idempotency_key text UNIQUE,
  store text NOT NULL,
  terminal text,
  return_cents bigint NOT NULL CHECK (return_cents >= 0),
  refund_cents bigint NOT NULL CHECK (refund_cents >= 0 AND refund_cents <= return_cents),
  exchange_order_id uuid REFERENCES orders,
  region text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE return_lines (
  return_id uuid NOT NULL REFERENCES returns ON DELETE CASCADE,
  order_line_no integer NOT NULL,
  sku text NOT NULL,
  qty integer NOT NULL CHECK (qty > 0),
  unit_price_cents bigint NOT NULL CHECK (unit_price_cents >= 0),
  PRIMARY KEY (return_id, order_line_no)
);

CREATE TABLE refunds (
  id bigserial PRIMARY KEY,
  return_id uuid NOT NULL REFERENCES returns ON DELETE CASCADE,
  order_id uuid NOT NULL,
  tender_id uuid NOT NULL REFERENCES tenders ON DELETE CASCADE,
  amount_cents bigint NOT NULL CHECK (amount_cents > 0),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (return_id, tender_id)
);

-- Every stock mutation, in the order it took the row lock; stock = sum(delta). Append-only:
-- it is also the transactional outbox the relay publishes to inventory-events, in id order.
CREATE SEQUENCE ledger_id_seq;
-- The relay skips an id gap only once every transaction that could still commit that id has
-- ended, which holds if each ledger writer has a transaction id before it draws a ledger id.
CREATE FUNCTION ledger_next_id() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_current_xact_id();
  RETURN nextval('ledger_id_seq');
END $$;
CREATE TABLE ledger (
  id bigint PRIMARY KEY DEFAULT ledger_next_id(),
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  sku text NOT NULL,
  store text NOT NULL,
  delta integer NOT NULL CHECK (delta <> 0),
  -- Copied from the stock row, whose own CHECK keeps it >= 0.
  on_hand_after integer NOT NULL,
  reason ledger_reason NOT NULL,
  ref_type text NOT NULL,
  ref_id text NOT NULL,
  idempotency_key text,
  region text NOT NULL
);
ALTER SEQUENCE ledger_id_seq OWNED BY ledger.id;

-- How far the ledger has been published, per topic: the relay's cursor, replicated with the
-- rest. A reset starts a new generation, so a relay tick that straddles it cannot move the cursor.
CREATE TABLE ledger_publication (
  topic text PRIMARY KEY,
  generation integer NOT NULL DEFAULT 0,
  published_through bigint NOT NULL CHECK (published_through >= 0),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
INSERT INTO ledger_publication (topic, published_through) VALUES ('inventory-events', 0);

-- Demand that could not be filled from stock (offline sales, marketplace orders): kept, never dropped.
CREATE TABLE backorders (
  id bigserial PRIMARY KEY,
  sku text NOT NULL,
  store text NOT NULL,
  qty integer NOT NULL CHECK (qty > 0),
  ref_type text NOT NULL,
  ref_id text NOT NULL,
  order_id uuid,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE offline_batches (
  batch_id text PRIMARY KEY,
  store text NOT NULL,
  terminal text NOT NULL,
  sale_count integer NOT NULL CHECK (sale_count > 0),
  uploads integer NOT NULL DEFAULT 1 CHECK (uploads > 0),
  first_received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_received_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- A sale taken offline is applied once: its id is the primary key.
CREATE TABLE offline_sales (
  sale_id text PRIMARY KEY,
  batch_id text NOT NULL REFERENCES offline_batches ON DELETE CASCADE,
  -- No foreign key: the sale is claimed before its order row is written, in the same transaction.
  order_id uuid NOT NULL UNIQUE,
  store text NOT NULL,
  terminal text NOT NULL,
  sold_at timestamptz NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE webhook_events (
  event_id text PRIMARY KEY,
  type text NOT NULL,
  sku text NOT NULL,
  store text NOT NULL,
  qty integer NOT NULL,
  sequence bigint NOT NULL,
  marketplace_order_id text,
  outcome text NOT NULL CHECK (outcome IN ('applied', 'duplicate', 'stale', 'unknown-sku')),
  deliveries integer NOT NULL DEFAULT 1,
  applications integer NOT NULL DEFAULT 0,
  first_received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_received_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE marketplace_sequences (
  sku text PRIMARY KEY,
  last_sequence bigint NOT NULL
);

CREATE TABLE scan_events (
  scan_id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('cycle-count', 'receiving', 'adjustment')),
  sku text NOT NULL,
  store text NOT NULL,
  qty integer NOT NULL,
  sequence bigint NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('applied', 'duplicate', 'stale', 'unknown-sku')),
  deliveries integer NOT NULL DEFAULT 1,
  applications integer NOT NULL DEFAULT 0,
  kafka_partition integer,
  kafka_offset bigint,
  first_received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_received_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Per SKU and store: the newest scan applied, and the newest absolute count (which supersedes older deltas).
CREATE TABLE scan_sequences (
  sku text NOT NULL,
  store text NOT NULL,
  last_sequence bigint NOT NULL,
  last_count_sequence bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (sku, store)
);
`,
  },
  {
    version: 2,
    sql: `
-- A cycle count sums the ledger rows written after it was counted (scan-repository.ts).
-- The ledger is appended in time order, so a BRIN on at finds the recent blocks for a
-- few pages of index, and a sale's insert pays almost nothing for it (a B-tree would
-- cost every sale an index write).
CREATE INDEX ledger_at_brin ON ledger USING brin (at);
`,
  },
];

/** Tables emptied by POST /admin/reset (TRUNCATE … CASCADE; ledger_publication is rewound, not emptied). */
export const BUSINESS_TABLES = [
  'skus',
  'stock',
  'idempotency_keys',
  'orders',
  'order_lines',
  'tenders',
  'serialized_units',
  'returns',
  'return_lines',
  'refunds',
  'ledger',
  'backorders',
  'offline_batches',
  'offline_sales',
  'webhook_events',
  'marketplace_sequences',
  'scan_events',
  'scan_sequences',
] as const;

// Any constant works; it only has to be the same in every store process.
const MIGRATION_LOCK = 7_301_642;

/** Applies the migrations not yet applied; returns the versions it applied. */
export async function applyMigrations(client: pg.ClientBase): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS store_schema_migrations (
         version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM store_schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO store_schema_migrations (version) VALUES ($1)', [m.version]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
