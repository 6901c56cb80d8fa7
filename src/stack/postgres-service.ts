// PostgreSQL for the local stack: a primary (postgres-a) and a streaming hot
// standby (postgres-b) whose replication connection goes through a Toxiproxy
// proxy, so a fault can slow or cut it. Runs as a dedicated user when peakdrill
// is root. Each server is a supervised process started with `postgres -D`.
import { appendFile, chown, cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { PeakdrillError } from '../model/errors.ts';
import { LOOPBACK } from './free-port.ts';
import { type SupervisedProcess, spawnSupervised } from './process-supervisor.ts';
import { type StackContext, stackLayout } from './stack-context.ts';
import { runCommand, tail } from './toolchain/run-command.ts';
import { waitUntil } from './wait-strategy.ts';

export const PG_USER = 'peakdrill';
export const PG_DATABASE = 'peakdrill';
export const STANDBY_NAME = 'postgres_b';

/** pg_basebackup when the binaries have it; `copy` is the fallback for builds without it. */
export type StandbyBootstrap = 'basebackup' | 'copy';

export interface PostgresServer {
  readonly name: string;
  readonly port: number;
  readonly dataDir: string;
  process: SupervisedProcess;
}

/** Overrides for PostgreSQL's environment: the npm build loads its libraries from beside it. */
function pgEnv(ctx: StackContext): Record<string, string> {
  const libdir = ctx.tools.postgres.libdir;
  return libdir ? { LD_LIBRARY_PATH: libdir } : {};
}

function asPgUser(ctx: StackContext) {
  return ctx.postgresUser ? { uid: ctx.postgresUser.uid, gid: ctx.postgresUser.gid } : {};
}

async function ownDir(ctx: StackContext, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (ctx.postgresUser) await chown(dir, ctx.postgresUser.uid, ctx.postgresUser.gid);
}

export function connectionConfig(port: number, password: string, database = PG_DATABASE): pg.ClientConfig {
  return { host: LOOPBACK, port, user: PG_USER, password, database, connectionTimeoutMillis: 3_000 };
}

export async function withClient<T>(
  config: pg.ClientConfig,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client(config);
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

// Settings shared by both servers. fsync is off because the faults peakdrill
// injects kill processes, not machines: the OS page cache survives a killed
// postgres, so no acknowledged commit is lost, and commits are far cheaper.
const BASE_SETTINGS = {
  max_connections: '300',
  shared_buffers: "'128MB'",
  // Logical, not just replica: `record postgres` (and a migration's CDC) decode the WAL.
  wal_level: 'logical',
  max_wal_senders: '10',
  max_replication_slots: '10',
  wal_keep_size: "'256MB'",
  hot_standby: 'on',
  hot_standby_feedback: 'on',
  fsync: 'off',
  full_page_writes: 'off',
  // A cut replication link must heal quickly once the proxy is back.
  wal_retrieve_retry_interval: "'200ms'",
  wal_receiver_status_interval: "'1s'",
  wal_receiver_timeout: "'10s'",
  wal_sender_timeout: "'10s'",
  logging_collector: 'off',
  log_line_prefix: "'%m [%p] '",
  log_min_messages: 'warning',
  unix_socket_directories: "''",
  listen_addresses: `'${LOOPBACK}'`,
};

function settingsText(extra: Record<string, string> = {}): string {
  const all = { ...BASE_SETTINGS, ...extra };
  return `\n# peakdrill local stack\n${Object.entries(all)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n')}\n`;
}

const HBA = `# peakdrill local stack: loopback only, password auth
host all ${PG_USER} 127.0.0.1/32 scram-sha-256
host replication ${PG_USER} 127.0.0.1/32 scram-sha-256
`;

async function startServer(ctx: StackContext, name: string, dataDir: string, port: number, password: string) {
  const layout = stackLayout(ctx.dir);
  const proc = await spawnSupervised(
    {
      name,
      command: join(ctx.tools.postgres.bindir, 'postgres'),
      args: ['-D', dataDir, '-c', `port=${port}`],
      logFile: layout.logFile(name),
      env: pgEnv(ctx),
      stopSignal: 'SIGINT',
      ready: { kind: 'postgres', port },
      ...asPgUser(ctx),
    },
    layout.pids,
  );
  ctx.processes.push(proc);
  await waitUntil(
    async () =>
      withClient(
        connectionConfig(port, password, 'postgres'),
        async (c) => (await c.query('select 1')).rowCount === 1,
      ),
    {
      what: `${name} to accept connections on ${LOOPBACK}:${port}`,
      timeoutMs: 30_000,
      intervalMs: 100,
      process: proc,
    },
  );
  return proc;
}

/** initdb + start of the primary. */
export async function startPrimary(
  ctx: StackContext,
  name: string,
  port: number,
  password: string,
): Promise<PostgresServer> {
  const layout = stackLayout(ctx.dir);
  const dataDir = layout.dataDir(name);
  await rm(dataDir, { recursive: true, force: true });
  await ownDir(ctx, layout.data);
  await ownDir(ctx, dataDir);
  const pwfile = join(layout.data, `.${name}.pw`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (ctx.postgresUser) await chown(pwfile, ctx.postgresUser.uid, ctx.postgresUser.gid);
  try {
    const init = await runCommand(
      join(ctx.tools.postgres.bindir, 'initdb'),
      [
        '-D',
        dataDir,
        '-U',
        PG_USER,
        `--pwfile=${pwfile}`,
        '-A',
        'scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ],
      {
        env: { ...process.env, ...pgEnv(ctx) },
        timeoutMs: 120_000,
        ...asPgUser(ctx),
        track: { pidDir: layout.pids, name: `initdb-${name}` },
      },
    );
    if (init.code !== 0) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_STACK_START',
        `initdb for ${name} failed: ${tail(init.stdout + init.stderr, 6)}`,
        {
          hint: 'run `peakdrill doctor`; the PostgreSQL binaries may be incomplete',
        },
      );
    }
  } finally {
    await rm(pwfile, { force: true });
  }
  await appendFile(join(dataDir, 'postgresql.conf'), settingsText());
  await writeFile(join(dataDir, 'pg_hba.conf'), HBA);
  const proc = await startServer(ctx, name, dataDir, port, password);
  await withClient(connectionConfig(port, password, 'postgres'), async (c) => {
    await c.query(`CREATE DATABASE ${PG_DATABASE}`);
    await c.query(`SELECT pg_create_physical_replication_slot('${STANDBY_NAME}', true)`);
  });
  return { name, port, dataDir, process: proc };
}

/** Base backup of the primary through the replication proxy, then start as a streaming standby. */
export async function startStandby(
  ctx: StackContext,
  name: string,
  port: number,
  password: string,
  primary: PostgresServer,
  replicationProxyPort: number,
  bootstrap: StandbyBootstrap = 'basebackup',
): Promise<PostgresServer> {
  const layout = stackLayout(ctx.dir);
  const dataDir = layout.dataDir(name);
  await rm(dataDir, { recursive: true, force: true });
  if (bootstrap === 'basebackup' && ctx.tools.postgres.hasBasebackup) {
    await ownDir(ctx, dataDir);
    const backup = await runCommand(
      join(ctx.tools.postgres.bindir, 'pg_basebackup'),
      [
        '-h',
        LOOPBACK,
        '-p',
        String(replicationProxyPort),
        '-U',
        PG_USER,
        '-D',
        dataDir,
        '-X',
        'stream',
        '-c',
        'fast',
        '--no-sync',
        '-S',
        STANDBY_NAME,
      ],
      {
        env: { ...process.env, ...pgEnv(ctx), PGPASSWORD: password },
        timeoutMs: 120_000,
        ...asPgUser(ctx),
        track: { pidDir: layout.pids, name: `basebackup-${name}` },
      },
    );
    if (backup.code !== 0) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_STACK_START',
        `pg_basebackup for ${name} failed: ${tail(backup.stderr, 6)}`,
      );
    }
  } else {
    await copyBackup(primary, dataDir, password);
  }
  await writeFile(join(dataDir, 'standby.signal'), '');
  await appendFile(
    join(dataDir, 'postgresql.auto.conf'),
    standbySettings(replicationProxyPort, password, STANDBY_NAME),
  );
  if (ctx.postgresUser) await chownTree(ctx, dataDir);
  const proc = await startServer(ctx, name, dataDir, port, password);
  await waitStreaming(primary.port, password, STANDBY_NAME, `${name} to stream from ${primary.name}`, proc);
  return { name, port, dataDir, process: proc };
}

