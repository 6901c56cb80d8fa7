// Checkout throughput and latency of the correct reference store on the local
// stack (synchronous replication, store-a as its own process behind db-a, outbox
// relayed to Kafka): one hot SKU, and demand spread over 10,000 SKUs. Goal ≥ 1,000/s spread.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import pg from 'pg';
import { Pool } from 'undici';
import { postgresUrl, storeConfig } from '../src/reference-store/store-config.ts';
import { startStoreProcess } from '../src/reference-store/store-process.ts';
import { LocalStack } from '../src/stack/local-stack.ts';

export interface CheckoutBenchOptions {
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Requests in flight at once (closed loop). */
  readonly concurrency: number;
  readonly spreadSkus: number;
}

const DEFAULTS: CheckoutBenchOptions = {
  warmupMs: 2_000,
  durationMs: 10_000,
  concurrency: 64,
  spreadSkus: 10_000,
};
const STORE = 'S001';
const PRICE = 1_999;

interface CaseResult {
  readonly checkoutsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

/** Ledger entries written but not yet on inventory-events: shows whether the relay kept up. */
async function outboxLag(db: pg.ClientConfig): Promise<number> {
  const client = new pg.Client(db);
  await client.connect();
  try {
    const r = await client.query<{ lag: string }>(
      `SELECT coalesce((SELECT max(id) FROM ledger), 0) - published_through AS lag FROM ledger_publication`,
    );
    return Number(r.rows[0]?.lag ?? 0);
  } finally {
    await client.end();
  }
}

/** Closed-loop load: `concurrency` loops, each sending its next checkout when the last one answers. */
async function loadCase(
  pool: Pool,
  label: string,
  skuFor: (i: number) => string,
  options: CheckoutBenchOptions,
): Promise<CaseResult> {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  let measuring = false;
  let done = false;
  let ok = 0;
  let errors = 0;
  let seq = 0;
  const loop = async () => {
    while (!done) {
      const i = seq++;
      const body = JSON.stringify({
        channel: 'web',
        store: STORE,
        lines: [{ sku: skuFor(i), qty: 1 }],
        tenders: [{ kind: 'card', amountCents: PRICE }],
      });
      const started = process.hrtime.bigint();
      try {
        const res = await pool.request({
          method: 'POST',
          path: '/checkout',
          headers: { 'content-type': 'application/json', 'idempotency-key': `${label}-${i}-${randomUUID()}` },
          body,
        });
        await res.body.dump();
        const us = Number((process.hrtime.bigint() - started) / 1_000n);
        if (!measuring) continue;
        if (res.statusCode === 201) {
          ok++;
          histogram.recordValue(us);
        } else errors++;
      } catch {
        if (measuring) errors++;
      }
    }
  };
  const loops = Array.from({ length: options.concurrency }, loop);
  await new Promise((r) => setTimeout(r, options.warmupMs));
  measuring = true;
  const started = performance.now();
  await new Promise((r) => setTimeout(r, options.durationMs));
  measuring = false;
  const elapsedS = (performance.now() - started) / 1_000;
  done = true;
  await Promise.all(loops);
  return {
    checkoutsPerSec: Math.round(ok / elapsedS),
    p50Ms: histogram.getValueAtPercentile(50) / 1_000,
    p99Ms: histogram.getValueAtPercentile(99) / 1_000,
    errors,
  };
}

async function seed(url: string, skus: number): Promise<void> {
  const catalog = [
    { sku: 'HOT-1', priceCents: PRICE, stock: { [STORE]: 100_000_000 } },
    ...Array.from({ length: skus }, (_, i) => ({
      sku: `SKU-${String(i).padStart(5, '0')}`,
      priceCents: PRICE,
      stock: { [STORE]: 1_000_000 },
    })),
  ];
  for (const path of ['/admin/reset', '/admin/seed']) {
    const res = await fetch(new URL(path, url), {
      method: 'POST',
      headers: path === '/admin/seed' ? { 'content-type': 'application/json' } : {},
      body: path === '/admin/seed' ? JSON.stringify({ skus: catalog }) : undefined,
    });
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  }
}

export async function run(
  overrides: Partial<CheckoutBenchOptions> = {},
): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'peakdrill-bench-store-'));
  try {
    return await measure(dir, { ...DEFAULTS, ...overrides });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function measure(dir: string, options: CheckoutBenchOptions): Promise<Record<string, number | string>> {
  await using stack = await new LocalStack().withDir(dir).withReplication('sync').start();
  await using store = await startStoreProcess(
    storeConfig({
      region: 'a',
      pgUrl: postgresUrl(stack.postgres('postgres-a', 'proxy')),
      kafkaBrokers: stack.kafkaBrokers,
      logLevel: 'error',
    }),
  );
  await seed(store.url, options.spreadSkus);
  const pool = new Pool(store.url, { connections: options.concurrency, pipelining: 1 });
  const db = stack.postgres('postgres-a');
  try {
    const spread = await loadCase(
      pool,
      'spread',
      (i) => `SKU-${String((i * 7_919) % options.spreadSkus).padStart(5, '0')}`,
      options,
    );
    const spreadLag = await outboxLag(db);
    const hot = await loadCase(pool, 'hot', () => 'HOT-1', options);
    const hotLag = await outboxLag(db);
    const figures = {
      'spread.skus': options.spreadSkus,
      'spread.checkoutsPerSec': spread.checkoutsPerSec,
      'spread.p50Ms': spread.p50Ms,
      'spread.p99Ms': spread.p99Ms,
      'spread.errors': spread.errors,
      'spread.outboxLagAtEnd': spreadLag,
      'hot.checkoutsPerSec': hot.checkoutsPerSec,
      'hot.p50Ms': hot.p50Ms,
      'hot.p99Ms': hot.p99Ms,
      'hot.errors': hot.errors,
      'hot.outboxLagAtEnd': hotLag,
      'hot/spread': Number((hot.checkoutsPerSec / Math.max(1, spread.checkoutsPerSec)).toFixed(2)),
      concurrency: options.concurrency,
      replication: 'sync',
      goal: 'spread.checkoutsPerSec >= 1000',
    };
    console.log(
      `reference-store checkout (sync replication, ${options.concurrency} in flight):\n` +
        `  spread over ${options.spreadSkus} SKUs: ${spread.checkoutsPerSec}/s  p50 ${spread.p50Ms} ms  p99 ${spread.p99Ms} ms  errors ${spread.errors}\n` +
        `  one hot SKU:            ${hot.checkoutsPerSec}/s  p50 ${hot.p50Ms} ms  p99 ${hot.p99Ms} ms  errors ${hot.errors}\n` +
        `  hot/spread ${figures['hot/spread']}  (goal: ≥ 1,000/s spread); ledger entries not yet on Kafka at the end: ${spreadLag} / ${hotLag}`,
    );
    return figures;
  } finally {
    await pool.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}
