// Generates the k6 script (TypeScript; k6 strips the types) that replays a
// K6Plan: ops read with SharedArray, a ramping-arrival-rate executor that
// follows the plan's rate per bucket, op number exec.scenario.iterationInTest
// sent at its planned time, requests tagged by name, the scenario's
// assertions as k6 thresholds where k6 can measure them, dropped_iterations
// gated, and one JSON line per attempt on the console for peakdrill to read back.
// test/fixtures/k6-generated-sample.ts is this output for a small plan; tsc
// checks it against @types/k6 (tsconfig.k6.json) and a unit test keeps it current.
import { PeakdrillError } from '../../model/errors.ts';
import { parseThreshold, type Threshold } from '../../verdict/threshold-expression.ts';
import { type K6Op, type K6Plan, RETRY_MARKETPLACE, RETRY_SHOPPER } from './k6-plan.ts';

export interface K6ScriptOptions {
  /** Says where the script came from in its header. */
  readonly scenario: string;
  /** Rate curve resolution (default: 100 ms, coarser for long plans so the stages stay ≤ 2,000). */
  readonly bucketMs?: number;
  /** From the scenario's start to plan time 0 (default 1 s; at least one bucket). */
  readonly leadMs?: number;
  /** The scenario's assertions (name → threshold); those k6 can measure become k6 thresholds. */
  readonly assertions?: Readonly<Record<string, string>>;
  /** dropped_iterations allowed before the threshold fails (default 0). */
  readonly droppedIterationsAllowed?: number;
  /** Base URL(s) when __ENV.PEAKDRILL_BASE_URLS is not given; one per region, preferred first. */
  readonly baseUrls?: readonly string[];
  /** The ops file, relative to the script (default ops.json). */
  readonly opsFile?: string;
  readonly preAllocatedVUs?: number;
  readonly maxVUs?: number;
  /** A return waits this long for its checkout's order id (default 10 s), then is left out. */
  readonly orderWaitMs?: number;
  /** Answers that are the business saying no (out-of-stock…), not errors, for the error-rate thresholds. */
  readonly businessErrorCodes?: readonly string[];
}

export interface K6Stage {
  readonly target: number;
  readonly duration: string;
}

export interface K6ThresholdMapping {
  /** k6 metric (with tags) → threshold expressions. */
  readonly thresholds: Record<string, string[]>;
  /** Assertions k6 cannot measure, and why: the verdict still checks them from the history. */
  readonly unmapped: { readonly assertion: string; readonly reason: string }[];
}

export interface GeneratedK6Script {
  /** The script's source (TypeScript). */
  readonly script: string;
  /** What the ops file holds: `{ ops }`. */
  readonly data: { readonly ops: readonly K6Op[] };
  readonly config: K6ScriptConfig;
  readonly unmappedAssertions: K6ThresholdMapping['unmapped'];
}

/** The constants embedded in a generated script. */
export interface K6ScriptConfig {
  readonly scenario: string;
  readonly opsFile: string;
  readonly opCount: number;
  readonly bucketMs: number;
  readonly leadMs: number;
  readonly baseUrls: readonly string[];
  readonly retry: K6Plan['retry'];
  readonly orderWaitMs: number;
  readonly businessErrorCodes: readonly string[];
  readonly returns: boolean;
  readonly options: {
    readonly scenarios: {
      readonly replay: {
        readonly executor: 'ramping-arrival-rate';
        readonly startRate: 0;
        readonly timeUnit: string;
        readonly preAllocatedVUs: number;
        readonly maxVUs: number;
        readonly stages: readonly K6Stage[];
        readonly gracefulStop: string;
      };
    };
    readonly thresholds: Record<string, string[]>;
    readonly systemTags: readonly string[];
    readonly summaryTrendStats: readonly string[];
  };
}

const MAX_BUCKETS = 2_000;
const TAIL_MS = 3_000;
const DEFAULT_BUSINESS_CODES = [
  'out-of-stock',
  'unit-already-sold',
  'nothing-to-return',
  'refund-exceeds-tenders',
  'unknown-order',
];
// No `url`: with it every distinct URL (a return's order id) would be its own time series.
const SYSTEM_TAGS = [
  'proto',
  'status',
  'method',
  'name',
  'group',
  'check',
  'error',
  'error_code',
  'scenario',
  'expected_response',
];

