// Change data capture for a migration rehearsal. Forward: the legacy system's
// database (blue, postgres-a) publishes the store's business tables and the new
// one's (green, postgres-b, an independent primary) subscribes through the
// repl-ab link, so a fault on that link lags or stops CDC as a real network
// would. Green gets its schema first, as a migration team would create it, then
// the subscription copies and streams. Fallback: once green takes writes, blue
// follows green through repl-ba (no copy: blue already holds everything up to
// the cutover), so a rollback can hand writes back without losing green's sales.
// What logical replication does not carry (sequences) each move syncs itself.

import { PeakdrillError } from '../model/errors.ts';
import { applyMigrations, BUSINESS_TABLES } from '../reference-store/schema-migrations.ts';
import { LOOPBACK } from './free-port.ts';
import { connectionConfig, PG_DATABASE, PG_USER, withClient } from './postgres-service.ts';
import { waitUntil } from './wait-strategy.ts';

/** Forward CDC (blue → green): its publication, subscription and slot share this name. */
export const MIGRATION_CDC = 'peakdrill_migration';
/** Fallback CDC (green → blue), set up by the cutover for a rollback. */
export const FALLBACK_CDC = 'peakdrill_fallback';

export interface MigrationCdcPorts {
  readonly password: string;
  /** postgres-a's and postgres-b's own ports. */
  readonly blue: number;
  readonly green: number;
  /** The repl-ab proxy in front of blue, which the forward subscription connects through. */
  readonly link: number;
  /** The repl-ba proxy in front of green, which the fallback subscription connects through. */
  readonly backLink: number;
}

/** One direction of CDC: the source publishes, the target subscribes through `link`. */
export interface CdcRoute {
  readonly name: string;
  readonly password: string;
  readonly source: number;
  readonly target: number;
  readonly link: number;
}

export function forwardRoute(ports: MigrationCdcPorts): CdcRoute {
  const { password, blue, green, link } = ports;
  return { name: MIGRATION_CDC, password, source: blue, target: green, link };
}

export function fallbackRoute(ports: MigrationCdcPorts): CdcRoute {
  const { password, blue, green, backLink } = ports;
  return { name: FALLBACK_CDC, password, source: green, target: blue, link: backLink };
}

/** The business tables and the outbox cursor; not the schema's own bookkeeping. */
const CDC_TABLES = [...BUSINESS_TABLES, 'ledger_publication'] as const;

/** Sequences of the store's tables: the side taking writes must not hand out an id the other used. */
const STORE_SEQUENCES = ['ledger_id_seq', 'refunds_id_seq', 'backorders_id_seq'] as const;

function quoteConnValue(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function quoteLiteral(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

/** Green's schema, then forward CDC; returns once green has copied blue's tables. */
export async function startMigrationCdc(ports: MigrationCdcPorts): Promise<void> {
  await withClient(connectionConfig(ports.green, ports.password), async (c) => {
    await applyMigrations(c);
    // Blue's outbox cursor (and its generation) comes over with the rest: green's relay must
    // resume where blue's stopped, not publish the whole ledger again.
    await c.query('DELETE FROM ledger_publication');
  });
  await startCdc(forwardRoute(ports), { copyData: true });
}

/** Publication on the source, subscription on the target; with copyData, waits for the copy. */
export async function startCdc(route: CdcRoute, options: { copyData: boolean }): Promise<void> {
  await withClient(connectionConfig(route.source, route.password), async (c) => {
    await c.query(`CREATE PUBLICATION ${route.name} FOR TABLE ${CDC_TABLES.join(', ')}`);
  });
  const conninfo = [
    `host=${LOOPBACK}`,
    `port=${route.link}`,
    `user=${PG_USER}`,
    `password=${quoteConnValue(route.password)}`,
    `dbname=${PG_DATABASE}`,
  ].join(' ');
  await withClient(connectionConfig(route.target, route.password), async (c) => {
    await c.query(
      `CREATE SUBSCRIPTION ${route.name} CONNECTION ${quoteLiteral(conninfo)} PUBLICATION ${route.name}
         WITH (copy_data = ${options.copyData})`,
    );
  }).catch((error: Error) => {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_STACK_START',
      `the ${route.name} subscription (port ${route.target}) cannot reach its publisher through ${LOOPBACK}:${route.link}: ${error.message}`,
      {
        cause: error,
        hint: 'the link proxy (repl-ab or repl-ba) must be enabled and the publisher run with wal_level=logical; `peakdrill stack down`, then start again',
      },
    );
  });
  await waitUntil(() => streaming(route), {
    what: `the ${route.name} subscription to copy its tables and stream`,
    timeoutMs: 30_000,
    intervalMs: 100,
  });
}

/** Every subscribed table is ready ('r': copied and streaming) and the slot is in use. */
async function streaming(route: CdcRoute): Promise<boolean> {
  const copied = await withClient(connectionConfig(route.target, route.password), async (c) => {
    const r = await c.query<{ pending: number }>(
      `SELECT count(*) FILTER (WHERE r.srsubstate <> 'r')::int AS pending
         FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = $1`,
      [route.name],
    );
    return r.rows[0]!.pending === 0;
  });
  if (!copied) return false;
  return withClient(connectionConfig(route.source, route.password), async (c) => {
    const r = await c.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [
      route.name,
    ]);
    return r.rowCount !== 0;
  });
}

