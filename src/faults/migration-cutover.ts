// A migration cutover on the local stack's migration topology: blue (store-a on
// postgres-a, the legacy system) hands over to green (store-b on postgres-b, fed
// by CDC) while the sale keeps trading, as a team's playbook runs it:
//   1. freeze: blue holds writes (503 frozen, "send it again") and queues
//      marketplace webhooks on Kafka instead of refusing them;
//   2. drain: the transactions begun before the freeze end, and green confirms
//      blue's WAL up to that point (CDC lag zero);
//   3. CDC ends (subscription, slot, publication) and green's sequences move
//      past blue's: logical replication does not carry them;
//   4. green is promoted (blue is fenced) and the webhooks queued so far replayed;
//   5. switch: edge-a (and the POS uplinks behind it) now lead to green; then the
//      webhooks queued meanwhile are replayed too. Green's event ids make a replay
//      harmless to repeat.
// Steps 1–5 must fit the freeze window; past it, the cutover rolls back (blue
// unfrozen, CDC ended) and fails: the rollback criterion a playbook states.
// `settleCutover` is the undo an interrupted cutover needs (see its comment).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Toxiproxy } from 'toxiproxy-node-client';
import { PeakdrillError } from '../model/errors.ts';
import type { HealthBody } from '../reference-store/admin-routes.ts';
import { StoreClient } from '../reference-store/store-client.ts';
import { MARKETPLACE_WEBHOOKS_TOPIC, type QueuedWebhook } from '../reference-store/webhook-queue.ts';
import {
  type MigrationCdcPorts,
  stopMigrationCdc,
  syncSequences,
  waitDrained,
} from '../stack/migration-cdc.ts';
import { connectionConfig, withClient } from '../stack/postgres-service.ts';
import { stackLayout } from '../stack/stack-context.ts';
import { type StackState, writeStackState } from '../stack/stack-state.ts';
import { waitUntil } from '../stack/wait-strategy.ts';
import { KafkaPartitionReader } from '../streams/kafka-partition-reader.ts';

export interface CutoverMove {
  /** The site taking over (green). */
  readonly to: string;
  /** The site handing over (blue). */
  readonly from: string;
  /** The longest the freeze may last before the cutover rolls back. */
  readonly freezeMs: number;
  /** The shortest it lasts (a playbook's announced window), whatever the drain needs. */
  readonly holdMs: number;
}

/** What a cutover did, for the run's log and the verdict's figures. */
export interface CutoverReport {
  readonly frozenMs: number;
  readonly drainMs: number;
  readonly webhooksQueued: number;
  readonly webhooksReplayed: number;
  readonly replayFailures: number;
  /** The most webhooks waiting to be replayed at once (the queue only grows until a replay pass). */
  readonly replayBacklogPeak: number;
  /** When each step ended, in ms after the freeze began: the report draws the playbook's phases. */
  readonly drainedAtMs: number;
  readonly promotedAtMs: number;
  readonly switchedAtMs: number;
  readonly replayedAtMs: number;
}

export function cutoverMove(target: string, freezeMs: number, holdMs: number): CutoverMove {
  return { to: target, from: target === 'a' ? 'b' : 'a', freezeMs, holdMs };
}

function store(state: StackState, name: string): StoreClient {
  const url = state.endpoints[name]?.url;
  if (!url) {
    throw new PeakdrillError('PEAKDRILL_ERR_FAULT_APPLY', `the stack has no ${name} to cut over with`, {
      hint: 'a migration cutover needs the reference store on the migration topology (store.topology: migration)',
    });
  }
  return new StoreClient(url, { timeoutMs: 10_000 });
}

async function admin(state: StackState, name: string, path: string): Promise<void> {
  const res = await store(state, name).request<{ message?: string } | undefined>('POST', path);
  if (res.status >= 300) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_FAULT_APPLY',
      `${name} refused ${path} (${res.status}): ${res.body?.message ?? 'no reason given'}`,
    );
  }
}

async function health(state: StackState, name: string): Promise<HealthBody | undefined> {
  return (await store(state, name).request<HealthBody>('GET', '/health')).body;
}