/** The plan's rate per bucket as ramping-arrival-rate stages, one bucket ahead of the plan (see ITERATION_TIMING). */
export function arrivalStages(ts: readonly number[], bucketMs: number, leadMs: number): K6Stage[] {
  const stages: K6Stage[] = [];
  if (leadMs > bucketMs) stages.push({ target: 0, duration: `${leadMs - bucketMs}ms` });
  const buckets = ts.length === 0 ? 0 : Math.floor(ts.at(-1)! / bucketMs) + 1;
  const counts = new Array<number>(buckets).fill(0);
  for (const t of ts) counts[Math.floor(t / bucketMs)]!++;
  for (let k = 0; k < buckets; ) {
    let m = 1;
    while (k + m < buckets && counts[k + m] === counts[k]) m++;
    // A 0 s stage jumps to the rate; the next holds it: k6 then runs exactly that many per bucket.
    stages.push(
      { target: counts[k]!, duration: '0s' },
      { target: counts[k]!, duration: `${m * bucketMs}ms` },
    );
    k += m;
  }
  // k6 starts iteration j when the rate's integral reaches j + 1, so the last op's iteration sits on
  // the curve's very end; and when its scheduler falls behind (a starved CPU), iterations still due
  // as the stages end are neither run nor counted as dropped. A tail at one iteration per bucket
  // gives both time (the extra iterations find no op and return).
  stages.push({ target: 1, duration: '0s' }, { target: 1, duration: `${Math.max(2 * bucketMs, TAIL_MS)}ms` });
  return stages;
}

export function defaultBucketMs(planMs: number): number {
  return Math.max(100, Math.ceil(planMs / MAX_BUCKETS / 50) * 50);
}

/** How long a VU is assumed busy with one request when sizing (a loaded store on the same box). */
const SIZING_LATENCY_MS = 250;

/**
 * VUs: an op holds one from its iteration (up to two buckets early) until its answer, so the most
 * ops in any window of two buckets plus a request's time, with a fifth on top. k6 drops an
 * iteration that finds no idle VU (it starts more, up to maxVUs, only for later ones).
 */
export function vuSizing(
  ts: readonly number[],
  bucketMs: number,
  maxTimeoutMs: number,
): { preAllocatedVUs: number; maxVUs: number } {
  if (ts.length === 0) return { preAllocatedVUs: 1, maxVUs: 1 };
  const windowMs = 2 * bucketMs + SIZING_LATENCY_MS;
  let busiest = 0;
  for (let lo = 0, hi = 0; hi < ts.length; hi++) {
    while (ts[hi]! - ts[lo]! > windowMs) lo++;
    busiest = Math.max(busiest, hi - lo + 1);
  }
  const perSecond = (busiest * 1_000) / windowMs;
  const preAllocatedVUs = Math.ceil(busiest * 1.2) + 5;
  // Past that, a stalled store holds a VU per op for up to a timeout.
  const maxVUs = Math.min(5_000, Math.max(preAllocatedVUs, Math.ceil((perSecond * maxTimeoutMs) / 1_000)));
  return { preAllocatedVUs: Math.min(preAllocatedVUs, maxVUs), maxVUs };
}

const SLO_SERIES = /^([a-z0-9_-]+)_(latency|errors|ops|drops)(\{[^}]*\})?$/;

/**
 * Scenario assertions → k6 thresholds, for the ones k6 measures itself: `<f>_latency` →
 * http_req_duration{name:<f>} and `<f>_errors` → peakdrill_op_errors{name:<f>} over the whole run.
 * A fault window ({during:fault}) is not something k6 can see, nor are the checkers' figures.
 */
export function mapThresholds(
  assertions: Readonly<Record<string, string>>,
  droppedIterationsAllowed = 0,
): K6ThresholdMapping {
  const thresholds: Record<string, string[]> = {};
  const unmapped: { assertion: string; reason: string }[] = [];
  const add = (metric: string, expression: string) => {
    thresholds[metric] = [...(thresholds[metric] ?? []), expression];
  };
  for (const [name, text] of Object.entries(assertions)) {
    const m = SLO_SERIES.exec(name);
    if (m === null) {
      unmapped.push({
        assertion: name,
        reason: 'a checker figure: measured from the history and final state',
      });
      continue;
    }
    const [, fName, kind, selector] = m;
    const f = fName!.replaceAll('_', '-');
    if (selector !== undefined && selector !== '{}') {
      unmapped.push({
        assertion: name,
        reason: `k6 does not know fault windows (${selector}): the verdict evaluates it from the history`,
      });
      continue;
    }
    let t: Threshold;
    try {
      t = parseThreshold(text, name);
    } catch (error) {
      unmapped.push({ assertion: name, reason: (error as Error).message });
      continue;
    }
    const op = t.operator;
    if (
      kind === 'latency' &&
      t.aggregate !== undefined &&
      t.aggregate !== 'rate' &&
      t.aggregate !== 'value'
    ) {
      add(`http_req_duration{name:${f}}`, `${t.aggregate}${op}${t.value}`);
    } else if (kind === 'errors' && (t.aggregate ?? 'rate') === 'rate') {
      add(`peakdrill_op_errors{name:${f}}`, `rate${op}${t.value}`);
    } else {
      unmapped.push({
        assertion: name,
        reason: `no k6 metric for ${kind} with ${t.aggregate ?? 'a figure'}`,
      });
    }
  }
  add(
    'dropped_iterations',
    droppedIterationsAllowed === 0 ? 'count==0' : `count<=${droppedIterationsAllowed}`,
  );
  return { thresholds, unmapped };
}

