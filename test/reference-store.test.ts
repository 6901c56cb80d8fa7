// The correct reference store against real PostgreSQL (sync replication) and
// Kafka from the local stack: contention, idempotency, webhooks, offline sync,
// refunds, scans, the outbox, bad input, reads and the standby region.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreFinalState } from '../src/reference-store/final-state.ts';
import { readFinalState } from '../src/reference-store/final-state-query.ts';
import { StoreClient } from '../src/reference-store/store-client.ts';
import { postgresUrl, storeConfig } from '../src/reference-store/store-config.ts';
import { type StartedStore, startStore } from '../src/reference-store/store-server.ts';
import { PortAllocator } from '../src/stack/free-port.ts';
import type { StartedLocalStack } from '../src/stack/local-stack.ts';
import { withClient } from '../src/stack/postgres-service.ts';
import { peakdrill } from './support/cli.ts';
import { consumeFromStart, produce } from './support/kafka-test-clients.ts';
import { startStoreOn, startTestStack } from './support/stack-fixture.ts';
import { until } from './support/until.ts';

const STORE = 'S001';
const key = () => randomUUID();
const sale = (sku: string, qty: number, priceCents: number, extra: Record<string, unknown> = {}) => ({
  channel: 'pos',
  store: STORE,
  terminal: 'T01',
  lines: [{ sku, qty }],
  tenders: [{ kind: 'card', amountCents: qty * priceCents }],
  ...extra,
});

interface InventoryMessage {
  readonly partition: number;
  readonly ledgerId: number;
  readonly sku: string;
  readonly key: string | undefined;
}

/** Stock equals the sum of the ledger, for every SKU and store: nothing changed stock off the books. */
function expectBooksBalance(state: StoreFinalState): void {
  const sums = new Map<string, number>();
  for (const e of state.ledger)
    sums.set(`${e.sku}@${e.store}`, (sums.get(`${e.sku}@${e.store}`) ?? 0) + e.delta);
  for (const s of state.stock)
    expect(sums.get(`${s.sku}@${s.store}`) ?? 0, `${s.sku}@${s.store}`).toBe(s.onHand);
}

/** Counts of everything a rejected request must not have written. */
function footprint(state: StoreFinalState) {
  return {
    orders: state.orders.length,
    ledger: state.ledger.length,
    keys: state.idempotencyKeys.length,
    returns: state.returns.length,
    refunds: state.refunds.length,
    batches: state.offlineBatches.length,
    sales: state.offlineSales.length,
    webhooks: state.webhookEvents.length,
    stock: state.stock.map((s) => s.onHand).join(','),
  };
}

