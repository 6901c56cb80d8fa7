// A realistic run directory for report and CLI tests, made without a stack:
// a region-failover rehearsal of `durationS` seconds with a few thousand
// checkouts, returns, stock reads and offline syncs, region a lost for 15 s
// (failover after 7 s), checkout and propagation probes in both regions, and a
// final state that misses three sales region a acknowledged just before it was
// lost. Deterministic for a seed. `peakdrill check` on it fails rto and lost_acks;
// with `clean` nothing is lost and the assertions are ones the run meets: it passes.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '../../../simulators/seeded-draw.ts';
import type { FinalStateInput } from '../../model/final-state.ts';
import type { CatalogFile, RunInfo } from '../../run/run-directory.ts';
import { HistoryFile } from './history-file.ts';

export interface FixtureRunOptions {
  readonly runId?: string;
  readonly seed?: number;
  readonly durationS?: number;
  /** Ops per second offered (default 50: 3,000 ops a minute). */
  readonly rate?: number;
  /** Leave state.json out, as when the oracle could not read the final state. */
  readonly withoutState?: boolean;
  /** No lost sales and assertions the run meets (rto <60s): a passing run. */
  readonly clean?: boolean;
}

export interface FixtureRun {
  readonly dir: string;
  readonly runId: string;
  readonly ops: number;
  readonly lostOrderIds: readonly string[];
}

/** The region loss's times in a run of 40 s or more; a shorter run gets them scaled, so probes see it heal. */
const FAULT_TIMES = { start: 20_000, failover: 27_000, stop: 35_000 } as const;

function faultTimes(durationMs: number): { start: number; failover: number; stop: number } {
  if (durationMs >= 40_000) return FAULT_TIMES;
  const scale = durationMs / 50_000;
  return {
    start: Math.round(FAULT_TIMES.start * scale),
    failover: Math.round(FAULT_TIMES.failover * scale),
    stop: Math.round(FAULT_TIMES.stop * scale),
  };
}
const STORES = ['S001', 'S002', 'S003', 'S004'];
const HOT = ['SKU-0001', 'SKU-0002', 'SKU-0003'];
const COLD = ['SKU-0004', 'SKU-0005', 'SKU-0006', 'SKU-0007', 'SKU-0008', 'SKU-0009', 'SKU-0010'];
const PRICE = 2_500;