export function generateK6Script(plan: K6Plan, options: K6ScriptOptions): GeneratedK6Script {
  const ts = plan.ops.map((o) => o.t);
  const planMs = ts.at(-1) ?? 0;
  const bucketMs = options.bucketMs ?? defaultBucketMs(planMs);
  const leadMs = options.leadMs ?? Math.max(1_000, bucketMs);
  if (!(bucketMs > 0) || !(leadMs >= bucketMs)) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      `k6 script: bucketMs (${bucketMs}) must be above 0 and leadMs (${leadMs}) at least one bucket`,
    );
  }
  const maxTimeoutMs = plan.ops.reduce((m, o) => Math.max(m, o.x), 0);
  const sizing = vuSizing(ts, bucketMs, maxTimeoutMs);
  const { thresholds, unmapped } = mapThresholds(options.assertions ?? {}, options.droppedIterationsAllowed);
  // Iterations still retrying when the curve ends get this long to finish.
  const chainMs = (p: K6Plan['retry']['shopper'], r: number) =>
    plan.ops.some((o) => o.r === r)
      ? p.maxAttempts * maxTimeoutMs + p.backoffMs * (2 ** Math.max(0, p.maxAttempts - 1) - 1)
      : maxTimeoutMs;
  const gracefulMs =
    Math.max(chainMs(plan.retry.shopper, RETRY_SHOPPER), chainMs(plan.retry.marketplace, RETRY_MARKETPLACE)) +
    2 * bucketMs +
    2_000;
  const config: K6ScriptConfig = {
    scenario: options.scenario,
    opsFile: options.opsFile ?? 'ops.json',
    opCount: plan.ops.length,
    bucketMs,
    leadMs,
    baseUrls: options.baseUrls ?? ['http://127.0.0.1:8080'],
    retry: plan.retry,
    orderWaitMs: options.orderWaitMs ?? 10_000,
    businessErrorCodes: options.businessErrorCodes ?? DEFAULT_BUSINESS_CODES,
    returns: plan.ops.some((o) => o.o !== undefined),
    options: {
      scenarios: {
        replay: {
          executor: 'ramping-arrival-rate',
          startRate: 0,
          timeUnit: `${bucketMs}ms`,
          preAllocatedVUs: options.preAllocatedVUs ?? sizing.preAllocatedVUs,
          maxVUs: Math.max(
            options.maxVUs ?? sizing.maxVUs,
            options.preAllocatedVUs ?? sizing.preAllocatedVUs,
          ),
          stages: arrivalStages(ts, bucketMs, leadMs),
          gracefulStop: `${Math.ceil(gracefulMs / 1_000)}s`,
        },
      },
      thresholds,
      systemTags: SYSTEM_TAGS,
      summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
    },
  };
  return { script: renderScript(config), data: { ops: plan.ops }, config, unmappedAssertions: unmapped };
}

function renderScript(config: K6ScriptConfig): string {
  // One stage per line: a long plan has thousands.
  const json = JSON.stringify(config, (key, value) => (key === 'stages' ? '__STAGES__' : value), 2);
  const indent = /^( *)"stages"/m.exec(json)?.[1] ?? '';
  const stages = config.options.scenarios.replay.stages
    .map((s) => `${indent}  ${JSON.stringify(s)}`)
    .join(',\n');
  return `${SCRIPT_HEAD.replace('__SCENARIO__', config.scenario)}
// biome-ignore format: generated data, one stage per line
const CONFIG = ${json.replace('"__STAGES__"', `[\n${stages}\n${indent}]`)};
${SCRIPT_BODY}`;
}

