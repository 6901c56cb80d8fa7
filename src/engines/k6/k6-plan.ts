// A replay plan's HTTP ops as data for a k6 script: one request per op (method,
// path, body, Idempotency-Key, name tag, timeout, retry class), built by the same
// code the node fleets use (src/targets/reference-store/store-requests.ts) after the same plan
// shaping (stock reads before web checkouts, webhook duplicates and late
// deliveries), so both engines send the same requests and record the same values.
// Kafka-speaking devices (RFID readers, scanners) are not k6's: splitByEngine
// leaves them to the node engine. Pure: same ops and options, same result.
import { FleetClient } from '../../../simulators/fleet-client.ts';
import {
  type CheckoutInvokeValue,
  OP,
  type ReadStockInvokeValue,
  type ReturnInvokeValue,
  type WebhookInvokeValue,
} from '../../model/op-values.ts';
import { deviceKindOf, deviceOf, localIdOfDevice } from '../../plan/device-ids.ts';
import type { ReplayOp } from '../../plan/recording-planner.ts';
import {
  checkoutRequest,
  returnPath,
  returnRequest,
  webhookRequest,
} from '../../targets/reference-store/store-requests.ts';

/** Device kinds whose ops are HTTP requests to the store: these run on k6. */
export const K6_DEVICE_KINDS: readonly string[] = ['web', 'pos', 'webhook'];

/** `{orderId}` in a return's path is filled in by the script with the SUT's order id. */
export const ORDER_ID_PLACEHOLDER = '{orderId}';

export const RETRY_NONE = 0;
/** A shopper sends a checkout or return again after an unknown outcome (timed out, cut, 5xx). */
export const RETRY_SHOPPER = 1;
/** A marketplace redelivers unless it got a 2xx or a 4xx (other than 408 and 429). */
export const RETRY_MARKETPLACE = 2;
export type RetryClass = typeof RETRY_NONE | typeof RETRY_SHOPPER | typeof RETRY_MARKETPLACE;

/** One op as the k6 script reads it (short keys: a plan holds up to millions). */
export interface K6Op {
  /** Plan ms (speed applied). */
  readonly t: number;
  /** The request's `name` tag: the op function (checkout, return, read-stock, webhook…). */
  readonly n: string;
  /** The device (Jepsen process before renames). */
  readonly d: string;
  readonly m: 'GET' | 'POST';
  /** Path below the base URL; a return's holds ORDER_ID_PLACEHOLDER. */
  readonly p: string;
  /** The JSON body as text, or null. */
  readonly b: string | null;
  /** The Idempotency-Key header, or null. */
  readonly k: string | null;
  readonly r: RetryClass;
  /** Request timeout, ms. */
  readonly x: number;
  /** Returns and exchanges: the Idempotency-Key of the checkout whose order they take back. */
  readonly o?: string;
}

export interface K6RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Before the second attempt; doubles for each further one. */
  readonly backoffMs: number;
}

export interface K6PlanOptions {
  /** Seeds plan shaping exactly as FleetClient's (default 1). */
  readonly seed?: number;
  readonly web?: {
    readonly timeoutMs?: number;
    readonly maxAttempts?: number;
    readonly retryAfterMs?: number;
    readonly stockReads?: { readonly rate?: number; readonly leadMs?: number } | false;
  };
  readonly pos?: { readonly uplinkTimeoutMs?: number };
  readonly webhook?: {
    readonly timeoutMs?: number;
    readonly duplicateRate?: number;
    readonly reorderRate?: number;
    readonly maxAttempts?: number;
    readonly redeliverAfterMs?: number;
    readonly levelEvents?: 'drop' | 'send';
    readonly defaultStore?: string;
  };
  /** No request waits longer than this (the run's op timeout), default 5 s. */
  readonly maxTimeoutMs?: number;
}

export interface K6Plan {
  /** What the script reads, sorted by `t`. */
  readonly ops: K6Op[];
  /** The op each k6 op replays (same index): its f, device and invoke value, for the history. */
  readonly sources: ReplayOp[];
  readonly retry: { readonly shopper: K6RetryPolicy; readonly marketplace: K6RetryPolicy };
  /** Plan ops the script does not send, by reason. */
  readonly leftOut: Record<string, number>;
  /** Plan time at which the replayed window is over. */
  readonly durationMs: number;
}

/** The HTTP ops for k6 and the rest (RFID readers, scanners) for the node engine, each in plan order. */
export function splitByEngine<T extends { readonly process: string | number }>(
  ops: readonly T[],
): { k6: T[]; node: T[] } {
  const k6: T[] = [];
  const node: T[] = [];
  for (const op of ops) {
    (K6_DEVICE_KINDS.includes(deviceKindOf(deviceOf(op.process))) ? k6 : node).push(op);
  }
  return { k6, node };
}

