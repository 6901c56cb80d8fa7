// Marketplaces (`webhook:<marketplace>`) delivering events to POST
// /webhooks/marketplace at least once: some deliveries duplicated or overtaken
// by the next event for the SKU (planned, seeded), and any unanswered one redelivered.
import type { ClientOp, Completion } from '../src/engines/open-model-scheduler.ts';
import { OP, type WebhookInvokeValue } from '../src/model/op-values.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';
import type { CodecChannel, TargetCodec } from '../src/targets/target-codec.ts';
import {
  type DeviceFleet,
  type FleetContext,
  notNeeded,
  type OpResolver,
  type PlanShaper,
} from './device-fleet.ts';
import type { ResolvedOp } from './fleet-plan-stream.ts';
import { RetryChain, type RetryPolicy } from './retry-chain.ts';
import { draw, drawInt, sortByTime } from './seeded-draw.ts';

export interface MarketplaceWebhookOptions {
  /** One URL, or one per site, preferred first (see the codec's channel). */
  readonly baseUrl: string | readonly string[];
  /** The target's codec: how an event goes on the wire. */
  readonly codec: TargetCodec;
  readonly connections?: number;
  /** How long a marketplace waits for a 2xx (default 5 s). */
  readonly timeoutMs?: number;
  /** Share of deliveries sent twice (default 0.1). */
  readonly duplicateRate?: number;
  /** Share of deliveries that arrive after the SKU's next event (default 0.05). */
  readonly reorderRate?: number;
  /** Deliveries of one event when unanswered, the first included (default 5). */
  readonly maxAttempts?: number;
  /** Before the first redelivery; doubles each time (default 1 s). */
  readonly redeliverAfterMs?: number;
  /**
   * Events that set a level (`absolute`): the reference store's API has no such event, so
   * they are left out by default ('drop'); 'send' is for a SUT adapter that takes them.
   */
  readonly levelEvents?: 'drop' | 'send';
  /** Location for events that name none (default S000). */
  readonly defaultStore?: string;
  readonly seed?: number;
}

export class MarketplaceWebhookFleet implements DeviceFleet, PlanShaper, OpResolver {
  readonly kind = 'webhook' as const;
  private readonly ctx: FleetContext;
  private readonly http: CodecChannel;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly duplicateRate: number;
  private readonly reorderRate: number;
  private readonly levelEvents: 'drop' | 'send';
  private readonly defaultStore: string;
  private readonly seed: number;
  private readonly chains = new WeakMap<object, RetryChain>();

  constructor(options: MarketplaceWebhookOptions, ctx: FleetContext) {
    this.ctx = ctx;
    this.http = options.codec.channel(options.baseUrl, { connections: options.connections ?? 16 });
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.policy = {
      maxAttempts: options.maxAttempts ?? 5,
      backoffMs: options.redeliverAfterMs ?? 1_000,
      attemptTimeoutMs: this.timeoutMs,
    };
    this.duplicateRate = options.duplicateRate ?? 0.1;
    this.reorderRate = options.reorderRate ?? 0.05;
    this.levelEvents = options.levelEvents ?? 'drop';
    this.defaultStore = options.defaultStore ?? 'S000';
    this.seed = options.seed ?? 1;
  }

  async open(): Promise<void> {
    this.http.open();
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /** Duplicates and late deliveries, drawn per delivery from the seed (the same on any shard). */
  shapePlan(ops: readonly ReplayOp[]): ReplayOp[] {
    const deliveries = ops.filter((op) => op.f === OP.webhook && this.sendable(op));
    // The next delivery of the same marketplace and SKU, to arrive after when reordered.
    const nextOf = new Map<ReplayOp, ReplayOp>();
    const lastOf = new Map<string, ReplayOp>();
    for (const op of deliveries) {
      const key = `${op.process}|${(op.value as WebhookInvokeValue).sku}`;
      const prev = lastOf.get(key);
      if (prev !== undefined) nextOf.set(prev, op);
      lastOf.set(key, op);
    }
    const out: ReplayOp[] = [];
    for (const op of ops) {
      if (op.f !== OP.webhook || !this.sendable(op)) {
        out.push(op);
        continue;
      }
      let atMs = op.atMs;
      if (draw(this.seed, 'reorder', op.source) < this.reorderRate) {
        const next = nextOf.get(op);
        atMs =
          next === undefined
            ? atMs + drawInt(200, 2_000, this.seed, 'late', op.source)
            : next.atMs + drawInt(1, 200, this.seed, 'late', op.source);
      }
      out.push(atMs === op.atMs ? op : { ...op, atMs });
      if (draw(this.seed, 'duplicate', op.source) < this.duplicateRate) {
        // A copy of the value: each delivery has its own redelivery chain.
        const dupAt = atMs + drawInt(50, 2_000, this.seed, 'duplicate-at', op.source);
        out.push({ ...op, atMs: dupAt, value: { ...(op.value as WebhookInvokeValue) } });
      }
    }
    return sortByTime(out);
  }

  resolveOp(op: ReplayOp): ResolvedOp {
    return op.f === OP.webhook && !this.sendable(op) ? 'webhook-level-event' : op;
  }

  async invoke(op: ClientOp, device: string): Promise<Completion> {
    if (op.f !== OP.webhook) {
      return { type: 'fail', error: { code: 'unknown-f', message: `a marketplace cannot ${op.f}` } };
    }
    const value = op.value as WebhookInvokeValue;
    let chain = this.chains.get(value);
    if (chain === undefined) {
      chain = new RetryChain(device, op.f, value, this.policy);
      this.chains.set(value, chain);
    } else if (chain.redundant) {
      this.ctx.count('webhook.redelivery-not-needed');
      return notNeeded(`event ${value.eventId} was already answered`);
    }
    if (chain.attempts > 0) this.ctx.count('webhook.redeliveries');
    const ticket = chain.started(this.ctx);
    const sent = await this.http.send({
      op: 'webhook',
      value: value.store === undefined ? { ...value, store: this.defaultStore } : value,
      timeoutMs: Math.min(this.timeoutMs, op.timeoutMs),
    });
    // At least once: anything but a 2xx or a 4xx verdict on the event itself is delivered again.
    chain.settled(
      this.ctx,
      sent.transport !== 'answered' ||
        sent.serverError ||
        sent.unavailable ||
        sent.status === 429 ||
        sent.status === 408,
      ticket,
    );
    return sent.completion;
  }

  private sendable(op: ReplayOp): boolean {
    return this.levelEvents === 'send' || (op.value as WebhookInvokeValue).absolute === undefined;
  }
}
