// `peakdrill record postgres`: change data capture through PostgreSQL logical
// replication (pgoutput, through pg-logical-replication) for traffic that never
// crosses an HTTP API. It creates a publication of the target's tables and a
// logical slot of its own, reads every committed transaction from that moment
// until --for runs out or a signal, and removes both again whatever happens.
// The target's row decoder turns each commit's inserts into events at their
// commit time; rows it cannot read are counted as kept raw (their values are
// personal data the masker would have to guess at, so they are not written).
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import { PeakdrillError } from '../../src/model/errors.ts';
import type { RecordingEvent, RecordingHeader } from '../../src/model/recording-schema.ts';
import { withClient } from '../../src/stack/postgres-service.ts';
import type { CommittedRows, RowDecoder } from '../../src/targets/target-codec.ts';
import { type CaptureCounts, emptyCounts, writeCaptureOutput } from '../capture-output.ts';
import type { Masker } from '../masking/masker.ts';

export interface PostgresRecordOptions {
  readonly connection: pg.ClientConfig;
  readonly decoder: RowDecoder;
  readonly masker: Masker;
  readonly out: string;
  readonly forMs?: number;
  readonly signal?: AbortSignal;
  /** Told once the slot streams: traffic committed from now on is captured. */
  readonly onReady?: () => void;
}

interface PgMessage {
  readonly tag: string;
  readonly commitTime?: bigint;
  readonly relation?: { readonly name: string };
  readonly new?: Record<string, unknown>;
}

/** Refuses what would make the capture fail later: wal_level, missing tables or keys. */
async function preflight(client: pg.Client, tables: readonly string[]): Promise<void> {
  const level = (await client.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level;
  if (level !== 'logical') {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      `the database has wal_level=${level}; logical decoding needs logical`,
      {
        hint: 'set wal_level = logical in postgresql.conf (or ALTER SYSTEM SET wal_level = logical) and restart PostgreSQL',
      },
    );
  }
  const found = await client.query<{ name: string; has_key: boolean }>(
    `SELECT c.relname AS name, EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_key
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY($1)`,
    [tables],
  );
  for (const t of tables) {
    const row = found.rows.find((r) => r.name === t);
    if (row === undefined)
      throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `table ${t} does not exist in the database`, {
        hint: 'check --url (database and schema) and --target',
      });
    if (!row.has_key)
      throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `table ${t} has no primary key`, {
        hint: `add one (ALTER TABLE ${t} ADD PRIMARY KEY …): logical replication identifies rows by it`,
      });
  }
}

export interface PostgresRecordResult {
  readonly header: RecordingHeader;
  readonly counts: CaptureCounts;
  /** Set when the stream broke off before the end: what came before it is in the recording. */
  readonly interrupted?: string;
}

export async function recordPostgres(options: PostgresRecordOptions): Promise<PostgresRecordResult> {
  const name = `peakdrill_rec_${randomBytes(4).toString('hex')}`;
  const tables = options.decoder.tables;
  await withClient(options.connection, async (c) => {
    await preflight(c, tables);
    await c.query(
      `CREATE PUBLICATION ${name} FOR TABLE ${tables.map((t) => `"${t}"`).join(', ')} WITH (publish = 'insert')`,
    );
    await c.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [name]);
  });
  const counts = emptyCounts();
  const commits: CommittedRows[] = [];
  const startedAt = Date.now();
  let interrupted: string | undefined;
  try {
    interrupted = await stream(options, name, (tx) => {
      counts.seen += tx.inserts.length;
      commits.push(tx);
    });
  } finally {
    await withClient(options.connection, async (c) => {
      await c.query('SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1', [
        name,
      ]);
      await c.query(`DROP PUBLICATION IF EXISTS ${name}`);
    }).catch(() => {});
  }
  const events: RecordingEvent[] = [];
  for (const tx of commits) {
    const decoded = options.decoder.decode(tx);
    counts.recorded += tx.inserts.length;
    counts.raw += decoded.undecodable;
    for (const e of decoded.events) {
      counts.decoded++;
      events.push(options.masker.json({ ...e, t: Math.max(0, tx.commitMs - startedAt) }) as RecordingEvent);
    }
  }
  const { header } = await writeCaptureOutput({
    out: options.out,
    source: 'postgres-capture',
    startMs: startedAt,
    stoppedMs: Date.now(),
    events,
    // Unreadable rows are personal data the masker would have to guess at: counted, not written.
    undecoded: [],
    masker: options.masker,
    counts,
  });
  return { header, counts, ...(interrupted ? { interrupted } : {}) };
}

/**
 * Streams the slot, grouping inserts by transaction, until --for is over or the signal.
 * Throws when it cannot start; a stream that breaks off later answers why.
 */
async function stream(
  options: PostgresRecordOptions,
  slot: string,
  onCommit: (tx: CommittedRows) => void,
): Promise<string | undefined> {
  const service = new LogicalReplicationService(options.connection, {
    acknowledge: { auto: true, timeoutSeconds: 1 },
  });
  const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [slot] });
  let inserts: { table: string; row: Record<string, unknown> }[] = [];
  let failure: Error | undefined;
  service.on('data', (_lsn: string, m: PgMessage) => {
    if (m.tag === 'begin') inserts = [];
    else if (m.tag === 'insert' && m.relation && m.new) inserts.push({ table: m.relation.name, row: m.new });
    else if (m.tag === 'commit') onCommit({ commitMs: Number((m.commitTime ?? 0n) / 1_000n), inserts });
  });
  service.on('error', (error: Error) => {
    failure ??= error;
  });
  const started = new Promise<void>((resolve) => service.once('start', () => resolve()));
  const subscribed = service.subscribe(plugin, slot).catch((error: Error) => {
    failure ??= error;
  });
  await Promise.race([started, subscribed]);
  if (failure) throw replicationError(failure);
  options.onReady?.();
  await new Promise<void>((done) => {
    const timer = options.forMs === undefined ? undefined : setTimeout(done, options.forMs);
    const stop = () => {
      clearTimeout(timer);
      done();
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    service.on('error', stop);
  });
  await service.stop().catch(() => {});
  await subscribed;
  return failure === undefined ? undefined : `logical replication stopped: ${(failure as Error).message}`;
}

function replicationError(error: Error): PeakdrillError {
  return new PeakdrillError('PEAKDRILL_ERR_UNREACHABLE', `logical replication stopped: ${error.message}`, {
    hint: 'the slot may have been dropped by someone else, or the server went away; what was read before is lost with this capture',
    cause: error,
  });
}