export function cdcPorts(state: StackState): MigrationCdcPorts {
  const port = (name: string) => {
    const p = state.endpoints[name]?.port;
    if (p === undefined) throw new PeakdrillError('PEAKDRILL_ERR_FAULT_APPLY', `the stack has no ${name}`);
    return p;
  };
  const link = state.proxies.find((p) => p.name === 'repl-ab')?.listen.port ?? 0;
  return { password: state.secrets.pgPassword, blue: port('postgres-a'), green: port('postgres-b'), link };
}

async function preconditions(state: StackState, move: CutoverMove): Promise<void> {
  if (state.topology !== 'migration') {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_FAULT_APPLY',
      'a migration cutover needs the migration topology (blue and green, each on its own database, joined by CDC)',
      { hint: 'set store.topology: migration in the scenario' },
    );
  }
  const from = await health(state, `store-${move.from}`).catch(() => undefined);
  const to = await health(state, `store-${move.to}`).catch(() => undefined);
  if (from?.role !== 'primary' || to?.role !== 'standby') {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_FAULT_APPLY',
      `nothing to cut over: store-${move.from} is ${from?.role ?? 'unreachable'} and store-${move.to} is ${to?.role ?? 'unreachable'} (expected primary and standby)`,
      { hint: 'a cutover runs once per stack; start a new one for another rehearsal' },
    );
  }
}

/** Blue's transactions begun before the freeze have ended; returns the LSN green must confirm. */
async function quiesce(ports: MigrationCdcPorts): Promise<string> {
  return withClient(connectionConfig(ports.blue, ports.password, 'postgres'), async (c) => {
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
      { what: "blue's open transactions to end after the freeze", timeoutMs: 15_000, intervalMs: 20 },
    );
    return (await c.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
  });
}

/** Replays what blue queued since `sinceMs` into green, until a fetch brings nothing. */
class WebhookReplay {
  private readonly reader: KafkaPartitionReader;
  private readonly green: StoreClient;
  private started = false;
  queued = 0;
  replayed = 0;
  failures = 0;
  backlogPeak = 0;

  constructor(state: StackState, to: string) {
    const brokers = [state.endpoints.kafka?.url ?? ''];
    this.reader = new KafkaPartitionReader(brokers, MARKETPLACE_WEBHOOKS_TOPIC, 'peakdrill-cutover-replay');
    this.green = store(state, `store-${to}`);
  }

  async drain(sinceMs: number): Promise<void> {
    if (!this.started) {
      this.reader.seek(await this.reader.offsetsAt(BigInt(sinceMs)));
      this.started = true;
    }
    let pass = 0;
    for (;;) {
      const messages = await this.reader.fetch(300);
      if (messages.length === 0) return;
      pass += messages.length;
      this.backlogPeak = Math.max(this.backlogPeak, pass);
      for (const m of messages) await this.replayOne(m.value);
    }
  }