// ITERATION_TIMING: the curve runs one bucket ahead of the plan and starts leadMs before plan
// time 0, so an op's iteration comes at most two buckets early and sleeps; with too few VUs k6
// drops iterations, later ops then run late (lateness is measured) and the last ones not at all.
const SCRIPT_HEAD = `// Generated by peakdrill for scenario __SCENARIO__ (src/engines/k6/k6-script.ts): regenerate
// rather than edit. Replays the plan's HTTP ops (the ops file, read once into a SharedArray): op
// number exec.scenario.iterationInTest is sent at its planned time, sleeping when its iteration
// comes early. Every attempt is one JSON line on the console, an invoke before sending and a
// completion after, which peakdrill turns into history entries; keep them with
//   k6 run --log-format raw --console-output outcomes.ndjson script.ts
// Limits: no POS offline mode (a checkout whose uplink fails is recorded as its answer says), and a
// return finds its order only when the checkout ran in this VU or peakdrill's order registry
// (__ENV.PEAKDRILL_ORDERS_URL) knows it; otherwise it is left out, as the node engine does.
import { sleep } from 'k6';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import http, { type RefinedResponse } from 'k6/http';
import { Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';

interface PlanOp {
  readonly t: number;
  readonly n: string;
  readonly d: string;
  readonly m: 'GET' | 'POST';
  readonly p: string;
  readonly b: string | null;
  readonly k: string | null;
  readonly r: 0 | 1 | 2;
  readonly x: number;
  readonly o?: string;
}

interface SetupData {
  /** Plan time 0 in exec.instance.currentTestRunDuration terms (ms). */
  readonly origin: number;
}

// k6 has a console; its type definitions do not declare one.
declare const console: { log(...data: unknown[]): void };
`;

