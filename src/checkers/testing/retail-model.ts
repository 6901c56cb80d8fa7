// A correct retail store, simulated: seeded traffic (checkouts, returns, offline
// syncs, webhooks with duplicates and reordering, scans, reads) with ok, fail and
// info outcomes and retries, plus probes and a region-loss failover. It emits the
// history it would produce and returns the final state it would hold, so property
// tests and the benchmark have histories no correct checker may fail. Anomalies
// are injected into the result afterwards (see the inject* functions).
import { seededRandom } from '../../../simulators/seeded-draw.ts';
import type {
  FinalAvailability,
  FinalEvent,
  FinalLedgerEntry,
  FinalOrder,
  FinalRefund,
  FinalReturn,
  FinalState,
  RegionState,
} from '../../model/final-state.ts';
import type { HistoryEntry } from '../../model/history-entry.ts';

export interface RetailModelOptions {
  readonly seed: number;
  readonly ops: number;
  readonly skus?: number;
  readonly stores?: number;
  /** A region-loss failover (a → b) from 30% to 60% of the run, with probes. */
  readonly faults?: boolean;
  /** Share of ops that end `info` (applied or not, a coin decides). */
  readonly infoRate?: number;
  /** Keep region a's copy too (identical with synchronous replication). */
  readonly bothRegions?: boolean;
}

export interface RetailModelResult {
  readonly state: FinalState;
  /** Orders whose checkout was acknowledged `ok`. */
  readonly ackedOrders: readonly string[];
  readonly endNs: number;
  readonly entries: number;
}

const MS = 1_000_000;
const TENDERS = ['card', 'debit', 'gift_card', 'cash'] as const;

interface Line {
  sku: string;
  qty: number;
  epc?: string;
}

interface PendingRetry {
  f: string;
  value: unknown;
  apply: () => { ok: unknown } | { fail: string };
}

interface ScanEvent {
  scanId: string;
  kind: 'cycle-count' | 'receiving' | 'adjustment';
  sku: string;
  store: string;
  sequence: number;
  qty: number;
}

interface WebhookEvent {
  eventId: string;
  sku: string;
  sequence: number;
  delta?: number;
  absolute?: number;
}