  private async replayOne(value: string | null): Promise<void> {
    this.queued++;
    let queued: QueuedWebhook;
    try {
      queued = JSON.parse(value ?? '') as QueuedWebhook;
    } catch {
      this.failures++;
      return;
    }
    const res = await this.green
      .request<{ outcome?: string }>('POST', '/webhooks/marketplace', queued.event)
      .catch(() => undefined);
    if (res !== undefined && res.status === 200) this.replayed++;
    else this.failures++;
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}

async function switchEdge(toxiproxy: Toxiproxy, state: StackState, move: CutoverMove): Promise<void> {
  const target = state.endpoints[`store-${move.to}`]!;
  const upstream = `${target.host}:${target.port}`;
  const edge = await toxiproxy.get(`edge-${move.from}`);
  await edge.update({ enabled: edge.enabled, listen: edge.listen, upstream });
  // The cutover is the stack's new truth: a later `faults clear` must not send traffic back.
  const declared = state.proxies.find((p) => p.name === `edge-${move.from}`);
  if (declared !== undefined) (declared as { upstream: string }).upstream = upstream;
  await writeStackState(stackLayout(state.dir).stateFile, state);
}

export async function cutOver(
  state: StackState,
  toxiproxy: Toxiproxy,
  move: CutoverMove,
  log: (line: string) => void = () => {},
): Promise<CutoverReport> {
  await preconditions(state, move);
  const ports = cdcPorts(state);
  const frozenAt = Date.now();
  const deadline = performance.now() + move.freezeMs;
  const replay = new WebhookReplay(state, move.to);
  await admin(state, `store-${move.from}`, '/admin/freeze');
  let drainMs = 0;
  let drainedAtMs = 0;
  const since = () => Date.now() - frozenAt;
  try {
    const lsn = await quiesce(ports);
    const drainStart = performance.now();
    await waitDrained(ports, lsn, Math.max(0, deadline - performance.now()));
    drainMs = Math.round(performance.now() - drainStart);
    drainedAtMs = since();
    await stopMigrationCdc(ports);
    await syncSequences(ports);
    const hold = frozenAt + move.holdMs - Date.now();
    if (hold > 0) await sleep(hold);
    if (performance.now() > deadline) throw new Error(`the freeze window (${move.freezeMs} ms) ran out`);
  } catch (error) {
    await replay.close();
    await rollBack(state, move);
    throw new PeakdrillError(
      'PEAKDRILL_ERR_FAULT_APPLY',
      `cutover to ${move.to} rolled back, blue takes writes again: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'see the CDC link (repl-ab) and the stores’ logs; the verdict judges the rehearsal',
      },
    );
  }
  let promotedAtMs = 0;
  let switchedAtMs = 0;
  try {
    await admin(state, `store-${move.to}`, '/admin/failover');
    promotedAtMs = since();
    await replay.drain(frozenAt);
    await switchEdge(toxiproxy, state, move);
    switchedAtMs = since();
    // Requests already on their way to blue may still be queued there: give them a moment.
    await sleep(1_000);
    await replay.drain(frozenAt);
  } finally {
    await replay.close();
  }
  const replayedAtMs = since();
  const report: CutoverReport = {
    // Writes were frozen until green took them (the edge's switch only moved where they go).
    frozenMs: promotedAtMs,
    drainMs,
    webhooksQueued: replay.queued,
    webhooksReplayed: replay.replayed,
    replayFailures: replay.failures,
    replayBacklogPeak: replay.backlogPeak,
    drainedAtMs,
    promotedAtMs,
    switchedAtMs,
    replayedAtMs,
  };
  log(
    `cutover to ${move.to}: frozen ${report.frozenMs} ms (drain ${drainMs} ms), ` +
      `${report.webhooksQueued} webhooks queued, ${report.webhooksReplayed} replayed, ${report.replayFailures} failed`,
  );
  return report;
}

/** Blue takes writes again and CDC is gone: the state a cutover that did not finish goes back to. */
async function rollBack(state: StackState, move: CutoverMove): Promise<void> {
  const errors: string[] = [];
  await admin(state, `store-${move.from}`, '/admin/unfreeze').catch((e: Error) => errors.push(e.message));
  await stopMigrationCdc(cdcPorts(state)).catch((e: Error) => errors.push(e.message));
  if (errors.length > 0) throw new Error(`rolling the cutover back: ${errors.join('; ')}`);
}

/**
 * The undo. A cutover that finished (green the writer) stays done: the edge is made
 * to lead to green if the switch was cut short. One that stopped before green took
 * writes goes back to blue: unfrozen, the edge back on blue, no subscription or slot
 * left. Either way the edge leads to a side that holds every acknowledged sale.
 */
export async function settleCutover(
  state: StackState,
  toxiproxy: Toxiproxy,
  move: Pick<CutoverMove, 'to' | 'from'>,
): Promise<void> {
  const to = await health(state, `store-${move.to}`).catch(() => undefined);
  if (to?.role === 'primary') {
    const edge = await toxiproxy.get(`edge-${move.from}`);
    const green = state.endpoints[`store-${move.to}`]!;
    if (edge.upstream !== `${green.host}:${green.port}`)
      await switchEdge(toxiproxy, state, { ...move, freezeMs: 0, holdMs: 0 });
    return;
  }
  const from = await health(state, `store-${move.from}`).catch(() => undefined);
  if (from?.role === 'frozen') await admin(state, `store-${move.from}`, '/admin/unfreeze');
  await stopMigrationCdc(cdcPorts(state));
}
