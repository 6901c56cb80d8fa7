// The failback drill on the local stack: region `to` (lost earlier, its store back
// and fenced) becomes the writer again, taking over from region `from`, the way a
// team's runbook does it:
//   1. resynchronise postgres-<to> from postgres-<from> (fresh base backup through
//      repl-<from><to>) and let it stream as a standby;
//   2. store-<to> rejoins as standby;
//   3. store-<from> steps down, its database turns read-only and the transactions
//      begun before that end, so nothing commits there any more; the last LSN is noted;
//   4. postgres-<to> replays up to that LSN (no acknowledged sale left behind);
//   5. store-<to> is promoted (/admin/failover): traffic moves back as clients
//      meet `503 not-writable` on <from>.
// Service is down from 3 until 5; the RTO checker measures it as this fault's window.
// `settleFailback` is the undo: if the handover did not finish, <from> takes writes
// again, so an interrupted failback never leaves the system with no writer.
import { setTimeout as sleep } from 'node:timers/promises';
import { PeakdrillError } from '../model/errors.ts';
import type { HealthBody } from '../reference-store/admin-routes.ts';
import { StoreClient } from '../reference-store/store-client.ts';
import { dataDirOf, resyncAsStandby } from '../stack/postgres-resync.ts';
import { connectionConfig, waitStreaming, withClient, writesSettledLsn } from '../stack/postgres-service.ts';
import { readProcessSpec } from '../stack/process-supervisor.ts';
import { stackLayout } from '../stack/stack-context.ts';
import type { StackControl } from '../stack/stack-control.ts';
import type { StackState } from '../stack/stack-state.ts';
import { waitUntil } from '../stack/wait-strategy.ts';

export interface FailbackMove {
  /** The region that becomes the writer again. */
  readonly to: string;
  /** The region writing now. */
  readonly from: string;
}

export function failbackMove(region: string): FailbackMove {
  return { to: region, from: region === 'a' ? 'b' : 'a' };
}

/** The stack's store of `region`, through its own port (not the edge a fault may hold). */
function storeOf(state: StackState, store: string): StoreClient {
  const url = state.endpoints[store]?.url;
  if (!url) {
    throw new PeakdrillError('PEAKDRILL_ERR_FAULT_APPLY', `the stack has no ${store} to fail back with`, {
      hint: 'failback needs the reference store on the local stack',
    });
  }
  return new StoreClient(url, { timeoutMs: 10_000 });
}

/** One failback move on a store; a refusal says which store refused what, and why. */
async function admin(state: StackState, store: string, path: string): Promise<void> {
  const res = await storeOf(state, store).request<{ message?: string } | undefined>('POST', path);
  if (res.status >= 300) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_FAULT_APPLY',
      `${store} refused ${path} (${res.status}): ${res.body?.message ?? 'no reason given'}`,
    );
  }
}

async function health(state: StackState, store: string): Promise<HealthBody | undefined> {
  return (await storeOf(state, store).request<HealthBody>('GET', '/health')).body;
}

/** Until `fn` succeeds (the wait's error carries its last failure). */
function retrying(what: string, fn: () => Promise<unknown>): Promise<void> {
  const attempt = async () => {
    await fn();
    return true;
  };
  return waitUntil(attempt, { what, timeoutMs: 20_000, intervalMs: 200 });
}

function dbPort(state: StackState, region: string): number {
  const port = state.endpoints[`postgres-${region}`]?.port;
  if (port === undefined) throw new PeakdrillError('PEAKDRILL_ERR_FAULT_APPLY', `no postgres-${region}`);
  return port;
}

async function preconditions(state: StackState, control: StackControl, move: FailbackMove): Promise<void> {
  const writer = await health(state, `store-${move.from}`).catch(() => undefined);
  if (writer?.role !== 'primary' || writer.database?.inRecovery !== false) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_FAULT_APPLY',
      `nothing to fail back from: region ${move.from} is not the writer (role ${writer?.role ?? 'unreachable'})`,
      { hint: `schedule the failback after region ${move.to} was lost and ${move.from} took over` },
    );
  }
  if (!control.isRunning(`store-${move.to}`)) {
    // The region did not come back: a finding about the target, judged by target-recovery.
    throw new PeakdrillError(
      'PEAKDRILL_ERR_MEMBER_DOWN',
      `store-${move.to} is not running, so region ${move.to} cannot take writes back`,
      { hint: `see logs/store-${move.to}.log` },
    );
  }
}