/** What makes a server a standby streaming through `replicationPort` from its slot `slot` (also its application name). */
export function standbySettings(replicationPort: number, password: string, slot: string): string {
  return `primary_conninfo = 'host=${LOOPBACK} port=${replicationPort} user=${PG_USER} password=${password} application_name=${slot}'\nprimary_slot_name = '${slot}'\n`;
}

/** Waits until the primary on `primaryPort` streams to the standby named `applicationName`. */
export async function waitStreaming(
  primaryPort: number,
  password: string,
  applicationName: string,
  what: string,
  process?: SupervisedProcess,
): Promise<void> {
  await waitUntil(
    () =>
      withClient(connectionConfig(primaryPort, password, 'postgres'), async (c) => {
        const r = await c.query('SELECT state FROM pg_stat_replication WHERE application_name = $1', [
          applicationName,
        ]);
        return r.rows[0]?.state === 'streaming';
      }),
    { what, timeoutMs: 30_000, intervalMs: 100, ...(process ? { process } : {}) },
  );
}

async function chownTree(ctx: StackContext, dir: string): Promise<void> {
  const user = ctx.postgresUser!;
  await runCommand('chown', ['-R', `${user.uid}:${user.gid}`, dir]);
}

/**
 * Standby bootstrap without pg_basebackup (the npm-shipped PostgreSQL has no
 * client tools): the low-level backup API around a file copy, then the standby
 * streams the rest of the WAL from the slot.
 */
