// A Client for JSON-over-HTTP ops on an undici Pool (keep-alive, a fixed number
// of connections). Outcomes follow the history's rules: 2xx ok, 4xx fail (the
// SUT refused it), everything uncertain info — 5xx, timeouts, cut connections;
// only a connection that never opened (refused, connect timeout) is fail.
import { Pool } from 'undici';
import { PeakdrillError } from '../model/errors.ts';
import { asOpError, type Client, type ClientOp, type Completion } from './open-model-scheduler.ts';

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

// Errors raised before a single byte of the request left: the op cannot have happened.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN']);

export function classifyHttpStatus(status: number): Completion['type'] {
  if (status >= 200 && status < 300) return 'ok';
  // 4xx: the SUT looked at the request and said no. 408 is the exception: it may have begun.
  if (status >= 400 && status < 500 && status !== 408) return 'fail';
  return 'info';
}

export class HttpClient implements Client {
  private readonly options: HttpClientOptions;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;
  private readonly classify: (status: number) => Completion['type'];
  private pool: Pool | null = null;

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
    this.classify = options.classifyStatus ?? classifyHttpStatus;
  }

  async open(): Promise<void> {
    this.pool ??= new Pool(this.origin, {
      connections: this.options.connections ?? 64,
      pipelining: 1,
      keepAliveTimeout: 30_000,
    });
  }

  async invoke(op: ClientOp): Promise<Completion> {
    const pool = this.pool;
    if (pool === null) throw new PeakdrillError('PEAKDRILL_ERR_USAGE', 'http client: invoke before open');
    const req = this.options.toRequest ? this.options.toRequest(op) : (op.value as HttpOpValue | undefined);
    if (typeof req?.path !== 'string' || !req.path.startsWith('/')) {
      // Nothing was sent, so this is a clean fail; the message points at the plan.
      return {
        type: 'fail',
        error: { code: 'bad-request', message: `op ${op.id} (${op.f}): value has no path starting with '/'` },
      };
    }
    const timeoutMs = this.options.timeoutMs ?? op.timeoutMs;
    const opIdHeader = this.options.opIdHeader === undefined ? 'x-peakdrill-op' : this.options.opIdHeader;
    const headers = req.headers === undefined ? { ...this.headers } : { ...this.headers, ...req.headers };
    if (opIdHeader !== null) headers[opIdHeader] = op.id;
    let status: number;
    let text: string;
    try {
      const res = await pool.request({
        path: this.basePath + req.path,
        method: (req.method ?? 'POST') as 'POST',
        headers,
        body: req.body === undefined ? null : JSON.stringify(req.body),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = res.statusCode;
      try {
        text = await res.body.text();
      } catch (error) {
        // The status is known, the body was cut: the verdict of the status stands unless it said ok.
        const type = this.classify(status);
        return {
          type: type === 'ok' ? 'info' : type,
          value: { status, body: null } satisfies HttpResult,
          error: asOpError(error, 'body-cut'),
        };
      }
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const notSent = typeof code === 'string' && NOT_SENT_CODES.has(code);
      return { type: notSent ? 'fail' : 'info', error: asOpError(error, 'transport') };
    }
    const body = parseBody(text);
    const type = this.classify(status);
    const value: HttpResult = { status, body };
    if (type === 'ok') return { type, value };
    return { type, value, error: { code: `http-${status}`, message: `HTTP ${status}` } };
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    // destroy, not close: requests still out are the scheduler's orphans and must not hold the run.
    await pool?.destroy();
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
