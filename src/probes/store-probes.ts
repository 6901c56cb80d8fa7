// The two probes every run has against a store API with the reference store's
// shape: a small checkout per region (is this region selling? — availability
// and RTO) and a cross-region read after a write (how long until the other
// region sees it — propagation). Each sample is its own request with its own
// idempotency key, so a probe never retries into a duplicate.
import { Pool } from 'undici';
import type { RunClock } from '../history/run-clock.ts';
import { PROBE } from '../model/op-values.ts';
import type { ProbeResult, ProbeSpec } from './probe-runner.ts';

export interface StoreRegion {
  readonly name: string;
  readonly url: string;
}

export interface ProbeCheckout {
  /** The probe SKU (seeded with stock that outlasts any run) and where it is sold. */
  readonly sku: string;
  readonly store: string;
  readonly priceCents: number;
}

/** One keep-alive pool per region for all probes, closed at the end of the run. */
export class ProbePools {
  private readonly pools = new Map<string, Pool>();

  get(url: string): Pool {
    const origin = new URL(url).origin;
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, { connections: 4, keepAliveTimeout: 10_000, connectTimeout: 1_000 });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy()));
  }
}

let sampleSeq = 0;

function probeKey(runId: string, what: string): string {
  sampleSeq += 1;
  return `${runId}:probe:${what}:${sampleSeq}`;
}

async function postCheckout(
  pools: ProbePools,
  region: StoreRegion,
  checkout: ProbeCheckout,
  key: string,
  signal: AbortSignal,
): Promise<{ ok: true; orderId: string; writer: string | undefined } | { ok: false; error: string }> {
  try {
    const res = await pools.get(region.url).request({
      path: `${new URL(region.url).pathname.replace(/\/$/, '')}/checkout`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({
        channel: 'web',
        store: checkout.store,
        lines: [{ sku: checkout.sku, qty: 1 }],
        // The store refuses a sale whose tenders do not add up to its price (tender-mismatch).
        tenders: [{ kind: 'card', amountCents: checkout.priceCents }],
      }),
      signal,
    });
    const text = await res.body.text();
    let body = null as { orderId?: unknown; code?: unknown; region?: unknown } | null;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // A proxy or a dying process can answer with anything; the status still says enough.
    }
    if (res.statusCode >= 200 && res.statusCode < 300 && typeof body?.orderId === 'string') {
      // The region that took the write, which is not the probed site's once a cutover moved its edge.
      return {
        ok: true,
        orderId: body.orderId,
        writer: typeof body.region === 'string' ? body.region : undefined,
      };
    }
    return {
      ok: false,
      error: `${res.statusCode} ${typeof body?.code === 'string' ? body.code : ''}`.trim(),
    };
  } catch (error) {
    const e = error as { code?: string; name?: string; message?: string };
    return { ok: false, error: e.code ?? e.name ?? String(e.message) };
  }
}

/** A checkout of the probe SKU in one region; ok when that region sold it. */
export function checkoutProbe(options: {
  runId: string;
  region: StoreRegion;
  checkout: ProbeCheckout;
  pools: ProbePools;
  everyMs: number;
  timeoutMs?: number;
}): ProbeSpec {
  const { runId, region, checkout, pools } = options;
  return {
    name: PROBE.checkout,
    region: region.name,
    everyMs: options.everyMs,
    timeoutMs: options.timeoutMs ?? Math.max(1_000, options.everyMs * 5),
    async sample(signal): Promise<ProbeResult> {
      const result = await postCheckout(pools, region, checkout, probeKey(runId, region.name), signal);
      return result.ok
        ? {
            ok: true,
            value: {
              sku: checkout.sku,
              orderId: result.orderId,
              ...(result.writer === undefined ? {} : { writer: result.writer }),
            },
          }
        : { ok: false, value: { sku: checkout.sku, error: result.error } };
    },
  };
}

/**
 * A checkout in whichever region takes writes, then reads of that order in the
 * other region until it shows up: the replication lag a shopper would see.
 */
export function propagationProbe(options: {
  runId: string;
  regions: readonly [StoreRegion, StoreRegion];
  checkout: ProbeCheckout;
  pools: ProbePools;
  clock: RunClock;
  everyMs: number;
  timeoutMs?: number;
  pollMs?: number;
}): ProbeSpec {
  const { runId, regions, checkout, pools, clock } = options;
  const pollMs = options.pollMs ?? 5;
  let writer = 0;
  return {
    name: PROBE.propagation,
    everyMs: options.everyMs,
    timeoutMs: options.timeoutMs ?? 5_000,
    async sample(signal): Promise<ProbeResult> {
      // Try the region that took the last write first; the other one if it will not take this one.
      let from = regions[writer]!;
      const key = probeKey(runId, 'propagation');
      let written = await postCheckout(pools, from, checkout, key, signal);
      if (!written.ok) {
        writer = 1 - writer;
        from = regions[writer]!;
        written = await postCheckout(pools, from, checkout, key, signal);
      }
      const to = regions[1 - writer]!;
      const writtenNs = clock.nowNs();
      if (!written.ok) {
        return { ok: false, value: { key, from: from.name, to: to.name, writtenNs } };
      }
      const path = `${new URL(to.url).pathname.replace(/\/$/, '')}/orders/${encodeURIComponent(written.orderId)}`;
      while (!signal.aborted) {
        try {
          const res = await pools.get(to.url).request({ path, method: 'GET', signal });
          await res.body.dump();
          if (res.statusCode === 200) {
            return {
              ok: true,
              value: {
                key: written.orderId,
                from: from.name,
                to: to.name,
                writtenNs,
                visibleNs: clock.nowNs(),
              },
            };
          }
        } catch {
          // The other region is down or slow: keep asking until the sample's deadline.
        }
        await new Promise((r) => setTimeout(r, pollMs));
      }
      return { ok: false, value: { key: written.orderId, from: from.name, to: to.name, writtenNs } };
    },
  };
}