export async function copyBackup(
  primary: Pick<PostgresServer, 'port' | 'dataDir'>,
  dataDir: string,
  password: string,
) {
  await withClient(connectionConfig(primary.port, password, 'postgres'), async (c) => {
    await c.query(`SELECT pg_backup_start('peakdrill-standby', true)`);
    let stopped = false;
    try {
      await cp(primary.dataDir, dataDir, {
        recursive: true,
        filter: (src) => !/(postmaster\.pid|postmaster\.opts)$/.test(src) && !/\/pg_wal\/.+/.test(src),
      });
      const r = await c.query('SELECT labelfile, spcmapfile FROM pg_backup_stop(false)');
      stopped = true;
      await writeFile(join(dataDir, 'backup_label'), r.rows[0].labelfile);
      await mkdir(join(dataDir, 'pg_wal', 'archive_status'), { recursive: true });
      for (const f of await readdir(join(dataDir, 'pg_replslot')).catch(() => [])) {
        await rm(join(dataDir, 'pg_replslot', f), { recursive: true, force: true });
      }
    } finally {
      if (!stopped) await c.query('SELECT pg_backup_stop(false)').catch(() => {});
    }
  });
}

/** Makes commits on the primary wait for the standby (or stop waiting). */
export async function setSynchronous(primaryPort: number, password: string, sync: boolean): Promise<void> {
  await withClient(connectionConfig(primaryPort, password, 'postgres'), async (c) => {
    await c.query(`ALTER SYSTEM SET synchronous_standby_names = '${sync ? STANDBY_NAME : ''}'`);
    await c.query('SELECT pg_reload_conf()');
  });
}

/** Promotes a standby to a writable primary and waits until it is. */
export async function promote(port: number, password: string): Promise<void> {
  await withClient(connectionConfig(port, password, 'postgres'), async (c) => {
    await c.query('SELECT pg_promote(true, 30)');
  });
}

/**
 * Waits until every client transaction that began before now has ended, then returns
 * the WAL position: what a standby or subscriber must reach to hold everything those
 * transactions committed. Used after a writer stopped taking new writes.
 */
export async function writesSettledLsn(c: pg.ClientBase, what: string): Promise<string> {
  const since = (await c.query<{ t: string }>('SELECT clock_timestamp()::text AS t')).rows[0]!.t;
  await waitUntil(
    async () => {
      const r = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start < $1::timestamptz`,
        [since],
      );
      return r.rows[0]!.n === 0;
    },
    { what, timeoutMs: 15_000, intervalMs: 20 },
  );
  return (await c.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
}
