// Change data capture for a migration rehearsal: the legacy system's database
// (blue, postgres-a) publishes the store's business tables and the new one's
// (green, postgres-b, an independent primary) subscribes through the repl-ab
// link, so a fault on that link lags or stops CDC as a real network would.
// Green gets its schema first, as a migration team would create it, then the
// subscription copies and streams. What logical replication does not carry
// (sequences) is the cutover's job: `syncSequences` before green takes writes.
import { applyMigrations, BUSINESS_TABLES } from '../reference-store/schema-migrations.ts';
import { LOOPBACK } from './free-port.ts';
import { connectionConfig, PG_DATABASE, PG_USER, withClient } from './postgres-service.ts';
import { waitUntil } from './wait-strategy.ts';

/** The publication on blue, the subscription on green and the slot it holds on blue share this name. */
export const MIGRATION_CDC = 'peakdrill_migration';

export interface MigrationCdcPorts {
  readonly password: string;
  /** postgres-a's and postgres-b's own ports. */
  readonly blue: number;
  readonly green: number;
  /** The repl-ab proxy in front of blue, which the subscription connects through. */
  readonly link: number;
}

/** The business tables and the outbox cursor; not the schema's own bookkeeping. */
const CDC_TABLES = [...BUSINESS_TABLES, 'ledger_publication'] as const;

/** Sequences of the store's tables: green must not hand out an id blue already used. */
const STORE_SEQUENCES = ['ledger_id_seq', 'refunds_id_seq', 'backorders_id_seq'] as const;

