// One move of writes between the two sides of a migration (blue and green),
// as a playbook runs it while the sale keeps trading. A cutover moves them
// from blue to green, a rollback from green back to blue; both are:
//   1. freeze: the writer holds writes (503 frozen, "send it again") and queues
//      marketplace webhooks on Kafka instead of refusing them;
//   2. drain: the transactions begun before the freeze end, and the other side
//      confirms the writer's WAL up to that point through CDC (lag zero);
//   3. that CDC ends (subscription, slot, publication) and the other side's
//      sequences move past the writer's: logical replication does not carry them;
//      `afterDrain` runs here (a cutover sets up the fallback CDC);
//   4. the other side takes writes (`takeWrites`) and the webhooks queued so far
//      are replayed into it;
//   5. switch: edge-a (and the POS uplinks behind it) now lead to it; then the
//      webhooks queued meanwhile are replayed too. Event ids make a replay harmless
//      to repeat.
// Steps 1–3 must fit the freeze window; past it the move is abandoned (`abandon`:
// the writer unfrozen) and fails, the rollback criterion a playbook states.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Toxiproxy } from 'toxiproxy-node-client';
import { PeakdrillError } from '../model/errors.ts';
import type { HealthBody } from '../reference-store/admin-routes.ts';
import { StoreClient } from '../reference-store/store-client.ts';
import { MARKETPLACE_WEBHOOKS_TOPIC, type QueuedWebhook } from '../reference-store/webhook-queue.ts';
import {
  type CdcRoute,
  type MigrationCdcPorts,
  stopCdc,
  syncSequences,
  waitDrained,
} from '../stack/migration-cdc.ts';
import { connectionConfig, withClient, writesSettledLsn } from '../stack/postgres-service.ts';
import { stackLayout } from '../stack/stack-context.ts';
import { type StackState, writeStackState } from '../stack/stack-state.ts';
import { KafkaPartitionReader } from '../streams/kafka-partition-reader.ts';

/** The edge traffic comes in by: blue's at first, led to whichever side takes writes. */
export const MIGRATION_EDGE = 'edge-a';

export interface HandoverPlan {
  /** What the move is called in messages: "cutover to b", "rollback to a". */
  readonly what: string;
  readonly from: string;
  readonly to: string;
  /** The CDC that carries the writer's changes to the other side, drained then ended. */
  readonly route: CdcRoute;
  readonly freezeMs: number;
  readonly holdMs: number;
  readonly checkouts: 'refuse' | 'hold';
  readonly afterDrain: () => Promise<void>;
  readonly takeWrites: () => Promise<void>;
  /** Undo of steps 1–3 when the freeze window runs out or a step fails. */
  readonly abandon: () => Promise<void>;
}

/** What a move did, for the history (the fault's stop entry), the verdict and the report. */
export interface HandoverReport {
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

export function storeClient(state: StackState, name: string): StoreClient {
  const url = state.endpoints[name]?.url;
  if (!url) {
    throw new PeakdrillError('PEAKDRILL_ERR_FAULT_APPLY', `the stack has no ${name} to move writes with`, {
      hint: 'a migration needs the reference store on the migration topology (store.topology: migration)',
    });
  }
  return new StoreClient(url, { timeoutMs: 10_000 });
}

export async function storeAdmin(
  state: StackState,
  name: string,
  path: string,
  body?: unknown,
): Promise<void> {
  const res = await storeClient(state, name).request<{ message?: string } | undefined>('POST', path, body);
  if (res.status >= 300) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_FAULT_APPLY',
      `${name} refused ${path} (${res.status}): ${res.body?.message ?? 'no reason given'}`,
    );
  }
}

export async function storeHealth(state: StackState, name: string): Promise<HealthBody | undefined> {
  return (await storeClient(state, name).request<HealthBody>('GET', '/health')).body;
}

export function migrationPorts(state: StackState): MigrationCdcPorts {
  const port = (name: string) => {
    const p = state.endpoints[name]?.port;
    if (p === undefined) throw new PeakdrillError('PEAKDRILL_ERR_FAULT_APPLY', `the stack has no ${name}`);
    return p;
  };
  const link = (name: string) => state.proxies.find((p) => p.name === name)?.listen.port ?? 0;
  return {
    password: state.secrets.pgPassword,
    blue: port('postgres-a'),
    green: port('postgres-b'),
    link: link('repl-ab'),
    backLink: link('repl-ba'),
  };
}

export function assertMigrationTopology(state: StackState): void {
  if (state.topology !== 'migration') {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_FAULT_APPLY',
      'moving writes between blue and green needs the migration topology (each on its own database, joined by CDC)',
      { hint: 'set store.topology: migration in the scenario' },
    );
  }
}

/** The writer's transactions begun before the freeze have ended; returns the LSN the other side must confirm. */
function quiesce(route: CdcRoute): Promise<string> {
  return withClient(connectionConfig(route.source, route.password, 'postgres'), (c) =>
    writesSettledLsn(c, "the writer's open transactions to end after the freeze"),
  );
}

/** Replays what was queued since `sinceMs` into the side taking writes, until a fetch brings nothing. */
class WebhookReplay {
  private readonly reader: KafkaPartitionReader;
  private readonly target: StoreClient;
  private started = false;
  queued = 0;
  replayed = 0;
  failures = 0;
  backlogPeak = 0;

