// JSON over HTTP to the store's API on undici Pools (keep-alive). Never
// throws: a request either got an answer, or provably never left (the
// connection did not open), or its fate is unknown (timed out, cut).
// With one URL per region it fails over on the client side, as retail apps and
// POS uplinks with a secondary endpoint (or a GSLB shifting DNS) do.
import { Pool } from 'undici';
import { neverSent } from '../../engines/never-sent.ts';
import { PeakdrillError } from '../../model/errors.ts';
import type { OpError } from '../../model/history-entry.ts';

export type HttpOutcome =
  | { readonly kind: 'answer'; readonly status: number; readonly body: unknown }
  /** The connection never opened: the SUT cannot have seen the request. */
  | { readonly kind: 'not-sent'; readonly error: OpError }
  /** Sent, or maybe sent, with no answer: the SUT may or may not have acted on it. */
  | { readonly kind: 'unknown'; readonly error: OpError };

export interface StoreHttpOptions {
  /**
   * e.g. http://127.0.0.1:8080 (through a proxy to put faults on the link), or one URL
   * per region, preferred first. A request that provably never reached a region, or that
   * a standby refused (503 not-writable), is sent to the next region at once — neither
   * can have been applied — and later requests stay with the region that answered.
   */
  readonly baseUrl: string | readonly string[];
  readonly connections?: number;
}

interface Region {
  readonly origin: string;
  readonly basePath: string;
  pool: Pool | null;
}

export class StoreHttp {
  private readonly regions: Region[];
  private readonly connections: number;
  private open_ = false;
  /** The region requests go to first. */
  private active = 0;

  constructor(options: StoreHttpOptions) {
    const urls = typeof options.baseUrl === 'string' ? [options.baseUrl] : [...options.baseUrl];
    if (urls.length === 0) throw new PeakdrillError('PEAKDRILL_ERR_USAGE', 'fleet: no store URL given');
    this.regions = urls.map((raw) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch (cause) {
        throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `fleet: store URL ${raw} is not a URL`, { cause });
      }
      return { origin: url.origin, basePath: url.pathname.replace(/\/$/, ''), pool: null };
    });
    this.connections = options.connections ?? 32;
  }

  /** The base URL requests currently go to first. */
  get activeUrl(): string {
    const r = this.regions[this.active]!;
    return r.origin + r.basePath;
  }

  open(): void {
    this.open_ = true;
  }

  async close(): Promise<void> {
    this.open_ = false;
    const pools = this.regions.map((r) => r.pool);
    for (const r of this.regions) r.pool = null;
    // destroy: requests still out belong to ops the scheduler already recorded as info.
    await Promise.all(pools.map((p) => p?.destroy()));
  }

  async request(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    headers: Record<string, string> | undefined,
    timeoutMs: number,
  ): Promise<HttpOutcome> {
    if (!this.open_) return { kind: 'not-sent', error: { code: 'closed', message: 'fleet is not open' } };
    const first = this.active;
    let outcome = await this.send(this.regions[first]!, method, path, body, headers, timeoutMs);
    for (let i = 1; i < this.regions.length && refusedUnapplied(outcome); i++) {
      const next = (first + i) % this.regions.length;
      const retried = await this.send(this.regions[next]!, method, path, body, headers, timeoutMs);
      if (!refusedUnapplied(retried)) {
        // Later requests stay with the region that took this one.
        this.active = next;
        return retried;
      }
      // Every region said no so far: an answer tells the fleet more than a refused connection.
      if (retried.kind === 'answer') outcome = retried;
    }
    return outcome;
  }

  private pool(region: Region): Pool {
    region.pool ??= new Pool(region.origin, {
      connections: this.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connectTimeout: 5_000,
    });
    return region.pool;
  }

  private async send(
    region: Region,
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    headers: Record<string, string> | undefined,
    timeoutMs: number,
  ): Promise<HttpOutcome> {
    const pool = this.pool(region);
    const basePath = region.basePath;
    try {
      const res = await pool.request({
        path: basePath + path,
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
      return neverSent(code)
        ? { kind: 'not-sent', error: opError(error, code) }
        : { kind: 'unknown', error: opError(error, 'transport') };
    }
  }
}

/** Provably not applied by the region asked, so safe to send to another: never reached, or a standby said no. */
function refusedUnapplied(outcome: HttpOutcome): boolean {
  if (outcome.kind === 'not-sent') return true;
  if (outcome.kind !== 'answer' || outcome.status !== 503) return false;
  // The store's error body: { error: <code>, message, outcome }.
  return (outcome.body as { error?: unknown } | null)?.error === 'not-writable';
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