function quoteConnValue(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Green's schema, blue's publication, green's subscription; returns once green has copied blue's tables. */
export async function startMigrationCdc(ports: MigrationCdcPorts): Promise<void> {
  await withClient(connectionConfig(ports.green, ports.password), async (c) => {
    await applyMigrations(c);
    // Blue's outbox cursor (and its generation) comes over with the rest: green's relay must
    // resume where blue's stopped, not publish the whole ledger again.
    await c.query('DELETE FROM ledger_publication');
  });
  await withClient(connectionConfig(ports.blue, ports.password), async (c) => {
    await c.query(`CREATE PUBLICATION ${MIGRATION_CDC} FOR TABLE ${CDC_TABLES.join(', ')}`);
  });
  const conninfo = [
    `host=${LOOPBACK}`,
    `port=${ports.link}`,
    `user=${PG_USER}`,
    `password=${quoteConnValue(ports.password)}`,
    `dbname=${PG_DATABASE}`,
  ].join(' ');
  await withClient(connectionConfig(ports.green, ports.password), async (c) => {
    await c.query(
      `CREATE SUBSCRIPTION ${MIGRATION_CDC} CONNECTION ${quoteLiteral(conninfo)} PUBLICATION ${MIGRATION_CDC}`,
    );
  });
  await waitUntil(() => tablesCopied(ports), {
    what: 'green (postgres-b) to copy blue’s tables through the peakdrill_migration subscription',
    timeoutMs: 30_000,
    intervalMs: 100,
  });
}

function quoteLiteral(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

/** Every subscribed table is ready ('r': copied and streaming). */
async function tablesCopied(ports: MigrationCdcPorts): Promise<boolean> {
  return withClient(connectionConfig(ports.green, ports.password), async (c) => {
    const r = await c.query<{ pending: number }>(
      `SELECT count(*) FILTER (WHERE srsubstate <> 'r')::int AS pending FROM pg_subscription_rel`,
    );
    return r.rows[0]!.pending === 0;
  });
}

/** How far green trails blue: WAL bytes not yet confirmed, and the walsender's replay lag. */
export interface CdcLag {
  readonly lagBytes: number;
  /** 0 when caught up (PostgreSQL reports no lag while idle). */
  readonly lagMs: number;
}

/** The lag now; undefined once there is no slot (CDC ended). */
export async function cdcLag(bluePort: number, password: string): Promise<CdcLag | undefined> {
  return withClient(connectionConfig(bluePort, password), async (c) => {
    const r = await c.query<{ bytes: string | null; ms: number | null }>(
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::text AS bytes,
              (SELECT extract(epoch FROM r.replay_lag) * 1000 FROM pg_stat_replication r
                WHERE r.application_name = $1 LIMIT 1)::float8 AS ms
         FROM pg_replication_slots s WHERE s.slot_name = $1`,
      [MIGRATION_CDC],
    );
    const row = r.rows[0];
    if (row === undefined || row.bytes === null) return undefined;
    return { lagBytes: Math.max(0, Number(row.bytes)), lagMs: row.ms ?? 0 };
  });
}

/** Bytes of blue's WAL that green has not confirmed; undefined once there is no slot (CDC ended). */
export async function cdcLagBytes(bluePort: number, password: string): Promise<number | undefined> {
  return withClient(connectionConfig(bluePort, password), async (c) => {
    const r = await c.query<{ lag: string | null }>(
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag
         FROM pg_replication_slots WHERE slot_name = $1`,
      [MIGRATION_CDC],
    );
    const lag = r.rows[0]?.lag;
    return lag === undefined || lag === null ? undefined : Math.max(0, Number(lag));
  });
}

/** Waits until green has confirmed blue's WAL up to `lsn` (the drain). */
export async function waitDrained(ports: MigrationCdcPorts, lsn: string, timeoutMs: number): Promise<void> {
  await waitUntil(
    () =>
      withClient(connectionConfig(ports.blue, ports.password), async (c) => {
        const r = await c.query<{ behind: string | null }>(
          `SELECT pg_wal_lsn_diff($1::pg_lsn, confirmed_flush_lsn)::text AS behind
             FROM pg_replication_slots WHERE slot_name = $2`,
          [lsn, MIGRATION_CDC],
        );
        const behind = r.rows[0]?.behind;
        return behind !== undefined && behind !== null && Number(behind) <= 0;
      }),
    { what: `green to confirm blue's WAL up to ${lsn} (CDC drain)`, timeoutMs, intervalMs: 20 },
  );
}

/**
 * Ends CDC: drops green's subscription (which drops its slot on blue) and blue's
 * publication. Safe to repeat, and to run with green down: the slot is then dropped on blue.
 */
export async function stopMigrationCdc(ports: Pick<MigrationCdcPorts, 'password' | 'blue' | 'green'>) {
  await withClient(connectionConfig(ports.green, ports.password), async (c) => {
    await c.query(`DROP SUBSCRIPTION IF EXISTS ${MIGRATION_CDC}`);
  }).catch(() => {});
  await withClient(connectionConfig(ports.blue, ports.password), async (c) => {
    const slot = await c.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [MIGRATION_CDC]);
    if (slot.rowCount !== 0) {
      // The walsender may still hold it for a moment after the subscription went.
      await c.query(
        `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
          WHERE slot_name = $1 AND active_pid IS NOT NULL`,
        [MIGRATION_CDC],
      );
      await waitUntil(
        async () =>
          (
            await c.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [
              MIGRATION_CDC,
            ])
          ).rowCount === 0,
        { what: `blue's ${MIGRATION_CDC} slot to be released`, timeoutMs: 10_000, intervalMs: 50 },
      );
      await c.query('SELECT pg_drop_replication_slot($1)', [MIGRATION_CDC]);
    }
    await c.query(`DROP PUBLICATION IF EXISTS ${MIGRATION_CDC}`);
  });
}

/** Sets green's sequences past blue's, so the first id green hands out is one blue never used. */
export async function syncSequences(ports: Pick<MigrationCdcPorts, 'password' | 'blue' | 'green'>) {
  const values = await withClient(connectionConfig(ports.blue, ports.password), async (c) => {
    const out = new Map<string, string>();
    for (const seq of STORE_SEQUENCES) {
      const r = await c.query<{ v: string }>(`SELECT last_value::text AS v FROM ${seq}`);
      out.set(seq, r.rows[0]!.v);
    }
    return out;
  });
  await withClient(connectionConfig(ports.green, ports.password), async (c) => {
    // Blue caches no sequence values (the default cache of 1), so last_value is the highest used.
    for (const [seq, v] of values) await c.query('SELECT setval($1::regclass, $2::bigint, true)', [seq, v]);
  });
}
