// POS lanes (`pos:<store>:<lane>`) selling through the store's HTTP API. When a
// lane's uplink fails (refused, timed out, the store not taking writes) it sells
// offline within its limits and uploads the sales in batches once the link is back.
import { randomBytes } from 'node:crypto';
import type { ClientOp, Completion } from '../src/engines/open-model-scheduler.ts';
import {
  type CheckoutInvokeValue,
  type OfflineSyncInvokeValue,
  OP,
  type ReturnInvokeValue,
} from '../src/model/op-values.ts';
import { localIdOfDevice, storeOfDevice } from '../src/plan/device-ids.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';
import type { CodecChannel, TargetCodec } from '../src/targets/target-codec.ts';
import { type DeviceFleet, type FleetContext, notNeeded, type OpResolver } from './device-fleet.ts';
import type { ResolvedOp } from './fleet-plan-stream.ts';
import type { FollowUpItem, FollowUpOp } from './follow-up-queue.ts';
import { resolveOrder } from './order-registry.ts';
import {
  DEFAULT_OFFLINE_LIMITS,
  decideOfflineSale,
  type OfflineBatch,
  type OfflineLimits,
  OfflineQueue,
} from './pos-offline-queue.ts';
import { RetryChain, type RetryPolicy } from './retry-chain.ts';
import { draw } from './seeded-draw.ts';

export interface PosTerminalOptions {
  /** The store API as the lanes reach it (put a proxy in between to cut the uplink). */
  /** One URL, or one per site, preferred first (see the codec's channel). */
  readonly baseUrl: string | readonly string[];
  /** The target's codec: how a sale, a return or an offline batch goes on the wire. */
  readonly codec: TargetCodec;
  /**
   * A store's own uplink, when stores reach the store API through different links (so a
   * fault can cut some stores off and not others); stores it returns undefined for use baseUrl.
   */
  readonly uplinkOf?: (store: string) => string | readonly string[] | undefined;
  readonly connections?: number;
  /** A lane gives up on the back office after this long and treats the uplink as down (default 3 s). */
  readonly uplinkTimeoutMs?: number;
  /** Offline selling limits, or false for lanes that refuse to sell without the uplink. */
  readonly offline?: Partial<OfflineLimits> | false;
  /** The lanes' price file: offline sales are rung up at these prices. */
  readonly prices?: ReadonlyMap<string, number> | ((sku: string) => number | undefined);
  /** After an uplink failure, sales go straight offline for this long before the uplink is tried again (default 5 s). */
  readonly retryOnlineAfterMs?: number;
  /**
   * A return whose answer never came is re-rung by the cashier as a new transaction (a new
   * idempotency key) this long after it was given up on; 0 = never (default 100 ms, at most once).
   */
  readonly reringReturnAfterMs?: number;
  /**
   * Share of returns the cashier submits twice at once (a double tap on a slow till: two
   * transactions, two idempotency keys). Seeded per return; default 0.
   */
  readonly doubleSubmitRate?: number;
  readonly seed?: number;
  /** First upload attempt this long after the first offline sale (default 1 s). */
  readonly syncAfterMs?: number;
  /** Between failed uploads (default 2 s). */
  readonly syncRetryMs?: number;
  /** Sales per upload, at most the store's 500 (default 500). */
  readonly maxBatchSales?: number;
  /** Makes batch ids unique per run (default: random). */
  readonly batchTag?: string;
}

/** A return submitted a second time under its own key, once. */
class SecondTap implements FollowUpItem {
  private taken = false;
  private readonly device: string;
  private readonly value: ReturnInvokeValue;

  constructor(device: string, value: ReturnInvokeValue) {
    this.device = device;
    this.value = value;
  }

  takeFollowUp(): FollowUpOp | null {
    if (this.taken) return null;
    this.taken = true;
    return {
      f: OP.return,
      process: this.device,
      value: { ...this.value, idempotencyKey: `${this.value.idempotencyKey}~tap2` },
    };
  }
}

class PosLane implements FollowUpItem {
  readonly device: string;
  readonly queue: OfflineQueue;
  /** The store's uplink: set when the lane is created. */
  http!: CodecChannel;
  /** performance.now() before which sales skip the uplink (it failed recently). */
  offlineUntil = Number.NEGATIVE_INFINITY;
  /** Bumped on every upload and its outcome, so only the newest queued upload counts. */
  gen = 0;
  private plannedGen = -1;
  private queuedGen = -1;

