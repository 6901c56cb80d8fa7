// Web shoppers (`web:…`): look at a SKU's stock, check out, return online. A
// checkout or return that times out is sent again with the same Idempotency-Key
// (each attempt its own op), as browsers and mobile apps do.
import type { ClientOp, Completion } from '../src/engines/open-model-scheduler.ts';
import {
  type CheckoutInvokeValue,
  OP,
  type ReadStockInvokeValue,
  type ReturnInvokeValue,
} from '../src/model/op-values.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';
import type { CodecChannel, TargetCodec } from '../src/targets/target-codec.ts';
import {
  type DeviceFleet,
  type FleetContext,
  notNeeded,
  type OpResolver,
  type PlanShaper,
} from './device-fleet.ts';
import { type FailoverBoundary, failoverResubmits, type ResubmitOptions } from './failover-resubmits.ts';
import type { ResolvedOp } from './fleet-plan-stream.ts';
import { resolveOrder } from './order-registry.ts';
import { RetryChain, type RetryPolicy } from './retry-chain.ts';
import { draw, sortByTime } from './seeded-draw.ts';

export interface WebShopperOptions {
  /** One URL, or one per site, preferred first (see the codec's channel). */
  readonly baseUrl: string | readonly string[];
  /** The target's codec: how a checkout, return or stock read goes on the wire. */
  readonly codec: TargetCodec;
  readonly connections?: number;
  /** A shopper's request timeout (default 3 s). */
  readonly timeoutMs?: number;
  /** Attempts of one checkout or return, the first included (default 3). */
  readonly maxAttempts?: number;
  /** Wait after a timeout before the next attempt; doubles each time (default 1 s). */
  readonly retryAfterMs?: number;
  /** Shoppers look at the first SKU's stock this long before checking out; share of checkouts that do (default 1). */
  readonly stockReads?: { readonly rate?: number; readonly leadMs?: number } | false;
  readonly seed?: number;
  /** Checkouts sent just before a region loss are sent again after the takeover (failover-resubmits.ts). */
  readonly failoverResubmits?: Omit<ResubmitOptions, 'seed'> & {
    readonly boundaries: readonly FailoverBoundary[];
  };
}

export class WebShopperFleet implements DeviceFleet, PlanShaper, OpResolver {
  readonly kind = 'web' as const;
  private readonly ctx: FleetContext;
  private readonly http: CodecChannel;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly stockReads: { rate: number; leadMs: number } | false;
  private readonly seed: number;
  // Keyed by the op's value object: a retry plans the same object again, a new checkout a new one.
  private readonly chains = new WeakMap<object, RetryChain>();
  private readonly resubmitOptions: WebShopperOptions['failoverResubmits'];
  private resubmits: ReadonlySet<object> = new Set();

  constructor(options: WebShopperOptions, ctx: FleetContext) {
    this.ctx = ctx;
    this.http = options.codec.channel(options.baseUrl, { connections: options.connections ?? 32 });
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.policy = {
      maxAttempts: options.maxAttempts ?? 3,
      backoffMs: options.retryAfterMs ?? 1_000,
      attemptTimeoutMs: this.timeoutMs,
    };
    // A target without stock reads is not asked for them (the run lists them as not exercised).
    this.stockReads =
      options.stockReads === false || !options.codec.ops.has('read-stock')
        ? false
        : { rate: options.stockReads?.rate ?? 1, leadMs: options.stockReads?.leadMs ?? 500 };
    this.seed = options.seed ?? 1;
    this.resubmitOptions = options.failoverResubmits;
  }

  async open(): Promise<void> {
    this.http.open();
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /** Adds a stock read before first-attempt web checkouts (a shopper looks before buying), then the re-sends across a failover. */
  shapePlan(ops: readonly ReplayOp[]): ReplayOp[] {
    const withReads = this.withStockReads(ops);
    const r = this.resubmitOptions;
    if (r === undefined) return withReads;
    const shaped = failoverResubmits(withReads, r.boundaries, { ...r, seed: this.seed });
    this.resubmits = shaped.resubmits;
    return shaped.ops;
  }

  private withStockReads(ops: readonly ReplayOp[]): ReplayOp[] {
    const reads = this.stockReads;
    if (reads === false || reads.rate <= 0) return [...ops];
    const out: ReplayOp[] = [];
    for (const op of ops) {
      if (op.f === OP.checkout && op.process.toString().startsWith('web:')) {
        const v = op.value as CheckoutInvokeValue;
        if (draw(this.seed, 'stock-read', op.source) < reads.rate) {
          const value: ReadStockInvokeValue = { sku: v.lines[0]!.sku, store: v.store };
          out.push({
            atMs: Math.max(0, op.atMs - reads.leadMs),
            f: OP.readStock,
            process: op.process,
            value,
            source: op.source,
          });
        }
      }
      out.push(op);
    }
    return sortByTime(out);
  }

  resolveOp(op: ReplayOp): ResolvedOp {
    return resolveOrder(op, this.ctx.orders);
  }

  invoke(op: ClientOp, device: string): Promise<Completion> {
    const timeoutMs = Math.min(this.timeoutMs, op.timeoutMs);
    switch (op.f) {
      case OP.readStock:
        return this.readStock(op.value as ReadStockInvokeValue, timeoutMs);
      case OP.checkout:
      case OP.return:
      case OP.exchange:
        return this.attempt(op, device, timeoutMs);
      default:
        return Promise.resolve({
          type: 'fail',
          error: { code: 'unknown-f', message: `a web shopper cannot ${op.f}` },
        });
    }
  }

  private async readStock(value: ReadStockInvokeValue, timeoutMs: number): Promise<Completion> {
    return (await this.http.send({ op: 'read-stock', value, timeoutMs })).completion;
  }

  private async attempt(op: ClientOp, device: string, timeoutMs: number): Promise<Completion> {
    const value = op.value as CheckoutInvokeValue | ReturnInvokeValue;
    let chain = this.chains.get(value);
    if (chain === undefined) {
      chain = new RetryChain(device, op.f, value, this.policy);
      this.chains.set(value, chain);
    } else if (chain.redundant) {
      this.ctx.count('web.retry-not-needed');
      return notNeeded('the earlier attempt of this request was answered');
    }
    if (chain.attempts > 0) this.ctx.count('web.retries');
    else if (this.resubmits.has(value)) this.ctx.count('web.failover-resubmits');
    const ticket = chain.started(this.ctx);
    const checkout = op.f === OP.checkout;
    if (checkout) this.ctx.orders.begin(value.idempotencyKey);
    const op_ = checkout ? 'checkout' : op.f === OP.exchange ? 'exchange' : 'return';
    const done = (await this.http.send({ op: op_, value, timeoutMs })).completion;
    if (checkout) {
      this.ctx.orders.settle(
        value.idempotencyKey,
        done.type,
        (done.value as { orderId?: string } | undefined)?.orderId,
      );
    }
    // Only an attempt of unknown fate is retried; an answer, even a refusal, is final for the shopper.
    chain.settled(this.ctx, done.type === 'info', ticket);
    return done;
  }
}