export function runRetailModel(opts: RetailModelOptions, emit: (e: HistoryEntry) => void): RetailModelResult {
  const rand = seededRandom(opts.seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const infoRate = opts.infoRate ?? 0.05;
  const skuCount = opts.skus ?? 50;
  const stores = Array.from({ length: opts.stores ?? 2 }, (_, i) => `S${String(i + 1).padStart(3, '0')}`);
  const webStore = stores[0]!;

  const skus = Array.from({ length: skuCount }, (_, i) => `SKU-${i}`);
  const serialized = skus.slice(0, Math.max(1, Math.floor(skuCount / 20)));
  const plain = skus.slice(serialized.length);
  const price = new Map(skus.map((s, i) => [s, 100 + ((i * 37) % 50) * 10]));

  const stock = new Map<string, number>();
  const ledger: FinalLedgerEntry[] = [];
  const available: FinalAvailability[] = [];
  const orders: FinalOrder[] = [];
  const ordersById = new Map<string, FinalOrder>();
  const returns: FinalReturn[] = [];
  const refunds: FinalRefund[] = [];
  const refundedOf = new Map<string, number>(); // tenderId → cents refunded
  const webhookEvents = new Map<string, FinalEvent>();
  const scanEvents = new Map<string, FinalEvent>();
  const offlineSales: RegionState['offlineSales'] = [];
  const saleApplied = new Map<string, { orderId: string; backordered: number }>();
  const epcHolder = new Map<string, string | null>();
  const epcsOf = new Map<string, string[]>();
  const ackedOrders: string[] = [];
  /** When each order's checkout was first acknowledged: only then can a client return it. */
  const ackedAt = new Map<string, number>();
  let seq = 0;
  let n = 0;
  const sk = (sku: string, store: string) => `${sku}|${store}`;

  const change = (
    sku: string,
    store: string,
    delta: number,
    reason: string,
    refType: string,
    refId: string,
    extra: Partial<FinalLedgerEntry> = {},
  ) => {
    const k = sk(sku, store);
    stock.set(k, (stock.get(k) ?? 0) + delta);
    ledger.push({
      seq: ++seq,
      sku,
      store,
      delta,
      reason,
      refType,
      refId,
      idempotencyKey: null,
      batchId: null,
      absolute: false,
      ...extra,
    });
  };

  // Seed the catalog.
  for (const sku of plain) {
    for (const store of stores) {
      const qty = int(20, 200);
      change(sku, store, qty, 'seed', 'seed', 'seed');
      available.push({ sku, store, qty, source: 'seed' });
    }
  }
  for (const sku of serialized) {
    const epcs = Array.from({ length: 10 }, (_, i) => `EPC-${sku}-${i}`);
    epcsOf.set(sku, epcs);
    for (const e of epcs) epcHolder.set(e, null);
    change(sku, webStore, epcs.length, 'seed', 'seed', 'seed');
    available.push({ sku, store: webStore, qty: epcs.length, source: 'seed' });
  }

  // ---- history plumbing --------------------------------------------------
  let t = 0;
  let entries = 0;
  const out = (e: HistoryEntry) => {
    entries++;
    emit(e);
  };
  out({
    type: 'run',
    version: 1,
    runId: `model-${opts.seed}`,
    startedAt: '2025-11-21T17:00:00.000Z',
    t0: '0',
  });
  let lastCompletedNs = 0;
  const record = (
    f: string,
    value: unknown,
    outcome: { ok: unknown } | { fail: string } | { info: true },
  ) => {
    const op = `model-${opts.seed}:${++n}`;
    const at = t;
    const lat = int(1, 20) * MS + int(0, 999) * 1_000;
    const process = `dev-${n % 64}`;
    out({ type: 'invoke', op, process, f, value, scheduledNs: at, sentNs: at, latenessMs: 0 });
    const base = { op, process, f, completedNs: at + lat, latencyMs: lat / MS };
    lastCompletedNs = at + lat;
    if ('ok' in outcome) out({ type: 'ok', ...base, value: outcome.ok });
    else if ('fail' in outcome)
      out({ type: 'fail', ...base, error: { code: outcome.fail, message: outcome.fail } });
    else out({ type: 'info', ...base, error: { code: 'timeout', message: 'timed out' } });
  };
  /** Runs an op: applies it unless it ends info and the coin says the SUT never saw it. */
  const perform = (p: PendingRetry): { ok: unknown } | { fail: string } | undefined => {
    if (rand() < infoRate) {
      if (rand() < 0.5) p.apply();
      record(p.f, p.value, { info: true });
      return undefined;
    }
    const outcome = p.apply();
    record(p.f, p.value, outcome);
    return outcome;
  };
  let retry: PendingRetry | undefined;

  // ---- op kinds ----------------------------------------------------------
  const answered = new Map<string, { ok: unknown } | { fail: string }>();
  /** Idempotent by key: the first answer is replayed. */
  const once = (key: string, body: () => { ok: unknown } | { fail: string }) => () => {
    const seen = answered.get(key);
    if (seen !== undefined) return seen;
    const a = body();
    answered.set(key, a);
    return a;
  };

  const checkout = (): PendingRetry => {
    const key = `ck-${n}-${opts.seed}`;
    const lines: Line[] = [];
    const count = int(1, 3);
    for (let i = 0; i < count; i++) {
      if (rand() < 0.1) {
        const sku = pick(serialized);
        const free = epcsOf
          .get(sku)!
          .filter((e) => epcHolder.get(e) === null && !lines.some((l) => l.epc === e));
        if (free.length > 0) lines.push({ sku, qty: 1, epc: pick(free) });
      } else {
        const sku = pick(plain);
        if (!lines.some((l) => l.sku === sku && l.epc === undefined)) lines.push({ sku, qty: int(1, 3) });
      }
    }
    if (lines.length === 0) lines.push({ sku: pick(plain), qty: 1 });
    const total = lines.reduce((s, l) => s + l.qty * price.get(l.sku)!, 0);
    const tenders =
      total > 200 && rand() < 0.3
        ? [
            { type: 'gift_card', amountCents: 200 },
            { type: pick(TENDERS), amountCents: total - 200 },
          ]
        : [{ type: pick(TENDERS), amountCents: total }];
    return {
      f: 'checkout',
      value: { channel: 'web', store: webStore, lines, tenders, idempotencyKey: key },
      apply: once(key, () => {
        for (const l of lines) {
          if (
            l.epc !== undefined
              ? epcHolder.get(l.epc) !== null
              : (stock.get(sk(l.sku, webStore)) ?? 0) < l.qty
          ) {
            return { fail: 'out-of-stock' };
          }
        }
        const orderId = `o-${n}-${opts.seed}`;
        const order: FinalOrder = {
          orderId,
          idempotencyKey: key,
          offlineSaleId: null,
          channel: 'web',
          store: webStore,
          status: 'completed',
          lines: lines.map((l) => ({
            sku: l.sku,
            qty: l.qty,
            epc: l.epc ?? null,
            backorderedQty: 0,
            returnedQty: 0,
          })),
          tenders: tenders.map((x, i) => ({
            tenderId: `${orderId}-t${i}`,
            type: x.type,
            amountCents: x.amountCents,
          })),
        };
        for (const l of lines) {
          change(l.sku, webStore, -l.qty, 'sale', 'order', orderId, { idempotencyKey: key });
          if (l.epc !== undefined) epcHolder.set(l.epc, orderId);
        }
        orders.push(order);
        ordersById.set(orderId, order);
        return {
          ok: {
            orderId,
            lines,
            totalCents: total,
            tenders: order.tenders.map((x) => ({
              type: x.type,
              amountCents: x.amountCents,
              tenderId: x.tenderId,
            })),
          },
        };
      }),
    };
  };

  const returnOp = (): PendingRetry | undefined => {
    if (ackedOrders.length === 0) return undefined;
    const candidates = Array.from({ length: 8 }, () => ordersById.get(pick(ackedOrders))!);
    const order = candidates.find(
      (o) => ackedAt.get(o.orderId)! < t && o.lines.some((l) => l.returnedQty < l.qty),
    );
    if (order === undefined) return undefined;
    const li = order.lines.findIndex((l) => l.returnedQty < l.qty);
    const line = order.lines[li]!;
    const qty = 1;
    const key = `rk-${n}-${opts.seed}`;
    return {
      f: 'return',
      value: {
        orderId: order.orderId,
        store: webStore,
        lines: [{ sku: line.sku, qty, ...(line.epc === null ? {} : { epc: line.epc }) }],
        idempotencyKey: key,
      },
      apply: once(key, () => {
        if (line.returnedQty + qty > line.qty) return { fail: 'nothing-to-return' };
        const returnId = `R-${n}-${opts.seed}`;
        line.returnedQty += qty;
        change(line.sku, webStore, qty, 'return', 'return', returnId, { idempotencyKey: key });
        if (line.epc !== null) epcHolder.set(line.epc, null);
        // Last tender first, never beyond what a tender took.
        let owed = qty * price.get(line.sku)!;
        const paid: { type: string; amountCents: number; tenderId: string }[] = [];
        for (let i = order.tenders.length - 1; i >= 0 && owed > 0; i--) {
          const tender = order.tenders[i]!;
          const left = tender.amountCents - (refundedOf.get(tender.tenderId!) ?? 0);
          const amount = Math.min(left, owed);
          if (amount <= 0) continue;
          owed -= amount;
          refundedOf.set(tender.tenderId!, (refundedOf.get(tender.tenderId!) ?? 0) + amount);
          refunds.push({
            returnId,
            orderId: order.orderId,
            tenderId: tender.tenderId,
            tender: tender.type,
            amountCents: amount,
            idempotencyKey: key,
          });
          paid.push({ type: tender.type, amountCents: amount, tenderId: tender.tenderId! });
        }
        returns.push({ returnId, orderId: order.orderId, idempotencyKey: key, exchangeOrderId: null });
        return { ok: { returnId, orderId: order.orderId, refunds: paid } };
      }),
    };
  };

  const offlineSync = (): PendingRetry => {
    const batchId = `B-${n}-${opts.seed}`;
    const store = pick(stores);
    const sales = Array.from({ length: int(1, 4) }, (_, i) => {
      const lines = [{ sku: pick(plain), qty: int(1, 5) }];
      const total = lines[0]!.qty * price.get(lines[0]!.sku)!;
      return { saleId: `${batchId}-s${i}`, lines, tenders: [{ type: 'cash', amountCents: total }] };
    });
    return {
      f: 'offline-sync',
      value: { terminal: `T-${store}`, store, batchId, sales },
      // Idempotent by sale, not by upload: a re-sent batch answers `duplicate`.
      apply: () => ({
        ok: {
          batchId,
          sales: sales.map((s) => {
            const seen = saleApplied.get(s.saleId);
            if (seen !== undefined) return { saleId: s.saleId, status: 'duplicate', orderId: seen.orderId };
            const orderId = `off-${s.saleId}`;
            let backordered = 0;
            const lines = s.lines.map((l) => {
              const have = stock.get(sk(l.sku, store)) ?? 0;
              const taken = Math.min(have, l.qty);
              if (taken > 0)
                change(l.sku, store, -taken, 'offline-sale', 'offline-sale', s.saleId, { batchId });
              backordered += l.qty - taken;
              return { sku: l.sku, qty: l.qty, epc: null, backorderedQty: l.qty - taken, returnedQty: 0 };
            });
            const order: FinalOrder = {
              orderId,
              idempotencyKey: null,
              offlineSaleId: s.saleId,
              channel: 'pos',
              store,
              status: backordered > 0 ? 'backordered' : 'completed',
              lines,
              tenders: s.tenders.map((x, i) => ({ tenderId: `${orderId}-t${i}`, ...x })),
            };
            orders.push(order);
            ordersById.set(orderId, order);
            saleApplied.set(s.saleId, { orderId, backordered });
            offlineSales.push({
              saleId: s.saleId,
              batchId,
              orderId,
              backorderedQty: backordered,
              applications: 1,
            });
            return backordered > 0
              ? {
                  saleId: s.saleId,
                  status: 'backordered',
                  orderId,
                  backordered: [{ sku: s.lines[0]!.sku, qty: backordered }],
                }
              : { saleId: s.saleId, status: 'applied', orderId };
          }),
        },
      }),
    };
  };

  // Webhooks: generated in sequence per SKU, delivered from a small buffer (reordering) with redeliveries.
  const webhookSeq = new Map<string, number>();
  const webhookLast = new Map<string, number>();
  const webhookBuffer: WebhookEvent[] = [];
  const webhook = (): PendingRetry => {
    if (webhookBuffer.length < 4 || rand() < 0.5) {
      const sku = pick(plain);
      const sequence = (webhookSeq.get(sku) ?? 0) + 1;
      webhookSeq.set(sku, sequence);
      const ev: WebhookEvent =
        rand() < 0.7
          ? { eventId: `wh-${sku}-${sequence}-${opts.seed}`, sku, sequence, delta: -int(1, 2) }
          : { eventId: `wh-${sku}-${sequence}-${opts.seed}`, sku, sequence, absolute: int(0, 80) };
      webhookBuffer.push(ev);
    }
    const i = Math.floor(rand() * webhookBuffer.length);
    const ev = webhookBuffer[i]!;
    if (rand() > 0.1) webhookBuffer.splice(i, 1); // else it stays for a redelivery
    return {
      f: 'webhook',
      value: {
        eventId: ev.eventId,
        sku: ev.sku,
        store: webStore,
        sequence: ev.sequence,
        kind: ev.absolute === undefined ? 'order.placed' : 'inventory',
        ...(ev.absolute === undefined ? { delta: ev.delta } : { absolute: ev.absolute }),
      },
      apply: () => {
        const known = webhookEvents.get(ev.eventId);
        if (known !== undefined) return { ok: { outcome: 'duplicate' } };
        const stale = ev.sequence <= (webhookLast.get(ev.sku) ?? 0);
        const rec: FinalEvent = {
          eventId: ev.eventId,
          sku: ev.sku,
          store: webStore,
          sequence: ev.sequence,
          kind: 'webhook',
          outcome: stale ? 'stale' : 'applied',
          applications: stale ? 0 : 1,
        };
        webhookEvents.set(ev.eventId, rec);
        if (stale) return { ok: { outcome: 'stale' } };
        webhookLast.set(ev.sku, ev.sequence);
        const have = stock.get(sk(ev.sku, webStore)) ?? 0;
        const delta = ev.absolute !== undefined ? ev.absolute - have : -Math.min(have, -ev.delta!);
        const extra = { stream: 'webhooks', sequence: ev.sequence, absolute: ev.absolute !== undefined };
        if (delta !== 0 || ev.absolute !== undefined)
          change(ev.sku, webStore, delta, 'marketplace', 'webhook', ev.eventId, extra);
        if (ev.absolute !== undefined && delta !== 0)
          available.push({ sku: ev.sku, store: webStore, qty: delta, source: 'adjustment' });
        return { ok: { outcome: 'applied' } };
      },
    };
  };

  // Scans: published to Kafka (the op), applied by the store in delivery order with reordering.
  const scanSeq = new Map<string, number>();
  const scanMax = new Map<string, { max: number; maxAbsolute: number }>();
  const scanBuffer: ScanEvent[] = [];
  const applyScan = (s: ScanEvent) => {
    if (scanEvents.has(s.scanId)) return;
    const k = sk(s.sku, s.store);
    const m = scanMax.get(k) ?? { max: 0, maxAbsolute: 0 };
    const stale = s.kind === 'cycle-count' ? s.sequence < m.max : s.sequence < m.maxAbsolute;
    scanEvents.set(s.scanId, {
      eventId: s.scanId,
      sku: s.sku,
      store: s.store,
      sequence: s.sequence,
      kind: s.kind,
      outcome: stale ? 'stale' : 'applied',
      applications: stale ? 0 : 1,
    });
    if (stale) return;
    m.max = Math.max(m.max, s.sequence);
    if (s.kind === 'cycle-count') m.maxAbsolute = Math.max(m.maxAbsolute, s.sequence);
    scanMax.set(k, m);
    const have = stock.get(k) ?? 0;
    const delta = s.kind === 'cycle-count' ? s.qty - have : Math.max(s.qty, -have);
    const extra = { stream: 'scans', sequence: s.sequence, absolute: s.kind === 'cycle-count' };
    change(s.sku, s.store, delta, s.kind, 'scan', s.scanId, extra);
    if (delta !== 0) available.push({ sku: s.sku, store: s.store, qty: delta, source: s.kind });
  };
  const scan = (): PendingRetry => {
    const sku = pick(plain);
    const store = pick(stores);
    const k = sk(sku, store);
    const sequence = (scanSeq.get(k) ?? 0) + 1;
    scanSeq.set(k, sequence);
    const r = rand();
    const have = stock.get(k) ?? 0;
    const ev: ScanEvent =
      r < 0.3
        ? {
            scanId: `sc-${k}-${sequence}-${opts.seed}`,
            kind: 'cycle-count',
            sku,
            store,
            sequence,
            qty: Math.max(0, have - int(0, 1)),
          }
        : r < 0.8
          ? {
              scanId: `sc-${k}-${sequence}-${opts.seed}`,
              kind: 'receiving',
              sku,
              store,
              sequence,
              qty: int(1, 10),
            }
          : {
              scanId: `sc-${k}-${sequence}-${opts.seed}`,
              kind: 'adjustment',
              sku,
              store,
              sequence,
              qty: have > 0 && rand() < 0.5 ? -1 : 1,
            };
    return {
      f: 'scan',
      value: ev,
      apply: () => {
        scanBuffer.push(ev);
        // The consumer lags and takes events in any order, sometimes twice (at-least-once).
        while (scanBuffer.length > 4 || (scanBuffer.length > 0 && rand() < 0.4)) {
          const i = Math.floor(rand() * scanBuffer.length);
          const d = scanBuffer[i]!;
          applyScan(d);
          if (rand() < 0.1) applyScan(d);
          scanBuffer.splice(i, 1);
        }
        return { ok: { partition: 0, offset: String(n) } };
      },
    };
  };

  const readStock = (): PendingRetry => {
    const sku = pick(plain);
    return {
      f: 'read-stock',
      value: { sku },
      apply: () => ({ ok: { sku, total: stores.reduce((s, st) => s + (stock.get(sk(sku, st)) ?? 0), 0) } }),
    };
  };

  // ---- the run -------------------------------------------------------------
  for (let i = 0; i < opts.ops; i++) {
    t += int(0, 3) * MS + int(0, 999) * 1_000;
    let p: PendingRetry | undefined;
    if (retry !== undefined && rand() < 0.7) {
      p = retry;
      retry = undefined;
    } else {
      const r = rand();
      p =
        r < 0.4
          ? checkout()
          : r < 0.5
            ? returnOp()
            : r < 0.55
              ? offlineSync()
              : r < 0.7
                ? webhook()
                : r < 0.85
                  ? scan()
                  : readStock();
      p ??= readStock();
    }
    const outcome = perform(p);
    if (p.f === 'checkout' && outcome !== undefined && 'ok' in outcome) {
      const orderId = (outcome.ok as { orderId: string }).orderId;
      if (!ackedAt.has(orderId)) {
        ackedOrders.push(orderId);
        ackedAt.set(orderId, lastCompletedNs);
      }
    }
    // After info, or sometimes anyway (a client retrying), the same request again.
    if (outcome === undefined || (p.f === 'offline-sync' && rand() < 0.3)) retry = p;
  }
  for (const s of scanBuffer.splice(0)) applyScan(s);
  const endNs = t + 50 * MS;

  if (opts.faults) emitFaultsAndProbes(out, endNs, rand);
  out({ type: 'end', status: 'completed', atNs: endNs });

  const region = (name: string): RegionState => ({
    region: name,
    role: name === 'a' && opts.faults ? 'standby' : 'primary',
    skus,
    orders,
    returns,
    refunds,
    stock: [...stock].map(([k, onHand]) => {
      const [sku, store] = k.split('|') as [string, string];
      return { sku, store, onHand };
    }),
    available,
    ledger,
    webhookEvents: [...webhookEvents.values()],
    scans: [...scanEvents.values()],
    offlineSales,
    serializedUnits: [...epcHolder]
      .filter(([, o]) => o !== null)
      .map(([epc, o]) => ({ epc, orderIds: [o!] })),
  });
  const authoritative = opts.faults ? 'b' : 'a';
  const regions: Record<string, RegionState> = { [authoritative]: region(authoritative) };
  if (opts.bothRegions)
    regions[authoritative === 'a' ? 'b' : 'a'] = region(authoritative === 'a' ? 'b' : 'a');
  return {
    // The model pays the last tender back first (see returnOp).
    state: {
      schemaVersion: 1,
      refundPolicy: 'last-tender-first',
      authoritativeRegion: authoritative,
      regions,
    },
    ackedOrders,
    endNs,
    entries,
  };
}

/**
 * Region a lost from 30% to 60% of the run; b takes over a fifth of the way in (at most 5 s).
 * About 2,000 checkout probe samples per region, a propagation sample every fifth.
 */
function emitFaultsAndProbes(out: (e: HistoryEntry) => void, endNs: number, rand: () => number): void {
  const start = Math.floor(endNs * 0.3);
  const stop = Math.floor(endNs * 0.6);
  const takeover = start + Math.min(Math.floor((stop - start) / 5), 5_000 * MS);
  const step = Math.max(MS, Math.min(100 * MS, Math.floor(endNs / 2_000)));
  const samples: HistoryEntry[] = [];
  let k = 0;
  for (let at = 0; at < endNs; at += step) {
    samples.push({
      type: 'probe',
      probe: 'checkout-probe',
      region: 'a',
      ok: at < start,
      latencyMs: 2,
      atNs: at,
    });
    samples.push({
      type: 'probe',
      probe: 'checkout-probe',
      region: 'b',
      ok: at >= takeover,
      latencyMs: 2,
      atNs: at + 1,
    });
    if (k++ % 5 === 0) {
      const visible = at < start || at >= takeover;
      const lag = Math.floor((5 + rand() * 45) * MS);
      samples.push({
        type: 'probe',
        probe: 'propagation',
        ok: visible,
        latencyMs: lag / MS,
        atNs: at + lag,
        value: { from: 'a', to: 'b', writtenNs: at, ...(visible ? { visibleNs: at + lag } : {}) },
      });
    }
  }
  out({
    type: 'fault',
    phase: 'start',
    fault: 'lose-region-a',
    target: 'a',
    params: { kind: 'region-loss' },
    atNs: start,
  });
  for (const s of samples) out(s);
  out({ type: 'fault', phase: 'stop', fault: 'lose-region-a', target: 'a', atNs: stop });
}