  constructor(device: string, queue: OfflineQueue) {
    this.device = device;
    this.queue = queue;
  }

  /** Queues an upload at dueMs unless one is already queued or planned for the lane's current state. */
  requestSync(ctx: FleetContext, dueMs: number): void {
    if (this.queuedGen === this.gen || this.plannedGen === this.gen) return;
    this.queuedGen = this.gen;
    ctx.followUp(this, dueMs, this.gen);
  }

  takeFollowUp(gen: number): FollowUpOp | null {
    if (gen !== this.gen || gen === this.plannedGen) return null;
    const batch = this.queue.nextBatch();
    // One upload of a batch at a time: the one out queues the next when it settles.
    if (batch === undefined || batch.inFlight > 0) return null;
    this.plannedGen = gen;
    return { f: OP.offlineSync, process: this.device, value: batch.value };
  }
}

export class PosTerminalFleet implements DeviceFleet, OpResolver {
  readonly kind = 'pos' as const;
  private readonly ctx: FleetContext;
  private readonly http: CodecChannel;
  private readonly codec: TargetCodec;
  /** Per-store uplinks by URL list, shared by the stores on one link. */
  private readonly uplinks = new Map<string, CodecChannel>();
  private readonly uplinkOf: PosTerminalOptions['uplinkOf'];
  private readonly connections: number;
  private opened = false;
  private readonly timeoutMs: number;
  private readonly limits: OfflineLimits | false;
  private readonly priceOf: (sku: string) => number | undefined;
  private readonly retryOnlineAfterMs: number;
  private readonly rering: RetryPolicy | undefined;
  private readonly doubleSubmitRate: number;
  private readonly seed: number;
  /** Return chains by op value: a re-rung return's new value finds its chain here. */
  private readonly returnChains = new WeakMap<object, RetryChain>();
  private readonly syncAfterMs: number;
  private readonly syncRetryMs: number;
  private readonly maxBatchSales: number;
  private readonly batchTag: string;
  private readonly lanes = new Map<string, PosLane>();

  constructor(options: PosTerminalOptions, ctx: FleetContext) {
    this.ctx = ctx;
    this.connections = options.connections ?? 16;
    this.codec = options.codec;
    this.http = options.codec.channel(options.baseUrl, { connections: this.connections });
    this.uplinkOf = options.uplinkOf;
    this.timeoutMs = options.uplinkTimeoutMs ?? 3_000;
    // A target without offline sync cannot take a till's offline batches: its lanes never sell offline.
    this.limits =
      options.offline === false || !options.codec.ops.has('offline-sync')
        ? false
        : { ...DEFAULT_OFFLINE_LIMITS, ...options.offline };
    const prices = options.prices;
    this.priceOf =
      prices === undefined
        ? () => undefined
        : typeof prices === 'function'
          ? prices
          : (sku) => prices.get(sku);
    this.retryOnlineAfterMs = options.retryOnlineAfterMs ?? 5_000;
    this.doubleSubmitRate = options.doubleSubmitRate ?? 0;
    this.seed = options.seed ?? 1;
    const reringAfterMs = options.reringReturnAfterMs ?? 100;
    this.rering =
      reringAfterMs > 0
        ? {
            maxAttempts: 2,
            backoffMs: reringAfterMs,
            attemptTimeoutMs: this.timeoutMs,
            rekey: (value, attempt) => ({
              ...(value as ReturnInvokeValue),
              idempotencyKey: `${(value as ReturnInvokeValue).idempotencyKey}~rering${attempt}`,
            }),
          }
        : undefined;
    this.syncAfterMs = options.syncAfterMs ?? 1_000;
    this.syncRetryMs = options.syncRetryMs ?? 2_000;
    this.maxBatchSales = Math.min(500, options.maxBatchSales ?? 500);
    this.batchTag = options.batchTag ?? randomBytes(3).toString('hex');
  }

  async open(): Promise<void> {
    this.opened = true;
    this.http.open();
    for (const h of this.uplinks.values()) h.open();
  }

  async close(): Promise<void> {
    this.opened = false;
    await Promise.all([this.http.close(), ...[...this.uplinks.values()].map((h) => h.close())]);
  }

  private httpForStore(store: string): CodecChannel {
    const urls = this.uplinkOf?.(store);
    if (urls === undefined) return this.http;
    const key = typeof urls === 'string' ? urls : urls.join(' ');
    let http = this.uplinks.get(key);
    if (http === undefined) {
      http = this.codec.channel(urls, { connections: this.connections });
      if (this.opened) http.open();
      this.uplinks.set(key, http);
    }
    return http;
  }

