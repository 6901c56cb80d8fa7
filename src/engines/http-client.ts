// A Client for JSON-over-HTTP ops on an undici Pool (keep-alive, a fixed number
// of connections). Outcomes follow the history's rules: 2xx ok, 4xx fail (the
// SUT refused it), everything uncertain info — 5xx, timeouts, cut connections;
// only a connection that never opened (refused, connect timeout) is fail.
// Requests go through Pool.dispatch with a handler object reused op after op
// (as autocannon reuses its requests): no stream, promise or closure per op.
import { type Dispatcher, Pool } from 'undici';
import { PeakdrillError } from '../model/errors.ts';
import { neverSent } from './never-sent.ts';
import {
  asOpError,
  type CallbackClient,
  type ClientOp,
  type Completion,
  type CompletionCallback,
} from './open-model-scheduler.ts';

/** The default op value: the request to send. A scenario can map its own values with toRequest. */
export interface HttpOpValue {
  readonly method?: string;
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HttpResult {
  readonly status: number;
  readonly body: unknown;
}

export interface HttpClientOptions {
  /** e.g. http://127.0.0.1:8080 — one origin per client (one Pool). */
  readonly baseUrl: string;
  /** Connections in the pool (default 64). Ops beyond it queue, which shows as latency. */
  readonly connections?: number;
  /** Per-op header and body timeout (default: the op's timeoutMs). */
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Sends the op id in this header (default 'x-peakdrill-op'; null to leave it out), so SUT logs
   * can be matched to the history. Deliberately not 'idempotency-key': a scenario that replays a
   * duplicate delivery must control that key itself (value.headers), or the SUT would see two ops.
   */
  readonly opIdHeader?: string | null;
  readonly toRequest?: (op: ClientOp) => HttpOpValue;
  /** Override the status → outcome rule (e.g. a 503 your SUT guarantees is a clean refusal). */
  readonly classifyStatus?: (status: number) => Completion['type'];
}

export function classifyHttpStatus(status: number): Completion['type'] {
  if (status >= 200 && status < 300) return 'ok';
  // 4xx: the SUT looked at the request and said no. 408 is the exception: it may have begun.
  if (status >= 400 && status < 500 && status !== 408) return 'fail';
  return 'info';
}

export class HttpClient implements CallbackClient {
  private readonly options: HttpClientOptions;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;
  /** The same headers as [name, value, …] with the op id's value last: undici takes arrays without iterating an object. */
  private readonly headerList: readonly string[];
  private readonly opIdHeader: string | null;
  readonly classify: (status: number) => Completion['type'];
  private pool: Pool | null = null;
  private readonly freeCalls: HttpCall[] = [];

  constructor(options: HttpClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch (cause) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_USAGE',
        `http client: baseUrl ${options.baseUrl} is not a URL`,
        {
          cause,
        },
      );
    }
    this.options = options;
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/$/, '');
    this.headers = { 'content-type': 'application/json', ...options.headers };
    this.opIdHeader = options.opIdHeader === undefined ? 'x-peakdrill-op' : options.opIdHeader;
    const headerList = Object.entries(this.headers).flat();
    if (this.opIdHeader !== null) headerList.push(this.opIdHeader, '');
    this.headerList = headerList;
    this.classify = options.classifyStatus ?? classifyHttpStatus;
  }

  async open(): Promise<void> {
    this.pool ??= new Pool(this.origin, {
      connections: this.options.connections ?? 64,
      pipelining: 1,
      keepAliveTimeout: 30_000,
    });
  }

  invoke(op: ClientOp): Promise<Completion> {
    const { promise, resolve, reject } = Promise.withResolvers<Completion>();
    try {
      this.start(op, { done: resolve });
    } catch (error) {
      reject(error);
    }
    return promise;
  }

  start(op: ClientOp, callback: CompletionCallback): void {
    const pool = this.pool;
    if (pool === null) throw new PeakdrillError('PEAKDRILL_ERR_USAGE', 'http client: invoke before open');
    const req = this.options.toRequest ? this.options.toRequest(op) : (op.value as HttpOpValue | undefined);
    if (typeof req?.path !== 'string' || !req.path.startsWith('/')) {
      // Nothing was sent, so this is a clean fail; the message points at the plan.
      const completion: Completion = {
        type: 'fail',
        error: { code: 'bad-request', message: `op ${op.id} (${op.f}): value has no path starting with '/'` },
      };
      queueMicrotask(() => callback.done(completion));
      return;
    }
    // Everything that can throw (a body that is not JSON) comes before a call is taken.
    const body = req.body === undefined ? null : JSON.stringify(req.body);
    const timeoutMs = this.options.timeoutMs ?? op.timeoutMs;
    const call = this.freeCalls.pop() ?? new HttpCall(this, [...this.headerList]);
    let headers: string[];
    if (req.headers === undefined) {
      // The call's own copy: a pool with every connection busy reads it later, when it sends.
      headers = call.headers;
      if (this.opIdHeader !== null) headers[headers.length - 1] = op.id;
    } else {
      const merged: Record<string, string> = { ...this.headers, ...req.headers };
      if (this.opIdHeader !== null) merged[this.opIdHeader] = op.id;
      headers = Object.entries(merged).flat();
    }
    call.callback = callback;
    call.status = 0;
    const opts = call.opts;
    opts.path = this.basePath + req.path;
    opts.method = (req.method ?? 'POST') as Dispatcher.HttpMethod;
    opts.headers = headers;
    opts.body = body;
    opts.headersTimeout = timeoutMs;
    opts.bodyTimeout = timeoutMs;
    call.starting = true;
    pool.dispatch(opts, call);
    call.starting = false;
    call.deliverDeferred();
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    // destroy, not close: requests still out are the scheduler's orphans and must not hold the run.
    await pool?.destroy();
  }

  /** @internal a call that has settled goes back to the free list. */
  release(call: HttpCall): void {
    call.callback = null;
    call.opts.body = null;
    call.chunks.length = 0;
    if (this.freeCalls.length < 1_024) this.freeCalls.push(call);
  }
}

