// JSON over HTTP to the store's API on one undici Pool (keep-alive). Never
// throws: a request either got an answer, or provably never left (the
// connection did not open), or its fate is unknown (timed out, cut).
import { Pool } from 'undici';
import { PeakdrillError } from '../src/model/errors.ts';
import type { OpError } from '../src/model/history-entry.ts';

export type HttpOutcome =
  | { readonly kind: 'answer'; readonly status: number; readonly body: unknown }
  /** The connection never opened: the SUT cannot have seen the request. */
  | { readonly kind: 'not-sent'; readonly error: OpError }
  /** Sent, or maybe sent, with no answer: the SUT may or may not have acted on it. */
  | { readonly kind: 'unknown'; readonly error: OpError };

export interface StoreHttpOptions {
  /** e.g. http://127.0.0.1:8080 (through a proxy to put faults on the link). */
  readonly baseUrl: string;
  readonly connections?: number;
}

const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

export class StoreHttp {
  private readonly origin: string;
  private readonly basePath: string;
  private readonly connections: number;
  private pool: Pool | null = null;

  constructor(options: StoreHttpOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch (cause) {
      throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `fleet: store URL ${options.baseUrl} is not a URL`, {
        cause,
      });
    }
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/$/, '');
    this.connections = options.connections ?? 32;
  }

  open(): void {
    this.pool ??= new Pool(this.origin, {
      connections: this.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connectTimeout: 5_000,
    });
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    // destroy: requests still out belong to ops the scheduler already recorded as info.
    await pool?.destroy();
  }

  async request(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    headers: Record<string, string> | undefined,
    timeoutMs: number,
  ): Promise<HttpOutcome> {
    const pool = this.pool;
    if (pool === null) return { kind: 'not-sent', error: { code: 'closed', message: 'fleet is not open' } };
    try {
      const res = await pool.request({
        path: this.basePath + path,
        method,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? null : JSON.stringify(body),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      let text: string;
      try {
        text = await res.body.text();
      } catch (error) {
        // The status arrived, the body did not: a 2xx might have been anything, so unknown.
        return { kind: 'unknown', error: opError(error, 'body-cut') };
      }
      return { kind: 'answer', status: res.statusCode, body: parse(text) };
    } catch (error) {
      const code = errorCode(error);
      return code !== undefined && NOT_SENT_CODES.has(code)
        ? { kind: 'not-sent', error: opError(error, code) }
        : { kind: 'unknown', error: opError(error, 'transport') };
    }
  }
}

function errorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
}

function opError(error: unknown, fallback: string): OpError {
  return {
    code: errorCode(error) ?? fallback,
    message: error instanceof Error ? error.message : String(error),
  };
}

function parse(text: string): unknown {
  if (text.length === 0) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
