// GraphQL over HTTP to one Vendure API (shop or admin) on an undici Pool. Never
// throws: a request got an answer, provably never left (the connection did not
// open), or its fate is unknown (timed out, cut). The session is Vendure's
// bearer token: sent as `Authorization`, renewed from the `vendure-auth-token` header.
import { Pool } from 'undici';
import { neverSent } from '../../engines/never-sent.ts';
import type { OpError } from '../../model/history-entry.ts';

export interface GraphqlError {
  readonly message: string;
  readonly code?: string;
}

export type GraphqlOutcome<T> =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly data: T | null;
      readonly errors: readonly GraphqlError[];
    }
  /** The connection never opened: Vendure cannot have seen the request. */
  | { readonly kind: 'not-sent'; readonly error: OpError }
  /** Sent, or maybe sent, with no readable answer: Vendure may or may not have acted on it. */
  | { readonly kind: 'unknown'; readonly error: OpError };

/** One shopper's (or the admin's) session; the token arrives with the first answer. */
export interface VendureSession {
  token?: string;
}

export const AUTH_TOKEN_HEADER = 'vendure-auth-token';

export interface VendureGraphqlOptions {
  readonly connections?: number;
  /** Per request: headers and body must both arrive within it. */
  readonly timeoutMs?: number;
}

export class VendureGraphql {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly timeoutMs: number;

  /** `url` is an API endpoint, e.g. http://127.0.0.1:3000/shop-api. */
  constructor(url: string, options: VendureGraphqlOptions = {}) {
    const parsed = new URL(url);
    this.path = parsed.pathname;
    this.pool = new Pool(parsed.origin, { connections: options.connections ?? 16, pipelining: 1 });
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async request<T>(
    query: string,
    variables: Record<string, unknown>,
    session: VendureSession,
  ): Promise<GraphqlOutcome<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (session.token) headers.authorization = `Bearer ${session.token}`;
    let status: number;
    let text: string;
    try {
      const res = await this.pool.request({
        path: this.path,
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      status = res.statusCode;
      const token = res.headers[AUTH_TOKEN_HEADER];
      if (typeof token === 'string' && token !== '') session.token = token;
      text = await res.body.text();
    } catch (error) {
      return transportOutcome(error);
    }
    return parseAnswer<T>(status, text);
  }

  async close(): Promise<void> {
    // destroy, not close: requests still out belong to ops already recorded as info.
    await this.pool.destroy();
  }
}

// Through Toxiproxy a connection always opens (to the proxy), so a dead Vendure
// behind it shows up as a cut socket: unknown, never not-sent. That is right:
// the client cannot tell a refused upstream from a request lost after arrival.
function transportOutcome(error: unknown): GraphqlOutcome<never> {
  const e = error as NodeJS.ErrnoException;
  const code = e.code ?? 'transport-error';
  const opError: OpError = { code, message: e.message };
  return neverSent(code) ? { kind: 'not-sent', error: opError } : { kind: 'unknown', error: opError };
}

function parseAnswer<T>(status: number, text: string): GraphqlOutcome<T> {
  let body: { data?: T | null; errors?: { message?: string; extensions?: { code?: string } }[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return {
      kind: 'unknown',
      error: { code: `http-${status}`, message: `unreadable answer: ${text.slice(0, 200)}` },
    };
  }
  const errors = (body.errors ?? []).map((e) => {
    const err: GraphqlError = { message: e.message ?? 'unknown GraphQL error' };
    return e.extensions?.code ? { ...err, code: e.extensions.code } : err;
  });
  return { kind: 'answer', status, data: body.data ?? null, errors };
}