/** Step 1: postgres-<to> becomes a streaming standby of postgres-<from>. */
async function resync(state: StackState, control: StackControl, move: FailbackMove): Promise<void> {
  const pidDir = stackLayout(state.dir).pids;
  const name = `postgres-${move.to}`;
  const source = `postgres-${move.from}`;
  const spec = readProcessSpec(pidDir, name);
  const sourceSpec = readProcessSpec(pidDir, source);
  const link = state.proxies.find((p) => p.name === `repl-${move.from}${move.to}`);
  if (!spec || !sourceSpec || !link) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_FAULT_APPLY',
      `this stack cannot resynchronise ${name}: it needs ${name}, ${source} and the repl-${move.from}${move.to} link`,
      { hint: 'recreate the stack with this peakdrill (`peakdrill stack down`, then `stack up`)' },
    );
  }
  const slot = `postgres_${move.to}`;
  if (control.isRunning(name)) await control.kill(name);
  await resyncAsStandby({
    spec,
    source: { name: source, port: dbPort(state, move.from), dataDir: dataDirOf(sourceSpec) },
    replicationPort: link.listen.port,
    slot,
    password: state.secrets.pgPassword,
    pidDir,
  });
  await control.restart(name);
  await waitStreaming(
    dbPort(state, move.from),
    state.secrets.pgPassword,
    slot,
    `${name} to stream from ${source}`,
  );
}

/** Step 3: nothing commits on <from> any more; returns the LSN <to> must reach. */
async function freezeWriter(state: StackState, move: FailbackMove): Promise<string> {
  await admin(state, `store-${move.from}`, '/admin/step-down');
  return withClient(
    connectionConfig(dbPort(state, move.from), state.secrets.pgPassword, 'postgres'),
    async (c) => {
      await c.query('ALTER SYSTEM SET default_transaction_read_only = on');
      await c.query('SELECT pg_reload_conf()');
      // Sessions take the reload before their next command; every transaction begun after
      // this moment is read-only. One begun before (a checkout past the store's role check)
      // may still commit: wait for those to end rather than kill them under the store.
      await sleep(200);
      return writesSettledLsn(c, `region ${move.from}'s open transactions to end`);
    },
  );
}

async function waitReplayed(state: StackState, move: FailbackMove, lsn: string): Promise<void> {
  await waitUntil(
    () =>
      withClient(
        connectionConfig(dbPort(state, move.to), state.secrets.pgPassword, 'postgres'),
        async (c) => {
          const r = await c.query<{ behind: string | null }>(
            'SELECT pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::text AS behind',
            [lsn],
          );
          return r.rows[0]?.behind !== null && Number(r.rows[0]?.behind) <= 0;
        },
      ),
    {
      what: `postgres-${move.to} to replay region ${move.from}'s last write (${lsn})`,
      timeoutMs: 30_000,
      intervalMs: 20,
    },
  );
}

export async function failBack(state: StackState, control: StackControl, move: FailbackMove): Promise<void> {
  await preconditions(state, control, move);
  await resync(state, control, move);
  // The store's pool meets the restarted database with dead connections first.
  await retrying(`store-${move.to} to rejoin as standby`, () =>
    admin(state, `store-${move.to}`, '/admin/rejoin'),
  );
  const lsn = await freezeWriter(state, move);
  await waitReplayed(state, move, lsn);
  await admin(state, `store-${move.to}`, '/admin/failover');
}

/**
 * The undo: a failback that finished leaves <to> the writer and needs nothing. One that
 * stopped after the step-down hands writes back to <from>, so there is always a writer.
 */
export async function settleFailback(state: StackState, move: FailbackMove): Promise<void> {
  const to = await health(state, `store-${move.to}`).catch(() => undefined);
  if (to?.role === 'primary' && to.database?.inRecovery === false) return;
  await withClient(
    connectionConfig(dbPort(state, move.from), state.secrets.pgPassword, 'postgres'),
    async (c) => {
      await c.query('ALTER SYSTEM RESET default_transaction_read_only');
      await c.query('SELECT pg_reload_conf()');
    },
  );
  await retrying(`store-${move.from} to take writes again`, () =>
    admin(state, `store-${move.from}`, '/admin/resume'),
  );
}