  resolveOp(op: ReplayOp): ResolvedOp {
    return resolveOrder(op, this.ctx.orders);
  }

  /** Offline sales not yet acknowledged, over all lanes. */
  get heldOffline(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.queue.held;
    return n;
  }

  invoke(op: ClientOp, device: string): Promise<Completion> {
    const lane = this.lane(device);
    const timeoutMs = Math.min(this.timeoutMs, op.timeoutMs);
    switch (op.f) {
      case OP.checkout:
        return this.sell(lane, op.value as CheckoutInvokeValue, timeoutMs);
      case OP.return:
      case OP.exchange:
        return this.takeBack(lane, op.f, op.value as ReturnInvokeValue, timeoutMs);
      case OP.offlineSync:
        return this.upload(lane, op.value as OfflineSyncInvokeValue, timeoutMs);
      default:
        return Promise.resolve({
          type: 'fail',
          error: { code: 'unknown-f', message: `a POS lane cannot ${op.f}` },
        });
    }
  }

  private lane(device: string): PosLane {
    let lane = this.lanes.get(device);
    if (lane === undefined) {
      const store = storeOfDevice(device) ?? 'S001';
      const terminal = localIdOfDevice(device);
      const prefix = `${this.batchTag}-${store}-${terminal}`.slice(0, 56);
      lane = new PosLane(device, new OfflineQueue(terminal, store, prefix, this.maxBatchSales));
      lane.http = this.httpForStore(store);
      this.lanes.set(device, lane);
    }
    return lane;
  }

  private async sell(lane: PosLane, value: CheckoutInvokeValue, timeoutMs: number): Promise<Completion> {
    if (this.limits !== false && performance.now() < lane.offlineUntil) return this.sellOffline(lane, value);
    const key = value.idempotencyKey;
    this.ctx.orders.begin(key);
    // Failing over to offline selling queues an upload: the plan stream must know to wait for it.
    const ticket = this.ctx.expectDecision(this.ctx.nowPlanMs() + timeoutMs);
    try {
      return await this.sellOnline(lane, value, timeoutMs);
    } finally {
      ticket.closed = true;
    }
  }

  private async sellOnline(
    lane: PosLane,
    value: CheckoutInvokeValue,
    timeoutMs: number,
  ): Promise<Completion> {
    const key = value.idempotencyKey;
    const sent = await lane.http.send({ op: 'checkout', value, terminal: lane.queue.terminal, timeoutMs });
    if (sent.transport === 'not-sent' || sent.unavailable) {
      // The store cannot have taken it: the lane goes offline and sells it there.
      this.ctx.orders.settle(key, 'fail');
      lane.offlineUntil = performance.now() + this.retryOnlineAfterMs;
      if (this.limits !== false) return this.sellOffline(lane, value);
      return sent.completion;
    }
    if (sent.transport === 'unknown') {
      // Maybe sold online: not rung up again offline (that could sell it twice); later sales go offline.
      lane.offlineUntil = performance.now() + this.retryOnlineAfterMs;
      this.ctx.count('pos.uplink-lost');
    }
    const done = sent.completion;
    this.ctx.orders.settle(key, done.type, (done.value as { orderId?: string } | undefined)?.orderId);
    if (done.type === 'ok') lane.offlineUntil = Number.NEGATIVE_INFINITY;
    return done;
  }

  private sellOffline(lane: PosLane, value: CheckoutInvokeValue): Completion {
    const limits = this.limits as OfflineLimits;
    const incomplete =
      (limits.incompleteTenderRate ?? 0) > 0 &&
      draw(this.seed, 'incomplete-tender', value.idempotencyKey) < (limits.incompleteTenderRate ?? 0);
    const decision = decideOfflineSale(
      value,
      this.priceOf,
      limits,
      lane.queue.held,
      new Date().toISOString(),
      incomplete,
    );
    if (!decision.accepted) {
      this.ctx.count('pos.offline-declined');
      return {
        type: 'fail',
        value: { offline: true },
        error: { code: 'offline-declined', message: decision.reason },
      };
    }
    lane.queue.add(decision.sale);
    this.ctx.count('pos.sold-offline');
    if (incomplete) this.ctx.count('pos.incomplete-tenders');
    lane.requestSync(this.ctx, this.ctx.nowPlanMs() + this.syncAfterMs);
    // Not a checkout the store saw: it reaches the store as a sale of an offline-sync batch.
    return {
      type: 'fail',
      value: { offline: true, saleId: decision.sale.saleId },
      error: {
        code: 'sold-offline',
        message: 'uplink down: sold offline, to be uploaded in an offline batch',
      },
    };
  }