/** The plan's HTTP ops as k6 data. Ops of other devices are left out (counted as `not-http`). */
export function buildK6Plan(ops: readonly ReplayOp[], options: K6PlanOptions = {}): K6Plan {
  const seed = options.seed ?? 1;
  const web = options.web ?? {};
  const hook = options.webhook ?? {};
  const cap = options.maxTimeoutMs ?? 5_000;
  const timeouts = {
    web: Math.min(cap, web.timeoutMs ?? 3_000),
    pos: Math.min(cap, options.pos?.uplinkTimeoutMs ?? 3_000),
    webhook: Math.min(cap, hook.timeoutMs ?? 5_000),
  };
  const defaultStore = hook.defaultStore ?? 'S000';
  const levelEvents = hook.levelEvents ?? 'drop';
  // The fleets' own plan shaping, so the k6 plan has exactly the node engine's extra ops.
  // The URL is never contacted: prepare() is pure.
  const shaper = new FleetClient({
    storeUrl: 'http://127.0.0.1:9',
    seed,
    web: {
      ...(web.stockReads === undefined ? {} : { stockReads: web.stockReads }),
    },
    webhook: {
      ...(hook.duplicateRate === undefined ? {} : { duplicateRate: hook.duplicateRate }),
      ...(hook.reorderRate === undefined ? {} : { reorderRate: hook.reorderRate }),
      levelEvents,
    },
    pos: {},
  });
  const { k6: http, node } = splitByEngine(ops);
  const leftOut: Record<string, number> = {};
  const skip = (why: string) => {
    leftOut[why] = (leftOut[why] ?? 0) + 1;
  };
  for (let i = 0; i < node.length; i++) skip('not-http');
  const out: K6Op[] = [];
  const sources: ReplayOp[] = [];
  for (const op of shaper.prepare(http)) {
    const device = deviceOf(op.process);
    const kind = deviceKindOf(device);
    const terminal = kind === 'pos' ? localIdOfDevice(device) : undefined;
    const x = kind === 'web' ? timeouts.web : kind === 'pos' ? timeouts.pos : timeouts.webhook;
    const base = { t: op.atMs, n: op.f, d: device, x };
    let k6op: K6Op;
    switch (op.f) {
      case OP.checkout: {
        const v = op.value as CheckoutInvokeValue;
        k6op = {
          ...base,
          m: 'POST',
          p: '/checkout',
          b: JSON.stringify(checkoutRequest(v, terminal)),
          k: v.idempotencyKey,
          r: kind === 'web' ? RETRY_SHOPPER : RETRY_NONE,
        };
        break;
      }
      case OP.return:
      case OP.exchange: {
        const v = op.value as ReturnInvokeValue;
        // The SUT's order id is known only at run time: the script fills the placeholder in
        // (returnPath escapes its braces, hence the replace).
        const path =
          op.orderKey === undefined
            ? returnPath(v)
            : returnPath({ ...v, orderId: ORDER_ID_PLACEHOLDER }).replace(
                '%7BorderId%7D',
                ORDER_ID_PLACEHOLDER,
              );
        k6op = {
          ...base,
          m: 'POST',
          p: path,
          b: JSON.stringify(returnRequest(v, terminal)),
          k: v.idempotencyKey,
          r: kind === 'web' ? RETRY_SHOPPER : RETRY_NONE,
          ...(op.orderKey === undefined ? {} : { o: op.orderKey }),
        };
        break;
      }
      case OP.readStock: {
        const v = op.value as ReadStockInvokeValue;
        k6op = {
          ...base,
          m: 'GET',
          p: `/stock/${encodeURIComponent(v.sku)}`,
          b: null,
          k: null,
          r: RETRY_NONE,
        };
        break;
      }
      case OP.webhook: {
        const v = op.value as WebhookInvokeValue;
        if (v.absolute !== undefined && levelEvents !== 'send') {
          skip('webhook-level-event');
          continue;
        }
        k6op = {
          ...base,
          m: 'POST',
          p: '/webhooks/marketplace',
          b: JSON.stringify(webhookRequest(v, defaultStore)),
          k: null,
          r: RETRY_MARKETPLACE,
        };
        break;
      }
      default:
        // offline-sync batches exist only in the node POS fleet's offline mode, which k6 does not have.
        skip(`no-k6-request-for-${op.f}`);
        continue;
    }
    out.push(k6op);
    sources.push(op);
  }
  const last = out.at(-1)?.t ?? 0;
  return {
    ops: out,
    sources,
    retry: {
      shopper: { maxAttempts: web.maxAttempts ?? 3, backoffMs: web.retryAfterMs ?? 1_000 },
      marketplace: { maxAttempts: hook.maxAttempts ?? 5, backoffMs: hook.redeliverAfterMs ?? 1_000 },
    },
    leftOut,
    durationMs: Math.max(last, ops.at(-1)?.atMs ?? 0),
  };
}