const SCRIPT_BODY = `
const OPS: PlanOp[] = new SharedArray<PlanOp>('peakdrill-ops', () => {
  const data = JSON.parse(open(__ENV.PEAKDRILL_OPS_FILE || CONFIG.opsFile)) as { ops: PlanOp[] };
  return data.ops;
});
const BASE_URLS: string[] = (__ENV.PEAKDRILL_BASE_URLS || CONFIG.baseUrls.join(','))
  .split(',')
  .map((u) => u.trim().replace(/\\/$/, ''))
  .filter((u) => u !== '');
const ORDERS_URL: string = __ENV.PEAKDRILL_ORDERS_URL || '';
const BUSINESS = new Set<string>(CONFIG.businessErrorCodes);

export const options: Options = {
  scenarios: {
    replay: {
      ...CONFIG.options.scenarios.replay,
      executor: 'ramping-arrival-rate',
      stages: [...CONFIG.options.scenarios.replay.stages],
    },
  },
  thresholds: CONFIG.options.thresholds,
  // Setup may wait for a plan time 0 given on the wall clock.
  setupTimeout: '10m',
  systemTags: [...CONFIG.options.systemTags],
  summaryTrendStats: [...CONFIG.options.summaryTrendStats],
};

const opErrors = new Rate('peakdrill_op_errors');
const lateness = new Trend('peakdrill_lateness', true);

/** k6's own clock: ms since the test started, to the microsecond. */
function now(): number {
  return exec.instance.currentTestRunDuration;
}

function log(line: Record<string, unknown>): void {
  console.log(JSON.stringify(line));
}

/** k6 error codes of a request that never reached the server: DNS, invalid URL, refused or failed dial. */
function notSent(res: RefinedResponse<'text'>): boolean {
  const c = res.error_code;
  return c === 1020 || (c >= 1100 && c < 1200) || (c >= 1210 && c < 1220);
}

function bodyField(res: RefinedResponse<'text'>, field: string): string | undefined {
  if (typeof res.body !== 'string' || res.body === '') return undefined;
  try {
    const v = (JSON.parse(res.body) as Record<string, unknown>)[field];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

let activeRegion = 0;

/**
 * One request, failing over to the next region when one provably did not take it (as the node fleets
 * do): never reached, or a standby answered 503 { error: 'not-writable' }.
 */
function send(op: PlanOp, path: string): RefinedResponse<'text'> {
  const params = {
    headers: op.b === null ? {} : ({ 'content-type': 'application/json' } as Record<string, string>),
    tags: { name: op.n },
    timeout: op.x,
    responseType: 'text' as const,
  };
  if (op.k !== null) params.headers['idempotency-key'] = op.k;
  const first = activeRegion;
  let res = http.request(op.m, BASE_URLS[first] + path, op.b, params);
  for (let i = 1; i < BASE_URLS.length; i++) {
    const refused = notSent(res) || (res.status === 503 && bodyField(res, 'error') === 'not-writable');
    if (!refused) break;
    const next = (first + i) % BASE_URLS.length;
    const retried = http.request(op.m, BASE_URLS[next] + path, op.b, params);
    const again =
      notSent(retried) || (retried.status === 503 && bodyField(retried, 'error') === 'not-writable');
    if (!again) {
      activeRegion = next;
      return retried;
    }
    if (retried.status !== 0) res = retried;
  }
  return res;
}

/** Whether the op failed as a system (not as the business saying no), for peakdrill_op_errors. */
function isError(res: RefinedResponse<'text'>): boolean {
  if (res.status >= 200 && res.status < 300) return false;
  if (res.status === 0) return true;
  const code = bodyField(res, 'error');
  return !(res.status >= 400 && res.status < 500 && code !== undefined && BUSINESS.has(code));
}

/** Whether this attempt's outcome is unknown to the device, which then tries again. */
function retryable(op: PlanOp, res: RefinedResponse<'text'>): boolean {
  const s = res.status;
  if (op.r === 2) return s === 0 || s >= 500 || s === 429 || s === 408;
  if (op.r === 1) {
    if (s === 0) return !notSent(res);
    if (s === 408 || s >= 500) return bodyField(res, 'outcome') !== 'not-applied';
  }
  return false;
}

// A VU's own acknowledged checkouts, by Idempotency-Key, for the returns it sends.
const orderIds = new Map<string, string>();

/** The SUT's order id for a checkout key, or why there is none. */
function findOrder(key: string): { orderId: string } | { why: string } {
  const own = orderIds.get(key);
  if (own !== undefined) return { orderId: own };
  if (ORDERS_URL === '') return { why: 'return-of-absent-order' };
  const deadline = now() + CONFIG.orderWaitMs;
  for (;;) {
    const res = http.get(\`\${ORDERS_URL}/orders/\${encodeURIComponent(key)}\`, {
      tags: { name: 'peakdrill-order-registry' },
      responseType: 'text',
      timeout: 2_000,
    });
    const state = bodyField(res, 'state') ?? 'unreachable';
    const orderId = bodyField(res, 'orderId');
    if (state === 'ok' && orderId !== undefined) return { orderId };
    if (state !== 'pending') return { why: \`return-of-\${state}-order\` };
    if (now() > deadline) return { why: 'return-of-pending-order' };
    sleep(0.1);
  }
}

export function setup(): SetupData {
  // A plan time 0 given on the wall clock (shards started together): the scenario, and with it
  // the rate curve, starts leadMs before it, so setup waits until then.
  const start = Number(__ENV.PEAKDRILL_PLAN_START_MS);
  const given = Number.isFinite(start) && start > 0;
  if (given) {
    const wait = start - CONFIG.leadMs - Date.now();
    if (wait > 0) sleep(wait / 1_000);
  }
  const d = now();
  const w = Date.now();
  const origin = given ? start - (w - d) : d + CONFIG.leadMs;
  log({ e: 'start', w, d, o: origin, n: OPS.length });
  return { origin };
}

export default function (data: SetupData): void {
  const i = exec.scenario.iterationInTest;
  if (i >= OPS.length) return;
  const op = OPS[i]!;
  let scheduled = data.origin + op.t;
  const early = scheduled - now();
  if (early > 0) sleep(early / 1_000);
  let path = op.p;
  let orderId: string | undefined;
  if (op.o !== undefined) {
    const found = findOrder(op.o);
    if ('why' in found) {
      log({ e: 'x', i, why: found.why });
      return;
    }
    orderId = found.orderId;
    path = path.replace('{orderId}', encodeURIComponent(orderId));
  }
  const policy = op.r === 2 ? CONFIG.retry.marketplace : CONFIG.retry.shopper;
  for (let attempt = 1; ; attempt++) {
    const sent = now();
    lateness.add(Math.max(0, sent - scheduled), { name: op.n });
    log(
      attempt === 1
        ? { e: 'i', i, a: 1, s: sent, o: orderId }
        : { e: 'i', i, a: attempt, s: sent, q: scheduled, o: orderId },
    );
    const res = send(op, path);
    const done = now();
    log({ e: 'c', i, a: attempt, c: done, st: res.status, b: res.body, ec: res.error_code, em: res.error });
    opErrors.add(isError(res), { name: op.n });
    if (CONFIG.returns && op.n === 'checkout' && op.k !== null && res.status >= 200 && res.status < 300) {
      const id = bodyField(res, 'orderId');
      if (id !== undefined) orderIds.set(op.k, id);
    }
    if (op.r === 0 || attempt >= policy.maxAttempts || !retryable(op, res)) return;
    scheduled = done + policy.backoffMs * 2 ** (attempt - 1);
    sleep((scheduled - now()) / 1_000);
  }
}
`;