/** One request in flight: undici's handler for it and where its completion goes. */
class HttpCall implements Dispatcher.DispatchHandler {
  private readonly client: HttpClient;
  readonly headers: string[];
  readonly opts: Dispatcher.DispatchOptions & { path: string; method: Dispatcher.HttpMethod } = {
    path: '/',
    method: 'POST',
    headers: null,
    body: null,
    headersTimeout: 0,
    bodyTimeout: 0,
  };
  callback: CompletionCallback | null = null;
  status = 0;
  readonly chunks: Buffer[] = [];
  /** Inside dispatch(): a completion now (undici reports some errors at once) waits until start() returns. */
  starting = false;
  private deferred: Completion | null = null;

  constructor(client: HttpClient, headers: string[]) {
    this.client = client;
    this.headers = headers;
  }

  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const chunks = this.chunks;
    const text =
      chunks.length === 0
        ? ''
        : chunks.length === 1
          ? chunks[0]!.toString('utf8')
          : Buffer.concat(chunks).toString('utf8');
    const status = this.status;
    const type = this.client.classify(status);
    const value: HttpResult = { status, body: parseBody(text) };
    this.settle(
      type === 'ok'
        ? { type, value }
        : { type, value, error: { code: `http-${status}`, message: `HTTP ${status}` } },
    );
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    if (this.status !== 0) {
      // The status is known, the body was cut: the verdict of the status stands unless it said ok.
      const type = this.client.classify(this.status);
      this.settle({
        type: type === 'ok' ? 'info' : type,
        value: { status: this.status, body: null } satisfies HttpResult,
        error: asOpError(error, 'body-cut'),
      });
      return;
    }
    const code = (error as { code?: unknown }).code;
    const notSent = typeof code === 'string' && neverSent(code);
    this.settle({ type: notSent ? 'fail' : 'info', error: asOpError(error, 'transport') });
  }

  settle(completion: Completion): void {
    if (this.starting) {
      this.deferred = completion;
      return;
    }
    const callback = this.callback;
    this.client.release(this);
    callback?.done(completion);
  }

  /** A completion that came during dispatch() is delivered on the next microtask, never inside start(). */
  deliverDeferred(): void {
    const completion = this.deferred;
    if (completion === null) return;
    this.deferred = null;
    queueMicrotask(() => this.settle(completion));
  }
}

/** Module factory for worker threads, which can only be told a module and cloneable options. */
export function createClient(options: HttpClientOptions): HttpClient {
  return new HttpClient(options);
}

function parseBody(text: string): unknown {
  if (text.length === 0) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Pass as ClientModuleSpec.module to run this client in worker threads. */
export const HTTP_CLIENT_MODULE: string = import.meta.url;