  constructor(state: StackState, toStore: string) {
    const brokers = [state.endpoints.kafka?.url ?? ''];
    this.reader = new KafkaPartitionReader(brokers, MARKETPLACE_WEBHOOKS_TOPIC, 'peakdrill-migration-replay');
    this.target = storeClient(state, toStore);
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
      // One at a time, in offset order: a SKU's events keep their order on its partition.
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
    const res = await this.target
      .request<{ outcome?: string }>('POST', '/webhooks/marketplace', queued.event)
      .catch(() => undefined);
    if (res !== undefined && res.status === 200) this.replayed++;
    else this.failures++;
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}

/** Leads the migration edge to `store`; stack.json follows, so a later `faults clear` keeps it there. */
export async function switchEdgeTo(toxiproxy: Toxiproxy, state: StackState, store: string): Promise<void> {
  const target = state.endpoints[store]!;
  const upstream = `${target.host}:${target.port}`;
  const edge = await toxiproxy.get(MIGRATION_EDGE);
  if (edge.upstream !== upstream) await edge.update({ enabled: edge.enabled, listen: edge.listen, upstream });
  const declared = state.proxies.find((p) => p.name === MIGRATION_EDGE);
  if (declared !== undefined) (declared as { upstream: string }).upstream = upstream;
  await writeStackState(stackLayout(state.dir).stateFile, state);
}

/** Steps 1–3 within the freeze window; abandoned (and rethrown) when they do not fit. */
async function freezeAndDrain(
  state: StackState,
  plan: HandoverPlan,
  frozenAt: number,
): Promise<{ drainMs: number; drainedAtMs: number }> {
  const deadline = performance.now() + plan.freezeMs;
  await storeAdmin(state, `store-${plan.from}`, '/admin/freeze', { checkouts: plan.checkouts });
  try {
    const lsn = await quiesce(plan.route);
    const drainStart = performance.now();
    await waitDrained(plan.route, lsn, Math.max(0, deadline - performance.now()));
    const drainMs = Math.round(performance.now() - drainStart);
    const drainedAtMs = Date.now() - frozenAt;
    await stopCdc(plan.route);
    await syncSequences({
      password: plan.route.password,
      source: plan.route.source,
      target: plan.route.target,
    });
    await plan.afterDrain();
    const hold = frozenAt + plan.holdMs - Date.now();
    if (hold > 0) await sleep(hold);
    if (performance.now() > deadline) throw new Error(`the freeze window (${plan.freezeMs} ms) ran out`);
    return { drainMs, drainedAtMs };
  } catch (error) {
    await plan.abandon();
    throw new PeakdrillError(
      'PEAKDRILL_ERR_FAULT_APPLY',
      `${plan.what} abandoned, ${plan.from} takes writes again: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'see the CDC links (repl-ab, repl-ba) and the stores’ logs; the verdict judges the rehearsal',
      },
    );
  }
}

export async function handOver(
  state: StackState,
  toxiproxy: Toxiproxy,
  plan: HandoverPlan,
): Promise<HandoverReport> {
  const frozenAt = Date.now();
  const since = () => Date.now() - frozenAt;
  const { drainMs, drainedAtMs } = await freezeAndDrain(state, plan, frozenAt);
  const replay = new WebhookReplay(state, `store-${plan.to}`);
  let promotedAtMs = 0;
  let switchedAtMs = 0;
  try {
    await plan.takeWrites();
    promotedAtMs = since();
    await replay.drain(frozenAt);
    await switchEdgeTo(toxiproxy, state, `store-${plan.to}`);
    switchedAtMs = since();
    // Requests already on their way to the old writer may still be queued there: give them a
    // moment, replay them, then make it refuse webhooks (the sender retries at the new writer)
    // and replay what was queued up to that moment.
    await sleep(1_000);
    await replay.drain(frozenAt);
    await storeAdmin(state, `store-${plan.from}`, '/admin/stop-queueing');
    await sleep(200);
    await replay.drain(frozenAt);
  } finally {
    await replay.close();
  }
  return {
    // Writes were frozen until the other side took them (the switch only moved where they go).
    frozenMs: promotedAtMs,
    drainMs,
    webhooksQueued: replay.queued,
    webhooksReplayed: replay.replayed,
    replayFailures: replay.failures,
    replayBacklogPeak: replay.backlogPeak,
    drainedAtMs,
    promotedAtMs,
    switchedAtMs,
    replayedAtMs: since(),
  };
}

/**
 * The undo of a move from `from` to `to`. One that finished (`to` the writer) stays
 * done: the edge is made to lead to `to` if the switch was cut short. One that stopped
 * before `to` took writes goes back: `from` unfrozen and the edge on it, then
 * `afterAbandon`. Either way the edge leads to a side that holds every acknowledged sale.
 */
export async function settleMove(
  state: StackState,
  toxiproxy: Toxiproxy,
  move: { readonly to: string; readonly from: string },
  afterAbandon: () => Promise<void> = async () => {},
): Promise<void> {
  const to = await storeHealth(state, `store-${move.to}`).catch(() => undefined);
  if (to?.role === 'primary') {
    await switchEdgeTo(toxiproxy, state, `store-${move.to}`);
    return;
  }
  const from = await storeHealth(state, `store-${move.from}`).catch(() => undefined);
  if (from?.role === 'frozen') await storeAdmin(state, `store-${move.from}`, '/admin/unfreeze');
  await switchEdgeTo(toxiproxy, state, `store-${move.from}`);
  await afterAbandon();
}
