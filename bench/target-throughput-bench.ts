// Which side limits a rehearsal: each target's own checkout throughput on this
// machine, through its codec (the path every fleet uses), closed loop with 16
// shoppers in flight for 10 s, on a fresh local stack per target, the same
// catalog (50 SKUs with stock that outlasts the run). Reference store beside
// Vendure, same run. Figures, not a gate.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'hdr-histogram-js';
import type { SeedSku } from '../src/run/run-catalog.ts';
import { findTarget } from '../src/targets/target-registry.ts';

const IN_FLIGHT = 16;
const SECONDS = 10;
const CATALOG: SeedSku[] = Array.from({ length: 50 }, (_, i) => ({
  sku: `BENCH-${String(i).padStart(3, '0')}`,
  priceCents: 1_000 + i,
  stock: { S001: 1_000_000 },
}));

async function measure(name: string): Promise<Record<string, number>> {
  const base = join(tmpdir(), `peakdrill-${process.getuid?.() ?? 'user'}`);
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, 'bench-'));
  const target = await findTarget(name).startLocal({
    dir,
    runDir: dir,
    scenarioStore: { replication: 'async', failover: 'manual', detection: 3_000 },
    env: process.env,
    log: () => {},
  });
  try {
    await target.resetAndSeed(CATALOG);
    const channel = target.codec.channel(target.sites[0]!.url, { connections: IN_FLIGHT });
    channel.open();
    const latency = build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 60_000_000,
      numberOfSignificantValueDigits: 3,
    });
    let ok = 0;
    let other = 0;
    let next = 0;
    const until = performance.now() + SECONDS * 1_000;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (performance.now() < until) {
          const i = next++;
          const sku = CATALOG[i % CATALOG.length]!;
          const started = performance.now();
          const sent = await channel.send({
            op: 'checkout',
            value: {
              idempotencyKey: `bench-${name}-${i}`,
              channel: 'web',
              store: 'S001',
              lines: [{ sku: sku.sku, qty: 1 }],
              tenders: [{ type: 'card', amountCents: sku.priceCents }],
            },
            timeoutMs: 10_000,
          });
          latency.recordValue(Math.max(1, Math.round((performance.now() - started) * 1_000)));
          if (sent.completion.type === 'ok') ok++;
          else other++;
        }
      }),
    );
    await channel.close();
    return {
      [`${name} checkouts ok/s`]: Math.round((ok / SECONDS) * 10) / 10,
      [`${name} not ok`]: other,
      [`${name} latency p50 ms`]: latency.getValueAtPercentile(50) / 1_000,
      [`${name} latency p99 ms`]: latency.getValueAtPercentile(99) / 1_000,
    };
  } finally {
    await target.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, number | string>> {
  const store = await measure('reference-store');
  const vendure = await measure('vendure');
  const ratio = vendure['vendure checkouts ok/s']! / Math.max(1, store['reference-store checkouts ok/s']!);
  return { ...store, ...vendure, 'vendure / reference store': Math.round(ratio * 1_000) / 1_000 };
}