  private async takeBack(
    lane: PosLane,
    f: string,
    value: ReturnInvokeValue,
    timeoutMs: number,
  ): Promise<Completion> {
    // A till that gets no answer re-rings the return as a new transaction: the store must
    // not refund twice, even while the first attempt is still being processed.
    let chain = this.returnChains.get(value);
    if (chain === undefined && this.rering !== undefined) {
      chain = new RetryChain(lane.device, OP.return, value, this.rering);
      chain.onFollowUpValue = (next, c) => this.returnChains.set(next as object, c);
      this.returnChains.set(value, chain);
    }
    if (chain !== undefined && chain.attempts > 0) this.ctx.count('pos.returns-rerung');
    const ticket = chain?.started(this.ctx);
    const first = chain === undefined || chain.attempts === 1;
    if (first && !value.idempotencyKey.includes('~') && this.doubleSubmitRate > 0) {
      if (draw(this.seed, 'double-submit', value.idempotencyKey) < this.doubleSubmitRate) {
        // The second tap goes out at once, as its own op, while this one is in flight.
        this.ctx.count('pos.returns-double-submitted');
        this.ctx.followUp(new SecondTap(lane.device, value), this.ctx.nowPlanMs(), 0);
      }
    }
    // Returns need the original order: there is no offline mode for them.
    const sent = await lane.http.send({
      op: f === OP.exchange ? 'exchange' : 'return',
      value,
      terminal: lane.queue.terminal,
      timeoutMs,
    });
    if (sent.transport !== 'answered') lane.offlineUntil = performance.now() + this.retryOnlineAfterMs;
    const done = sent.completion;
    chain?.settled(this.ctx, done.type === 'info', ticket);
    return done;
  }

  private async upload(lane: PosLane, value: OfflineSyncInvokeValue, timeoutMs: number): Promise<Completion> {
    const batch = lane.queue.batch(value.batchId);
    if (batch === undefined || batch.state !== 'pending') {
      this.ctx.count('pos.upload-not-needed');
      return notNeeded(`batch ${value.batchId} is already ${batch?.state ?? 'unknown'}`);
    }
    lane.gen++;
    batch.uploads++;
    batch.inFlight++;
    const ticket = this.ctx.expectDecision(this.ctx.nowPlanMs() + timeoutMs);
    const body = lane.queue.requestBody(batch);
    const sent = await lane.http.send({ op: 'offline-sync', value: body, timeoutMs });
    batch.inFlight--;
    lane.gen++;
    const done = sent.completion;
    if (sent.transport === 'unknown' || sent.serverError) {
      // The store may have the batch: it is sent again as it is, never resealed.
      batch.maybeReceived = true;
    }
    this.settleUpload(lane, batch, done, sent.transport === 'answered');
    ticket.closed = true;
    return done;
  }

  private settleUpload(lane: PosLane, batch: OfflineBatch, done: Completion, answered: boolean): void {
    const now = this.ctx.nowPlanMs();
    if (done.type === 'ok') {
      lane.queue.settle(batch, 'acked');
      for (const sale of (done.value as { sales: { saleId: string; orderId?: string }[] }).sales) {
        if (sale.orderId !== undefined) this.ctx.orders.acknowledge(sale.saleId, sale.orderId);
      }
      lane.offlineUntil = Number.NEGATIVE_INFINITY;
      this.ctx.count('pos.batches-synced');
      if (lane.queue.held > 0) lane.requestSync(this.ctx, now);
      return;
    }
    if (done.type === 'fail' && answered && (done.value as { status?: number } | undefined)?.status !== 503) {
      // The store refused the batch itself (400, 413): sending it again cannot help.
      lane.queue.settle(batch, 'rejected');
      this.ctx.count('pos.batches-rejected');
      if (lane.queue.held > 0) lane.requestSync(this.ctx, now + this.syncRetryMs);
      return;
    }
    if (!answered) lane.offlineUntil = performance.now() + this.retryOnlineAfterMs;
    lane.requestSync(this.ctx, now + this.syncRetryMs);
  }
}