/** How far the target trails the source: WAL bytes not yet confirmed, and the walsender's replay lag. */
export interface CdcLag {
  readonly lagBytes: number;
  /** 0 when caught up (PostgreSQL reports no lag while idle). */
  readonly lagMs: number;
}

/** The lag now; undefined once there is no slot (CDC ended). */
export async function cdcLag(
  sourcePort: number,
  password: string,
  name = MIGRATION_CDC,
): Promise<CdcLag | undefined> {
  return withClient(connectionConfig(sourcePort, password), async (c) => {
    const r = await c.query<{ bytes: string | null; ms: number | null }>(
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::text AS bytes,
              (SELECT extract(epoch FROM r.replay_lag) * 1000 FROM pg_stat_replication r
                WHERE r.application_name = $1 LIMIT 1)::float8 AS ms
         FROM pg_replication_slots s WHERE s.slot_name = $1`,
      [name],
    );
    const row = r.rows[0];
    if (row === undefined || row.bytes === null) return undefined;
    return { lagBytes: Math.max(0, Number(row.bytes)), lagMs: row.ms ?? 0 };
  });
}

/** Waits until the target has confirmed the source's WAL up to `lsn` (the drain). */
export async function waitDrained(route: CdcRoute, lsn: string, timeoutMs: number): Promise<void> {
  await waitUntil(
    () =>
      withClient(connectionConfig(route.source, route.password), async (c) => {
        const r = await c.query<{ behind: string | null }>(
          `SELECT pg_wal_lsn_diff($1::pg_lsn, confirmed_flush_lsn)::text AS behind
             FROM pg_replication_slots WHERE slot_name = $2`,
          [lsn, route.name],
        );
        const behind = r.rows[0]?.behind;
        return behind !== undefined && behind !== null && Number(behind) <= 0;
      }),
    {
      what: `${route.name}: the target to confirm the source's WAL up to ${lsn} (the drain)`,
      timeoutMs,
      intervalMs: 20,
    },
  );
}

/**
 * Ends one direction of CDC: drops the target's subscription (which drops its slot on
 * the source) and the source's publication. Safe to repeat, and to run with the target
 * down: the slot is then dropped on the source.
 */
export async function stopCdc(route: CdcRoute): Promise<void> {
  await withClient(connectionConfig(route.target, route.password), async (c) => {
    await c.query(`DROP SUBSCRIPTION IF EXISTS ${route.name}`);
  }).catch(() => {});
  await withClient(connectionConfig(route.source, route.password), async (c) => {
    const slot = await c.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [route.name]);
    if (slot.rowCount !== 0) {
      // The walsender may still hold it for a moment after the subscription went.
      await c.query(
        `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
          WHERE slot_name = $1 AND active_pid IS NOT NULL`,
        [route.name],
      );
      await waitUntil(
        async () =>
          (await c.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [route.name]))
            .rowCount === 0,
        { what: `the ${route.name} slot to be released`, timeoutMs: 10_000, intervalMs: 50 },
      );
      await c.query('SELECT pg_drop_replication_slot($1)', [route.name]);
    }
    await c.query(`DROP PUBLICATION IF EXISTS ${route.name}`);
  });
}

/** Both directions ended: what a cutover or rollback that did not finish must leave. */
export async function stopMigrationCdc(ports: MigrationCdcPorts): Promise<void> {
  await stopCdc(forwardRoute(ports));
  await stopCdc(fallbackRoute(ports));
}

/** Sets the target's sequences to the source's, so the first id it hands out is one the source never used. */
export async function syncSequences(route: Pick<CdcRoute, 'password' | 'source' | 'target'>): Promise<void> {
  const values = await withClient(connectionConfig(route.source, route.password), async (c) => {
    const out = new Map<string, string>();
    for (const seq of STORE_SEQUENCES) {
      const r = await c.query<{ v: string }>(`SELECT last_value::text AS v FROM ${seq}`);
      out.set(seq, r.rows[0]!.v);
    }
    return out;
  });
  await withClient(connectionConfig(route.target, route.password), async (c) => {
    // The stores cache no sequence values (the default cache of 1), so last_value is the highest used.
    for (const [seq, v] of values) await c.query('SELECT setval($1::regclass, $2::bigint, true)', [seq, v]);
  });
}