describe('reference store (correct) on the local stack', () => {
  let stack: StartedLocalStack;
  let store: StartedStore;
  let api: StoreClient;

  beforeAll(async () => {
    stack = await startTestStack('store');
    store = await startStoreOn(stack);
    api = new StoreClient(store.url);
  });

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  });

  /** The ledger once the relay has published all of it. */
  async function publishedLedger() {
    const state = await until(
      async () => {
        const s = await api.state();
        return s.ledger.every((e) => e.published) ? s : undefined;
      },
      20_000,
      'the relay to publish the whole ledger',
    );
    return state.ledger;
  }

  /** Every inventory event on the topic, read from the start until `enough` says so. */
  async function readInventoryEvents(enough: (seen: readonly InventoryMessage[]) => boolean) {
    const seen = await consumeFromStart(
      stack.kafkaBrokers,
      'inventory-events',
      `outbox-test-${randomUUID()}`,
      (messages) =>
        enough(
          messages.map((m) => {
            const e = JSON.parse(m.value) as { ledgerId: number; sku: string };
            return { partition: m.partition, ledgerId: e.ledgerId, sku: e.sku, key: m.key };
          }),
        ),
      // Anything published twice arrives right behind the first copy.
      { timeoutMs: 30_000, settleMs: 1_000 },
    );
    return seen.map((m) => {
      const e = JSON.parse(m.value) as { ledgerId: number; sku: string };
      return { partition: m.partition, ledgerId: e.ledgerId, sku: e.sku, key: m.key };
    });
  }

  it('record http: traffic through the recording proxy becomes a masked recording that inspect reads', async () => {
    await api.seed([{ sku: 'REC-1', priceCents: 1_250, stock: { [STORE]: 3 } }]);
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-record-http-'));
    const file = join(dir, 'http.ndjson');
    const port = await new PortAllocator().free();
    const maskKey = { PEAKDRILL_MASK_KEY: 'record-http-test-key-0123456789' };
    try {
      const recording = peakdrill(
        [
          ...['record', 'http', '--upstream', store.url, '--listen', `127.0.0.1:${port}`],
          ...['--for', '5s', '--out', file, '--json'],
        ],
        maskKey,
      );
      const proxy = `http://127.0.0.1:${port}`;
      await until(
        async () => ((await fetch(`${proxy}/live`).catch(() => undefined))?.ok ? true : undefined),
        10_000,
        'the recording proxy',
      );
      const via = new StoreClient(proxy);
      const sold = await via.checkout(sale('REC-1', 2, 1_250), 'rec-key-1');
      expect(sold.status).toBe(201);
      expect((await via.checkout(sale('REC-1', 2, 1_250), 'rec-key-2')).status).toBe(409); // 1 left: refused, still demand
      const orderId = (sold.body as { orderId: string }).orderId;
      expect(
        (await via.returnOrder(orderId, { store: STORE, lines: [{ sku: 'REC-1', qty: 1 }] }, 'rec-ret-1'))
          .status,
      ).toBe(201);
      const secret = await fetch(`${proxy}/stock/REC-1`, {
        headers: { authorization: 'Bearer secret-token-123', 'x-customer-email': 'ann.buyer@example.com' },
      });
      expect(secret.status).toBe(200); // answered unchanged through the proxy
      const done = await recording.done;
      expect(done.code, done.stderr).toBe(0);
      const counts = JSON.parse(done.stdout) as Record<string, number>;
      expect(counts).toMatchObject({ decoded: 3, missed: 0 });
      expect(counts.recorded).toBe(counts.seen);
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const [header, ...events] = lines;
      expect(header).toMatchObject({ source: 'http-capture', capture: { counts: { decoded: 3 } } });
      expect(events.map((e) => [e.kind, e.idempotencyKey])).toEqual([
        ['order', 'rec-key-1'],
        ['order', 'rec-key-2'],
        ['return', 'rec-ret-1'],
      ]);
      expect(events[0].lines).toEqual([{ sku: 'REC-1', qty: 2, unitPriceCents: 1_250 }]);
      expect(events[2].orderRef).toBe(events[0].id);
      const inspected = await peakdrill(['inspect', file, '--json']).done;
      expect(inspected.code, inspected.stderr).toBe(0);
      const raw = readFileSync(`${file}.undecoded.ndjson`, 'utf8');
      expect(raw).toContain('/stock/REC-1');
      expect(raw).not.toContain('secret-token-123');
      expect(raw).not.toContain('ann.buyer@example.com');
      // Nothing answers there: refused before it listens, naming the upstream.
      const dead = await peakdrill(
        ['record', 'http', '--upstream', 'http://127.0.0.1:1', '--out', file],
        maskKey,
      ).done;
      expect(dead.code).toBe(2);
      expect(dead.stderr).toContain('--upstream http://127.0.0.1:1 does not answer');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('record postgres: orders and returns committed while it streams become events, and it leaves no slot behind', async () => {
    await api.seed([{ sku: 'PGREC-1', priceCents: 900, stock: { [STORE]: 10 } }]);
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-record-pg-'));
    const file = join(dir, 'pg.ndjson');
    const db = stack.postgres('postgres-a', 'direct');
    const url = `postgres://${db.user}@${db.host}:${db.port}/${db.database}`;
    const env = { PEAKDRILL_MASK_KEY: 'record-pg-test-key-0123456789', PGPASSWORD: String(db.password) };
    try {
      const recording = peakdrill(
        ['record', 'postgres', '--url', url, '--for', '4s', '--out', file, '--json'],
        env,
      );
      await until(
        async () => (recording.output().includes('record: capturing') ? true : undefined),
        10_000,
        'the capture to start',
      );
      const sold = await api.checkout(sale('PGREC-1', 3, 900), 'pg-key-1');
      expect(sold.status).toBe(201);
      const orderId = (sold.body as { orderId: string }).orderId;
      expect(
        (await api.returnOrder(orderId, { store: STORE, lines: [{ sku: 'PGREC-1', qty: 1 }] }, 'pg-ret-1'))
          .status,
      ).toBe(201);
      const done = await recording.done;
      expect(done.code, done.stderr).toBe(0);
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const [header, ...events] = lines;
      expect(header).toMatchObject({ source: 'postgres-capture' });
      expect(events.map((e) => [e.kind, e.idempotencyKey])).toEqual([
        ['order', 'pg-key-1'],
        ['return', 'pg-ret-1'],
      ]);
      expect(events[0].lines).toEqual([{ sku: 'PGREC-1', qty: 3, unitPriceCents: 900 }]);
      expect(events[1]).toMatchObject({
        orderRef: events[0].id,
        refunds: [{ type: 'card', amountCents: 900 }],
      });
      expect((await peakdrill(['inspect', file]).done).code).toBe(0);
      const left = await withClient(db, (c) =>
        c.query(
          "SELECT (SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'peakdrill_rec_%')::int AS slots, (SELECT count(*) FROM pg_publication WHERE pubname LIKE 'peakdrill_rec_%')::int AS pubs",
        ),
      );
      expect(left.rows[0]).toEqual({ slots: 0, pubs: 0 });
      const withPassword = await peakdrill(
        ['record', 'postgres', '--url', `postgres://${db.user}:pw@${db.host}:${db.port}/x`, '--out', file],
        env,
      ).done;
      expect(withPassword.code).toBe(2);
      expect(withPassword.stderr).toContain('--url carries a password');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports region, role and readiness on /health', async () => {
    const health = await api.health();
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ region: 'a', role: 'primary', defect: null, ready: true });
  });

  it('200 concurrent checkouts for 50 units of one SKU sell exactly 50', async () => {
    await api.seed([{ sku: 'HOT-50', priceCents: 2_500, stock: { [STORE]: 50 } }]);
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => api.checkout(sale('HOT-50', 1, 2_500), key())),
    );
    const sold = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status === 409);
    expect(sold).toHaveLength(50);
    expect(refused).toHaveLength(150);
    for (const r of refused) {
      expect(r.body).toMatchObject({ error: 'out-of-stock', outcome: 'not-applied' });
      expect((r.body as { message: string }).message).toMatch(/HOT-50 has 0 left, 1 requested/);
    }
    expect((await api.stock('HOT-50')).body).toEqual({ sku: 'HOT-50', stores: { [STORE]: 0 }, total: 0 });
    const state = await api.state();
    const orders = state.orders.filter((o) => o.lines.some((l) => l.sku === 'HOT-50'));
    expect(orders).toHaveLength(50);
    expect(new Set(orders.map((o) => o.orderId))).toEqual(
      new Set(sold.map((s) => (s.body as { orderId: string }).orderId)),
    );
    expect(state.ledger.filter((e) => e.sku === 'HOT-50' && e.reason === 'sale')).toHaveLength(50);
    expectBooksBalance(state);
  });

  it('replays the first outcome for a retried key, concurrent retries included, and writes one order', async () => {
    await api.seed([{ sku: 'IDEM-1', priceCents: 1_000, stock: { [STORE]: 10 } }]);
    const k = key();
    const body = sale('IDEM-1', 2, 1_000, {
      tenders: [
        { kind: 'card', amountCents: 1_500 },
        { kind: 'gift_card', amountCents: 500 },
      ],
    });
    const answers = await Promise.all(Array.from({ length: 12 }, () => api.checkout(body, k)));
    const again = await api.checkout({ ...body }, k);
    const all = [...answers, again];
    expect(all.every((a) => a.status === 201)).toBe(true);
    expect(new Set(all.map((a) => a.text)).size).toBe(1);
    expect(all.filter((a) => a.headers.get('idempotent-replayed') === 'false')).toHaveLength(1);
    expect((await api.stock('IDEM-1')).body.total).toBe(8);

    // An out-of-stock answer is a business outcome: it is replayed too, even once stock is back.
    const k2 = key();
    const tooMany = await api.checkout(sale('IDEM-1', 9, 1_000), k2);
    expect(tooMany.status).toBe(409);
    await api.seed([{ sku: 'IDEM-1', priceCents: 1_000, stock: { [STORE]: 100 } }]);
    const replay = await api.checkout(sale('IDEM-1', 9, 1_000), k2);
    expect(replay.status).toBe(409);
    expect(replay.text).toBe(tooMany.text);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('sells a serialized unit (EPC) once, however many tills try at the same time', async () => {
    await api.seed([{ sku: 'RFID-1', priceCents: 9_900, serialized: true, stock: { [STORE]: 20 } }]);
    const body = { ...sale('RFID-1', 1, 9_900), lines: [{ sku: 'RFID-1', qty: 1, epc: 'EPC-3034F87A' }] };
    const answers = await Promise.all(Array.from({ length: 10 }, () => api.checkout(body, key())));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    const refused = answers.filter((a) => a.status === 409);
    expect(refused).toHaveLength(9);
    for (const r of refused)
      expect(r.body).toMatchObject({ error: 'unit-already-sold', details: { epcs: ['EPC-3034F87A'] } });
    expect((await api.stock('RFID-1')).body.total).toBe(19);
  });

  it('a storm of duplicate marketplace webhooks changes stock once', async () => {
    await api.seed([{ sku: 'MKT-1', priceCents: 1_200, stock: { [STORE]: 30 } }]);
    const placed = {
      eventId: 'evt-mkt-1',
      type: 'order.placed',
      sku: 'MKT-1',
      store: STORE,
      sequence: 5,
      qty: 4,
      marketplaceOrderId: 'AMZ-1',
    };
    const storm = [];
    for (let round = 0; round < 4; round++) {
      storm.push(...(await Promise.all(Array.from({ length: 25 }, () => api.webhook(placed)))));
    }
    // Stale: an older event for the same SKU, delivered late.
    const stale = await api.webhook({ ...placed, eventId: 'evt-mkt-0', sequence: 4, qty: 9 });
    expect(storm.every((a) => a.status === 200)).toBe(true);
    expect(storm.filter((a) => (a.body as { outcome: string }).outcome === 'applied')).toHaveLength(1);
    expect(storm.filter((a) => (a.body as { outcome: string }).outcome === 'duplicate')).toHaveLength(99);
    expect(stale.body).toMatchObject({ outcome: 'stale' });
    expect((await api.stock('MKT-1')).body.total).toBe(26);
    const state = await api.state();
    expect(state.webhookEvents.find((e) => e.eventId === 'evt-mkt-1')).toMatchObject({
      deliveries: 100,
      applications: 1,
      outcome: 'applied',
    });
    expect(state.webhookEvents.find((e) => e.eventId === 'evt-mkt-0')).toMatchObject({
      applications: 0,
      outcome: 'stale',
    });
    expect(state.ledger.filter((e) => e.sku === 'MKT-1' && e.reason === 'marketplace')).toHaveLength(1);
  });

  it('an offline batch retried five times applies once, and demand beyond stock is backordered', async () => {
    await api.seed([{ sku: 'OFF-1', priceCents: 700, stock: { [STORE]: 5 } }]);
    const offlineSale = (saleId: string, qty: number, minute: number) => ({
      saleId,
      soldAt: `2025-11-28T09:${String(minute).padStart(2, '0')}:00Z`,
      lines: [{ sku: 'OFF-1', qty, unitPriceCents: 700 }],
      tenders: [{ kind: 'cash', amountCents: qty * 700 }],
    });
    const batch = {
      batchId: 'B-T07-0001',
      store: STORE,
      terminal: 'T07',
      sales: [offlineSale('T07-1', 2, 1), offlineSale('T07-2', 4, 2)],
    };
    const first = await api.offlineSync(batch);
    const retries = [
      await api.offlineSync(batch),
      ...(await Promise.all([1, 2, 3].map(() => api.offlineSync(batch)))),
    ];
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      uploads: 1,
      sales: [
        { saleId: 'T07-1', status: 'applied', backordered: [] },
        { saleId: 'T07-2', status: 'applied', backordered: [{ sku: 'OFF-1', qty: 1 }] },
      ],
    });
    for (const r of retries) {
      expect(r.status).toBe(200);
      expect((r.body as { sales: { status: string }[] }).sales.map((s) => s.status)).toEqual([
        'already-applied',
        'already-applied',
      ]);
    }
    expect((await api.stock('OFF-1')).body.total).toBe(0);
    const state = await api.state();
    expect(state.offlineBatches.find((b) => b.batchId === 'B-T07-0001')).toMatchObject({
      uploads: 5,
      saleCount: 2,
    });
    const ledger = state.ledger.filter((e) => e.sku === 'OFF-1' && e.reason === 'offline-sale');
    expect(ledger.map((e) => [e.refId, e.delta])).toEqual([
      ['T07-1', -2],
      ['T07-2', -3],
    ]);
    expect(state.backorders.filter((b) => b.sku === 'OFF-1').map((b) => [b.refId, b.qty])).toEqual([
      ['T07-2', 1],
    ]);
    const orders = state.orders.filter((o) => o.offlineSaleId?.startsWith('T07-'));
    expect(orders.map((o) => o.status).sort()).toEqual(['backordered', 'completed']);
    expectBooksBalance(state);
  });

  it('refunds never exceed what each tender took, across retries and concurrent returns; exchanges are sold', async () => {
    await api.seed([
      { sku: 'RET-1', priceCents: 1_000, stock: { [STORE]: 20 } },
      { sku: 'RET-2', priceCents: 1_500, stock: { [STORE]: 20 } },
    ]);
    const bought = await api.checkout(
      {
        ...sale('RET-1', 5, 1_000),
        tenders: [
          { kind: 'card', amountCents: 3_000 },
          { kind: 'gift_card', amountCents: 2_000 },
        ],
      },
      key(),
    );
    expect(bought.status).toBe(201);
    const orderId = (bought.body as { orderId: string }).orderId;
    const giftCard = (bought.body as { tenders: { tenderId: string; kind: string }[] }).tenders.find(
      (t) => t.kind === 'gift_card',
    )!;

    const k1 = key();
    const first = await api.returnOrder(orderId, { store: STORE, lines: [{ sku: 'RET-1', qty: 2 }] }, k1);
    expect(first.status).toBe(201);
    // Last tender first: the gift card takes the whole 2,000.
    expect(first.body).toMatchObject({
      returnCents: 2_000,
      refundCents: 2_000,
      refunds: [{ tenderId: giftCard.tenderId, amountCents: 2_000 }],
    });
    const retried = await Promise.all(
      [1, 2, 3].map(() => api.returnOrder(orderId, { store: STORE, lines: [{ sku: 'RET-1', qty: 2 }] }, k1)),
    );
    for (const r of retried) expect(r.text).toBe(first.text);

    // Two tills return the same remaining units at once, under different keys: one wins.
    const racing = await Promise.all(
      Array.from({ length: 6 }, () =>
        api.returnOrder(orderId, { store: STORE, lines: [{ sku: 'RET-1', qty: 2 }] }, key()),
      ),
    );
    expect(racing.filter((r) => r.status === 201)).toHaveLength(1);
    expect(
      racing
        .filter((r) => r.status === 409)
        .every((r) => (r.body as { error: string }).error === 'nothing-to-return'),
    ).toBe(true);

    // Exchange the last unit (1,000) for RET-2 (1,500): 1,000 of store credit and 500 more in cash.
    const exchange = await api.returnOrder(
      orderId,
      {
        store: STORE,
        lines: [{ sku: 'RET-1', qty: 1 }],
        exchangeLines: [{ sku: 'RET-2', qty: 1 }],
        tenders: [{ kind: 'cash', amountCents: 500 }],
      },
      key(),
    );
    expect(exchange.status).toBe(201);
    expect(exchange.body).toMatchObject({
      returnCents: 1_000,
      refundCents: 0,
      exchange: { creditCents: 1_000 },
    });
    const over = await api.returnOrder(orderId, { store: STORE, lines: [{ sku: 'RET-1', qty: 1 }] }, key());
    expect(over.status).toBe(409);

    const state = await api.state();
    const order = state.orders.find((o) => o.orderId === orderId)!;
    const refunds = state.refunds.filter((r) => r.orderId === orderId);
    for (const t of order.tenders) {
      const paid = refunds
        .filter((r) => r.tenderId === t.tenderId)
        .reduce((sum, r) => sum + r.amountCents, 0);
      expect(paid).toBeLessThanOrEqual(t.amountCents);
      expect(paid).toBe(t.refundedCents);
    }
    expect(refunds.reduce((sum, r) => sum + r.amountCents, 0)).toBe(4_000);
    expect(order.lines[0]!.returnedQty).toBe(5);
    const exchangeOrder = state.orders.find(
      (o) =>
        o.orderId === (exchange.body as { exchange: { order: { orderId: string } } }).exchange.order.orderId,
    )!;
    expect(exchangeOrder.tenders.map((t) => [t.kind, t.amountCents])).toEqual([
      ['store_credit', 1_000],
      ['cash', 500],
    ]);
    expect((await api.stock('RET-1')).body.total).toBe(20);
    expect((await api.stock('RET-2')).body.total).toBe(19);
    expectBooksBalance(state);
  });

  it('applies scans from Kafka once and in per-SKU sequence: a late cycle count does not overwrite newer stock', async () => {
    await api.seed([{ sku: 'SCAN-1', priceCents: 400, stock: { [STORE]: 20 } }]);
    const scans = [
      { scanId: 'scan-1', kind: 'receiving', sequence: 1, qty: 5 },
      { scanId: 'scan-3', kind: 'cycle-count', sequence: 3, qty: 40 },
      { scanId: 'scan-2', kind: 'cycle-count', sequence: 2, qty: 10 },
      { scanId: 'scan-3', kind: 'cycle-count', sequence: 3, qty: 40 },
      { scanId: 'scan-4', kind: 'adjustment', sequence: 4, qty: -2 },
    ];
    await produce(stack.kafkaBrokers, 'scan-test', 'scans', [
      { key: 'SCAN-1', value: 'not json' },
      ...scans.map((s) => ({ key: 'SCAN-1', value: JSON.stringify({ ...s, sku: 'SCAN-1', store: STORE }) })),
    ]);
    const state = await until(
      async () => {
        const s = await api.state();
        const e = s.scanEvents.find((x) => x.scanId === 'scan-4');
        return e && e.outcome === 'applied' ? s : undefined;
      },
      30_000,
      'the scan consumer to apply scan-4',
    );
    expect((await api.stock('SCAN-1')).body.total).toBe(38);
    const outcome = (id: string) => state.scanEvents.find((e) => e.scanId === id);
    expect(outcome('scan-1')).toMatchObject({ outcome: 'applied', applications: 1 });
    expect(outcome('scan-2')).toMatchObject({ outcome: 'stale', applications: 0 });
    expect(outcome('scan-3')).toMatchObject({ outcome: 'applied', applications: 1, deliveries: 2 });
    expect(state.ledger.filter((e) => e.sku === 'SCAN-1').map((e) => [e.reason, e.delta])).toEqual([
      ['seed', 20],
      ['receiving', 5],
      ['cycle-count', 15],
      ['adjustment', -2],
    ]);
  });

  it('publishes every ledger entry to inventory-events exactly in ledger order, keyed by SKU', async () => {
    await api.seed([
      { sku: 'PUB-1', priceCents: 300, stock: { [STORE]: 100 } },
      { sku: 'PUB-2', priceCents: 300, stock: { [STORE]: 100 } },
    ]);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => api.checkout(sale(i % 2 ? 'PUB-1' : 'PUB-2', 1, 300), key())),
    );
    const ledger = await publishedLedger();
    const seen = await readInventoryEvents((s) => s.length >= ledger.length);
    expect(seen.filter((e) => e.key !== e.sku)).toEqual([]);
    // Each ledger entry once, and within every partition in strictly increasing ledger order.
    expect(seen.map((e) => e.ledgerId).sort((x, y) => x - y)).toEqual(ledger.map((e) => e.id));
    for (const partition of new Set(seen.map((e) => e.partition))) {
      const ids = seen.filter((e) => e.partition === partition).map((e) => e.ledgerId);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
    }
    expect(ledger.filter((e) => e.sku.startsWith('PUB-') && e.reason === 'sale')).toHaveLength(40);
  });

  describe('bad input: a 4xx with a clear message and nothing written', () => {
    const cases: [string, () => Promise<{ status: number; body: unknown }>, number, RegExp][] = [
      ['malformed JSON', () => api.checkout('{"channel": "pos", "lines": [', key()), 400, /not valid JSON/],
      ['an empty JSON body', () => api.checkout('', key()), 400, /body is empty/],
      [
        'an unknown SKU',
        () => api.checkout(sale('NO-SUCH-SKU', 1, 100), key()),
        422,
        /unknown SKU: NO-SUCH-SKU/,
      ],
      ['a zero quantity', () => api.checkout(sale('BAD-1', 0, 100), key()), 400, /lines\[0\]\.qty/],
      ['a negative quantity', () => api.checkout(sale('BAD-1', -2, 100), key()), 400, /lines\[0\]\.qty/],
      [
        'a missing Idempotency-Key',
        () => api.request('POST', '/checkout', sale('BAD-1', 1, 100)),
        400,
        /Idempotency-Key header/,
      ],
      [
        'tenders that do not pay the order',
        () => api.checkout({ ...sale('BAD-1', 1, 100), tenders: [{ kind: 'cash', amountCents: 99 }] }, key()),
        422,
        /tenders pay 99 cents but the order totals 100/,
      ],
      [
        'a return against an unknown order',
        () => api.returnOrder(randomUUID(), { store: STORE, lines: [{ sku: 'BAD-1', qty: 1 }] }, key()),
        404,
        /no order/,
      ],
      [
        'an oversized offline batch',
        () =>
          api.offlineSync({
            batchId: 'B-HUGE',
            store: STORE,
            terminal: 'T99',
            sales: Array.from({ length: 501 }, (_, i) => ({
              saleId: `huge-${i}`,
              soldAt: '2025-11-28T09:00:00Z',
              lines: [{ sku: 'BAD-1', qty: 1, unitPriceCents: 100 }],
              tenders: [{ kind: 'cash', amountCents: 100 }],
            })),
          }),
        413,
        /501 sales; at most 500 per upload/,
      ],
      [
        'an offline batch naming an unknown SKU',
        () =>
          api.offlineSync({
            batchId: 'B-UNKNOWN',
            store: STORE,
            terminal: 'T99',
            sales: [
              {
                saleId: 'u-1',
                soldAt: '2025-11-28T09:00:00Z',
                lines: [{ sku: 'NOPE', qty: 1, unitPriceCents: 1 }],
                tenders: [{ kind: 'cash', amountCents: 1 }],
              },
            ],
          }),
        422,
        /unknown SKU: NOPE/,
      ],
      [
        'a webhook with a negative order quantity',
        () =>
          api.webhook({
            eventId: 'bad-evt',
            type: 'order.placed',
            sku: 'BAD-1',
            store: STORE,
            sequence: 1,
            qty: -1,
          }),
        400,
        /qty: must be > 0/,
      ],
      [
        'a body over 1 MiB',
        () => api.checkout(JSON.stringify({ pad: 'x'.repeat(1_100_000) }), key()),
        413,
        /larger than this route accepts/,
      ],
    ];

    beforeAll(async () => {
      await api.seed([{ sku: 'BAD-1', priceCents: 100, stock: { [STORE]: 10 } }]);
    });

    for (const [what, send, status, message] of cases) {
      it(`${what} → ${status}`, async () => {
        const before = footprint(await api.state());
        const answer = await send();
        expect(answer.status).toBe(status);
        expect((answer.body as { message: string }).message).toMatch(message);
        expect((answer.body as { outcome: string }).outcome).toBe('not-applied');
        expect(footprint(await api.state())).toEqual(before);
      });
    }

    it('a reused key with another body → 422, and the first outcome is untouched', async () => {
      const k = key();
      const first = await api.checkout(sale('BAD-1', 1, 100), k);
      expect(first.status).toBe(201);
      const before = footprint(await api.state());
      const reused = await api.checkout(sale('BAD-1', 2, 100), k);
      expect(reused.status).toBe(422);
      expect(reused.body).toMatchObject({ error: 'idempotency-key-reused' });
      expect((reused.body as { message: string }).message).toMatch(/already used for a different request/);
      expect(footprint(await api.state())).toEqual(before);
      expect((await api.checkout(sale('BAD-1', 1, 100), k)).text).toBe(first.text);
    });
  });

  it('reads an order and stock per store and in total', async () => {
    await api.seed([{ sku: 'READ-1', priceCents: 250, stock: { [STORE]: 7, S002: 3 } }]);
    const bought = await api.checkout(sale('READ-1', 2, 250), key());
    const orderId = (bought.body as { orderId: string }).orderId;
    expect((await api.stock('READ-1')).body).toEqual({
      sku: 'READ-1',
      stores: { [STORE]: 5, S002: 3 },
      total: 8,
    });
    const order = await api.order(orderId);
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({
      orderId,
      status: 'completed',
      totalCents: 500,
      lines: [{ sku: 'READ-1', qty: 2, returnedQty: 0 }],
    });
    expect((await api.order(randomUUID())).status).toBe(404);
    expect((await api.stock('NOPE')).status).toBe(404);
  });

  it('readFinalState over SQL matches GET /admin/state, and the books balance', async () => {
    const client = new pg.Client(stack.postgres('postgres-a'));
    await client.connect();
    try {
      const direct = await readFinalState(client);
      const viaHttp = await api.state();
      expect({
        ...direct,
        readAt: '',
        ledger: direct.ledger.map((e) => ({ ...e, published: true })),
      }).toEqual({
        ...viaHttp,
        readAt: '',
        ledger: viaHttp.ledger.map((e) => ({ ...e, published: true })),
      });
      expect(direct.readFromStandby).toBe(false);
      expectBooksBalance(direct);
    } finally {
      await client.end();
    }
  });

  it('the standby region serves replicated reads and refuses writes until failover', async () => {
    const standby = await startStore(
      storeConfig({
        region: 'b',
        pgUrl: postgresUrl(stack.postgres('postgres-b', 'proxy')),
        failover: 'manual',
        logLevel: 'error',
      }),
    );
    try {
      const b = new StoreClient(standby.url);
      expect((await b.health()).body).toMatchObject({ region: 'b', role: 'standby', ready: true });
      expect((await b.stock('HOT-50')).body.total).toBe(0);
      const refused = await b.checkout(sale('READ-1', 1, 250), key());
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: 'not-writable', outcome: 'not-applied' });
      expect((await b.state()).readFromStandby).toBe(true);
    } finally {
      await standby.close();
    }
  });

  it('a relay taking over after a lost cursor update publishes nothing twice (it resumes from the topic)', async () => {
    await api.seed([{ sku: 'RESUME-1', priceCents: 300, stock: { [STORE]: 100 } }]);
    await Promise.all(Array.from({ length: 30 }, () => api.checkout(sale('RESUME-1', 1, 300), key())));
    await publishedLedger();
    await store.close();
    // What a primary lost between send and cursor update leaves behind: the cursor 20 entries short.
    const client = new pg.Client(stack.postgres('postgres-a'));
    await client.connect();
    try {
      await client.query(
        "UPDATE ledger_publication SET published_through = published_through - 20 WHERE topic = 'inventory-events'",
      );
    } finally {
      await client.end();
    }
    store = await startStoreOn(stack);
    api = new StoreClient(store.url);
    const ledger = await publishedLedger();
    const seen = await readInventoryEvents((s) => ledger.every((e) => s.some((m) => m.ledgerId === e.id)));
    const copies = new Map<number, number>();
    for (const m of seen) copies.set(m.ledgerId, (copies.get(m.ledgerId) ?? 0) + 1);
    expect([...copies].filter(([, n]) => n > 1)).toEqual([]);
  });
});