export async function writeFixtureRun(dir: string, options: FixtureRunOptions = {}): Promise<FixtureRun> {
  const runId = options.runId ?? 'fixture-run';
  const seed = options.seed ?? 1;
  const durationMs = (options.durationS ?? 60) * 1_000;
  const { start: FAULT_START_MS, failover: FAILOVER_MS, stop: FAULT_STOP_MS } = faultTimes(durationMs);
  const rate = options.rate ?? 50;
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  await mkdir(join(dir, 'logs'), { recursive: true });

  const catalog: CatalogFile = {
    probeSku: 'PROBE-0001',
    hotSkus: HOT,
    skus: [...HOT, ...COLD].map((sku) => ({
      sku,
      priceCents: PRICE,
      stock: Object.fromEntries(STORES.map((s) => [s, HOT.includes(sku) ? 120 : 1_000])),
    })),
  };
  const stock = new Map<string, number>();
  for (const s of catalog.skus)
    for (const [store, n] of Object.entries(s.stock)) stock.set(`${s.sku}|${store}`, n);

  const h = new HistoryFile(runId);
  type Order = {
    orderId: string;
    idempotencyKey: string | null;
    offlineSaleId?: string;
    store: string;
    lines: { sku: string; qty: number; returnedQty?: number }[];
    tenders: { type: string; amountCents: number }[];
  };
  const orders: Order[] = [];
  const returns: { returnId: string; orderId: string; idempotencyKey: string }[] = [];
  const refunds: {
    returnId: string;
    orderId: string;
    tender: string;
    amountCents: number;
    idempotencyKey: string;
  }[] = [];
  const offlineSales: { saleId: string; batchId: string; orderId: string }[] = [];
  const lost: string[] = [];
  const ledger: {
    seq: number;
    sku: string;
    store: string;
    delta: number;
    reason: string;
    refType: string;
    refId: string;
  }[] = [];
  const book = (sku: string, store: string, delta: number, reason: string, refType: string, refId: string) =>
    ledger.push({ seq: ledger.length + 1, sku, store, delta, reason, refType, refId });
  for (const s of catalog.skus)
    for (const [store, n] of Object.entries(s.stock)) book(s.sku, store, n, 'seed', 'seed', s.sku);
  let seq = 0;

  // One writer at a time, as the reference store is: a until it is lost, then b. (The pick
  // keeps the fixture's random sequence, and so every figure tests read from it, as it was.)
  const regionAt = (at: number) => {
    if (at >= FAILOVER_MS) return 'b';
    pick(['a', 'b']);
    return 'a';
  };
  const down = (region: string, at: number) =>
    at >= FAULT_START_MS && at < FAULT_STOP_MS && (region === 'a' || at < FAILOVER_MS);
  const latency = (at: number) => {
    const base = 15 + 60 * random() ** 3;
    const slow = at >= FAULT_START_MS && at < FAILOVER_MS + 3_000 ? 300 * random() : 0;
    return Math.round((base + slow) * 1_000) / 1_000;
  };

  const interval = 1_000 / rate;
  let ops = 0;
  for (let at = 0; at < durationMs - 500; at += interval * (0.5 + random())) {
    ops++;
    const region = regionAt(at);
    const store = pick(STORES);
    const r = random();
    if (down(region, at)) {
      // Region lost: the request times out (maybe happened) or is refused (did not).
      const timedOut = random() < 0.6;
      h.op('checkout', {
        at,
        took: timedOut ? 2_000 : 5,
        outcome: timedOut ? 'info' : 'fail',
        code: timedOut ? 'timeout' : 'unavailable',
        value: {
          channel: 'web',
          store,
          lines: [{ sku: pick(HOT), qty: 1 }],
          tenders: [{ type: 'card', amountCents: PRICE }],
          idempotencyKey: `k-${++seq}`,
        },
      });
      continue;
    }
    if (r < 0.82 || orders.length < 10) {
      const sku = random() < 0.7 ? pick(HOT) : pick(COLD);
      const qty = random() < 0.85 ? 1 : 2;
      const key = `k-${++seq}`;
      const value = {
        channel: pick(['web', 'pos']),
        store,
        lines: [{ sku, qty }],
        tenders: [{ type: 'card', amountCents: PRICE * qty }],
        idempotencyKey: key,
      };
      const left = stock.get(`${sku}|${store}`)!;
      if (left < qty) {
        h.op('checkout', { at, took: latency(at), outcome: 'fail', code: 'out-of-stock', value });
        continue;
      }
      stock.set(`${sku}|${store}`, left - qty);
      const orderId = `O-${seq}`;
      h.op('checkout', {
        at,
        took: latency(at),
        value,
        result: { orderId, lines: [{ sku, qty }], totalCents: PRICE * qty, tenders: value.tenders, region },
      });
      // Acknowledged by region a in the last moments before it was lost, never replicated.
      if (!options.clean && region === 'a' && at > FAULT_START_MS - 400 && lost.length < 3) {
        lost.push(orderId);
        // Never replicated: region b's counter and ledger do not know this sale either.
        stock.set(`${sku}|${store}`, left);
      } else {
        orders.push({ orderId, idempotencyKey: key, store, lines: [{ sku, qty }], tenders: value.tenders });
        book(sku, store, -qty, 'sale', 'order', orderId);
      }
    } else if (r < 0.9) {
      const order = pick(orders);
      const line = order.lines[0]!;
      const key = `r-${++seq}`;
      const value = {
        orderId: order.orderId,
        store: order.store,
        lines: [{ sku: line.sku, qty: 1 }],
        idempotencyKey: key,
      };
      if ((line.returnedQty ?? 0) >= line.qty || order.offlineSaleId !== undefined) {
        h.op('return', { at, took: latency(at), outcome: 'fail', code: 'nothing-to-return', value });
        continue;
      }
      line.returnedQty = (line.returnedQty ?? 0) + 1;
      stock.set(`${line.sku}|${order.store}`, stock.get(`${line.sku}|${order.store}`)! + 1);
      const returnId = `R-${seq}`;
      book(line.sku, order.store, 1, 'return', 'return', returnId);
      returns.push({ returnId, orderId: order.orderId, idempotencyKey: key });
      refunds.push({
        returnId,
        orderId: order.orderId,
        tender: 'card',
        amountCents: PRICE,
        idempotencyKey: key,
      });
      h.op('return', {
        at,
        took: latency(at),
        value,
        result: { returnId, orderId: order.orderId, refunds: [{ type: 'card', amountCents: PRICE }], region },
      });
    } else if (r < 0.97) {
      const sku = pick([...HOT, ...COLD]);
      h.op('read-stock', {
        at,
        took: latency(at),
        value: { sku, store },
        result: { sku, total: stock.get(`${sku}|${store}`)! },
      });
    } else {
      const batchId = `B-${++seq}`;
      const sales = [0, 1].map((i) => ({
        saleId: `${batchId}-${i}`,
        lines: [{ sku: pick(COLD), qty: 1 }],
        tenders: [{ type: 'cash', amountCents: PRICE }],
      }));
      for (const sale of sales) {
        const line = sale.lines[0]!;
        stock.set(`${line.sku}|${store}`, stock.get(`${line.sku}|${store}`)! - 1);
        const orderId = `O-${sale.saleId}`;
        book(line.sku, store, -1, 'offline-sale', 'offline-sale', sale.saleId);
        orders.push({
          orderId,
          idempotencyKey: null,
          offlineSaleId: sale.saleId,
          store,
          lines: sale.lines,
          tenders: sale.tenders,
        });
        offlineSales.push({ saleId: sale.saleId, batchId, orderId });
      }
      h.op('offline-sync', {
        at,
        took: latency(at) * 3,
        value: { terminal: `${store}-T1`, store, batchId, sales },
        result: {
          batchId,
          sales: sales.map((s) => ({ saleId: s.saleId, status: 'applied', orderId: `O-${s.saleId}` })),
        },
      });
    }
  }

  h.fault('lose-region-a', 'region-loss', FAULT_START_MS, FAULT_STOP_MS, 'a');
  for (let at = 100; at < durationMs - 200; at += 100) {
    for (const region of ['a', 'b']) {
      // b is a standby (refuses writes) until it takes over; a comes back fenced.
      const ok = region === 'a' ? at < FAULT_START_MS : at >= FAILOVER_MS;
      h.probe('checkout-probe', at + (region === 'b' ? 37 : 0), ok, {
        region,
        latencyMs: ok ? 8 + 10 * random() : 1_000,
        value: ok ? { sku: 'PROBE-0001', orderId: `P-${region}-${at}` } : { error: 'connect ECONNREFUSED' },
      });
    }
  }
  for (let at = 250; at < durationMs - 500; at += 500) {
    const writtenNs = Math.round(at * 1e6);
    const visible = !down('a', at) && !down('b', at);
    const lag = visible
      ? 30 + 50 * random() + (at > FAULT_STOP_MS && at < FAULT_STOP_MS + 5_000 ? 400 : 0)
      : 0;
    h.probe('propagation', at + (visible ? lag : 200), visible, {
      value: visible
        ? {
            key: 'PROBE-PROPAGATION',
            from: 'a',
            to: 'b',
            writtenNs,
            visibleNs: writtenNs + Math.round(lag * 1e6),
          }
        : { key: 'PROBE-PROPAGATION', from: 'a', to: 'b', writtenNs },
    });
  }
  h.end(durationMs);
  await h.write(join(dir, 'history.ndjson'));

  const scenario = {
    name: 'region-failover',
    description: 'Region a lost mid-sale, failover to region b (report fixture)',
    traffic: {
      profile: 'flash-sale',
      duration: durationMs,
      stores: STORES.length,
      skus: HOT.length + COLD.length,
    },
    speed: 1,
    seed,
    faults: [
      {
        name: 'lose-region-a',
        fault: { kind: 'region-loss', target: 'a' },
        at: FAULT_START_MS,
        for: FAULT_STOP_MS - FAULT_START_MS,
      },
    ],
    assertions: options.clean
      ? { rto: '<60s', lost_acks: '==0', oversold_units: '==0' }
      : { rto: '<5s', lost_acks: '==0', oversold_units: '==0', checkout_latency: 'p(99)<2500' },
  };
  const started = Date.parse('2025-11-21T17:00:00.000Z');
  const info: RunInfo = {
    runId,
    scenario: scenario.name,
    seed,
    speed: 1,
    defect: 'ack-before-replication',
    engine: 'node',
    stack: 'local',
    versions: { peakdrill: '0.1.0', postgres: '15.18', node: 'v24.21.0' },
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(started + durationMs + 4_000).toISOString(),
    status: 'completed',
  };
  const state: FinalStateInput = {
    schemaVersion: 1,
    // Every fixture refund goes back to the one card the order was paid with.
    refundPolicy: 'last-tender-first',
    authoritativeRegion: 'b',
    regions: {
      b: {
        region: 'b',
        role: 'primary',
        skus: catalog.skus.map((s) => s.sku),
        orders: orders.map((o) => ({
          orderId: o.orderId,
          idempotencyKey: o.idempotencyKey,
          offlineSaleId: o.offlineSaleId ?? null,
          store: o.store,
          lines: o.lines.map((l) => ({ sku: l.sku, qty: l.qty, returnedQty: l.returnedQty ?? 0 })),
          tenders: o.tenders,
        })),
        returns,
        refunds,
        stock: [...stock].map(([k, onHand]) => {
          const [sku, store] = k.split('|') as [string, string];
          return { sku, store, onHand };
        }),
        ledger,
        available: catalog.skus.flatMap((s) =>
          Object.entries(s.stock).map(([store, qty]) => ({ sku: s.sku, store, qty, source: 'seed' })),
        ),
        offlineSales,
      },
    },
  };
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  await writeFile(join(dir, 'scenario.json'), json(scenario));
  await writeFile(join(dir, 'catalog.json'), json(catalog));
  await writeFile(join(dir, 'run.json'), json(info));
  if (options.withoutState !== true) await writeFile(join(dir, 'state.json'), json(state));
  await writeFile(join(dir, 'logs', 'store-a.log'), 'store-a: listening\n');
  return { dir, runId, ops, lostOrderIds: lost };
}
