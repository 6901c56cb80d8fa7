import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkAll } from '../checkers/all-checkers.ts';
import { indexHistory } from '../checkers/history-index.ts';
import { offlineReconciliationChecker } from '../checkers/offline-reconciliation-checker.ts';
import { orderingChecker } from '../checkers/ordering-checker.ts';
import { oversellChecker } from '../checkers/oversell-checker.ts';
import { PeakdrillError } from '../model/errors.ts';
import { authoritativeState, REGION_COLLECTIONS, wasRead } from '../model/final-state.ts';
import type {
  FinalLedgerEntry,
  FinalOrder,
  FinalScanEvent,
  FinalWebhookEvent,
  StoreFinalState,
} from '../reference-store/final-state.ts';
import { readReferenceStoreState, toFinalState, toRegionState } from './reference-store-oracle.ts';

const AT = '2025-11-28T10:00:00.000000Z';
const at = (s: number) => `2025-11-28T10:00:${String(s).padStart(2, '0')}.000000Z`;

function storeState(over: Partial<StoreFinalState> = {}): StoreFinalState {
  return {
    schemaVersion: 1,
    readAt: AT,
    readFromStandby: false,
    skus: [],
    stock: [],
    orders: [],
    returns: [],
    refunds: [],
    ledger: [],
    backorders: [],
    webhookEvents: [],
    scanEvents: [],
    offlineBatches: [],
    offlineSales: [],
    serializedUnits: [],
    idempotencyKeys: [],
    ...over,
  };
}

let nextLedgerId = 1;
function entry(
  sku: string,
  delta: number,
  reason: FinalLedgerEntry['reason'],
  refType: string,
  refId: string,
  extra: Partial<FinalLedgerEntry> = {},
): FinalLedgerEntry {
  return {
    id: nextLedgerId++,
    at: AT,
    sku,
    store: 'S001',
    delta,
    onHandAfter: 0,
    reason,
    refType,
    refId,
    idempotencyKey: null,
    region: 'a',
    published: true,
    ...extra,
  };
}

function order(orderId: string, sku: string, qty: number, over: Partial<FinalOrder> = {}): FinalOrder {
  return {
    orderId,
    idempotencyKey: `key-${orderId}`,
    offlineSaleId: null,
    channel: 'pos',
    store: 'S001',
    terminal: 'T1',
    status: 'completed',
    totalCents: qty * 1_000,
    region: 'a',
    createdAt: AT,
    lines: [
      {
        lineNo: 1,
        sku,
        qty,
        unitPriceCents: 1_000,
        epc: null,
        backorderedQty: 0,
        returnedQty: 0,
      },
    ],
    tenders: [{ tenderId: `t-${orderId}`, seq: 1, kind: 'card', amountCents: qty * 1_000, refundedCents: 0 }],
    ...over,
  };
}

function webhook(eventId: string, sku: string, sequence: number, applications = 1): FinalWebhookEvent {
  return {
    eventId,
    type: 'order.placed',
    sku,
    store: 'S001',
    qty: 1,
    sequence,
    marketplaceOrderId: null,
    outcome: 'applied',
    deliveries: applications,
    applications,
    firstReceivedAt: AT,
    lastReceivedAt: AT,
  };
}

function scan(scanId: string, kind: FinalScanEvent['kind'], sku: string, sequence: number): FinalScanEvent {
  return {
    scanId,
    kind,
    sku,
    store: 'S001',
    qty: 0,
    sequence,
    outcome: 'applied',
    deliveries: 1,
    applications: 1,
    kafkaPartition: 0,
    kafkaOffset: '0',
    firstReceivedAt: AT,
  };
}

/** A small store that sold, took a return, a webhook, two scans and an offline sale, all correctly. */
function busyStore(): StoreFinalState {
  nextLedgerId = 1;
  const sold = order('o1', 'A', 2, {
    tenders: [
      { tenderId: 'gift', seq: 1, kind: 'gift_card', amountCents: 500, refundedCents: 0 },
      { tenderId: 'card', seq: 2, kind: 'card', amountCents: 1_500, refundedCents: 1_000 },
    ],
  });
  sold.lines[0] = { ...sold.lines[0]!, returnedQty: 1 };
  const offline = order('o2', 'B', 3, {
    idempotencyKey: null,
    offlineSaleId: 'sale-1',
    status: 'backordered',
  });
  offline.lines[0] = { ...offline.lines[0]!, backorderedQty: 1 };
  const tagged = order('o3', 'C', 1);
  tagged.lines[0] = { ...tagged.lines[0]!, epc: 'EPC-1' };
  return storeState({
    skus: ['A', 'B', 'C'].map((sku) => ({ sku, name: sku, priceCents: 1_000, serialized: sku === 'C' })),
    stock: [
      { sku: 'A', store: 'S001', onHand: 13 },
      { sku: 'B', store: 'S001', onHand: 0 },
      { sku: 'C', store: 'S001', onHand: 0 },
    ],
    orders: [sold, offline, tagged],
    returns: [
      {
        returnId: 'r1',
        orderId: 'o1',
        idempotencyKey: 'key-r1',
        store: 'S001',
        terminal: null,
        returnCents: 1_000,
        refundCents: 1_000,
        exchangeOrderId: null,
        region: 'a',
        createdAt: AT,
        lines: [{ orderLineNo: 1, sku: 'A', qty: 1, unitPriceCents: 1_000 }],
      },
    ],
    refunds: [
      { refundId: 1, returnId: 'r1', orderId: 'o1', tenderId: 'card', amountCents: 1_000, createdAt: AT },
    ],
    ledger: [
      entry('A', 10, 'seed', 'seed', 'seed-1'),
      entry('B', 2, 'seed', 'seed', 'seed-1'),
      entry('C', 1, 'seed', 'seed', 'seed-1'),
      entry('A', 5, 'receiving', 'scan', 'scan-1', { idempotencyKey: 'scan-1' }),
      entry('A', -2, 'sale', 'order', 'o1', { idempotencyKey: 'key-o1' }),
      entry('A', 1, 'return', 'return', 'r1', { idempotencyKey: 'key-r1' }),
      entry('A', -1, 'marketplace', 'webhook', 'evt-1', { idempotencyKey: 'evt-1' }),
      entry('B', -2, 'offline-sale', 'offline-sale', 'sale-1', { idempotencyKey: 'batch-1' }),
      entry('C', -1, 'sale', 'order', 'o3', { idempotencyKey: 'key-o3' }),
    ],
    backorders: [
      { id: 1, sku: 'B', store: 'S001', qty: 1, refType: 'offline-sale', refId: 'sale-1', orderId: 'o2' },
    ],
    webhookEvents: [webhook('evt-1', 'A', 4)],
    scanEvents: [scan('scan-1', 'receiving', 'A', 1), scan('scan-2', 'cycle-count', 'A', 2)],
    offlineBatches: [
      {
        batchId: 'batch-1',
        store: 'S001',
        terminal: 'T1',
        saleCount: 1,
        uploads: 1,
        firstReceivedAt: AT,
        lastReceivedAt: AT,
      },
    ],
    offlineSales: [
      {
        saleId: 'sale-1',
        batchId: 'batch-1',
        orderId: 'o2',
        store: 'S001',
        terminal: 'T1',
        soldAt: AT,
        appliedAt: AT,
      },
    ],
    serializedUnits: [{ epc: 'EPC-1', sku: 'C', orderId: 'o3', status: 'sold' }],
  });
}

describe('toRegionState', () => {
  it('maps orders, tenders, returns and refunds with the ids the history names', () => {
    const r = toRegionState(busyStore(), 'a', { role: 'primary' });
    expect(r.region).toBe('a');
    expect(r.role).toBe('primary');
    expect(r.skus).toEqual(['A', 'B', 'C']);
    expect(r.orders[0]).toEqual({
      orderId: 'o1',
      idempotencyKey: 'key-o1',
      offlineSaleId: null,
      channel: 'pos',
      store: 'S001',
      status: 'completed',
      lines: [{ sku: 'A', qty: 2, epc: null, backorderedQty: 0, returnedQty: 1 }],
      tenders: [
        { tenderId: 'gift', type: 'gift_card', amountCents: 500 },
        { tenderId: 'card', type: 'card', amountCents: 1_500 },
      ],
    });
    expect(r.orders[1]).toMatchObject({
      idempotencyKey: null,
      offlineSaleId: 'sale-1',
      status: 'backordered',
    });
    expect(r.returns).toEqual([
      { returnId: 'r1', orderId: 'o1', idempotencyKey: 'key-r1', exchangeOrderId: null },
    ]);
    // The refund names its tender by id and by the tender's kind, and carries its return's key.
    expect(r.refunds).toEqual([
      {
        returnId: 'r1',
        orderId: 'o1',
        tenderId: 'card',
        tender: 'card',
        amountCents: 1_000,
        idempotencyKey: 'key-r1',
      },
    ]);
  });

  it("declares every collection read and the store's refund policy, tenders in the order taken", () => {
    const store = busyStore();
    store.orders[0]!.tenders.reverse();
    const s = toFinalState({ a: store }, { health: { a: { role: 'primary' } } });
    const a = authoritativeState(s)!;
    for (const c of REGION_COLLECTIONS) expect(wasRead(a, c), c).toBe(true);
    expect(s.refundPolicy).toBe('last-tender-first');
    expect(a.orders[0]!.tenders.map((t) => t.tenderId)).toEqual(['gift', 'card']);
  });

  it('counts as available every stock change that is not an order line, per SKU, store and source', () => {
    const r = toRegionState(busyStore(), 'a');
    const available = (sku: string) =>
      (r.available ?? []).filter((a) => a.sku === sku).reduce((n, a) => n + a.qty, 0);
    expect(r.available).toContainEqual({ sku: 'A', store: 'S001', qty: 10, source: 'seed' });
    expect(r.available).toContainEqual({ sku: 'A', store: 'S001', qty: 5, source: 'receiving' });
    expect(r.available).toContainEqual({ sku: 'A', store: 'S001', qty: -1, source: 'marketplace' });
    expect(r.available?.some((a) => a.source === 'sale' || a.source === 'return')).toBe(false);
    // Available − sold and kept = stock, for each SKU (what makes the oversell check exact).
    for (const sku of ['A', 'B', 'C']) {
      let sold = 0;
      for (const o of r.orders)
        for (const l of o.lines) if (l.sku === sku) sold += l.qty - l.backorderedQty - l.returnedQty;
      const onHand = r.stock.find((s) => s.sku === sku)!.onHand;
      expect(available(sku) - sold, sku).toBe(onHand);
    }
  });

  it('gives webhook and scan ledger rows their stream and sequence, and marks cycle counts as levels', () => {
    const store = busyStore();
    store.ledger.push(entry('A', -3, 'cycle-count', 'scan', 'scan-2', { idempotencyKey: 'scan-2' }));
    const r = toRegionState(store, 'a');
    const byRef = (refId: string) => r.ledger.filter((e) => e.refId === refId);
    expect(byRef('evt-1')[0]).toMatchObject({
      stream: 'webhooks',
      sequence: 4,
      absolute: false,
      reason: 'marketplace',
    });
    expect(byRef('scan-1')[0]).toMatchObject({ stream: 'scans', sequence: 1, absolute: false });
    expect(byRef('scan-2')[0]).toMatchObject({ stream: 'scans', sequence: 2, absolute: true });
    expect(byRef('o1')[0]).toMatchObject({ seq: 5, idempotencyKey: 'key-o1' });
    expect(byRef('o1')[0]).not.toHaveProperty('sequence');
    // An offline sale's rows carry its batch, not a key of the sale.
    expect(byRef('sale-1')[0]).toMatchObject({ batchId: 'batch-1', idempotencyKey: null });
  });

  it('maps events, offline sales with their backorders, and who holds each serialized unit', () => {
    const store = busyStore();
    store.serializedUnits.push({ epc: 'EPC-2', sku: 'C', orderId: 'o1', status: 'returned' });
    const r = toRegionState(store, 'a');
    expect(r.webhookEvents).toEqual([
      {
        eventId: 'evt-1',
        sku: 'A',
        store: 'S001',
        sequence: 4,
        kind: 'order.placed',
        outcome: 'applied',
        applications: 1,
      },
    ]);
    expect(r.scans.map((s) => [s.eventId, s.kind, s.sequence, s.applications])).toEqual([
      ['scan-1', 'receiving', 1, 1],
      ['scan-2', 'cycle-count', 2, 1],
    ]);
    expect(r.offlineSales).toEqual([
      { saleId: 'sale-1', batchId: 'batch-1', orderId: 'o2', backorderedQty: 1, applications: 1 },
    ]);
    expect(r.serializedUnits).toEqual([
      { epc: 'EPC-1', sku: 'C', orderIds: ['o3'] },
      { epc: 'EPC-2', sku: 'C', orderIds: [] },
    ]);
  });

  it('says standby for a fenced store and, without /health, only what the database shows', () => {
    expect(toRegionState(busyStore(), 'a', { role: 'fenced' }).role).toBe('standby');
    expect(toRegionState(busyStore(), 'a').role).toBe('unknown');
    expect(toRegionState(storeState({ readFromStandby: true }), 'b').role).toBe('standby');
  });
});

describe('checkers on the mapped state', () => {
  const noHistory = indexHistory([]);
  const opts = { maxEvidence: 10 };

  it('the correct store passes every state check', () => {
    const state = toFinalState({ a: busyStore() }, { health: { a: { role: 'primary' } } });
    const failing = checkAll(noHistory, state).filter((r) => r.valid === false);
    expect(failing.map((r) => `${r.name}: ${r.explanation}`)).toEqual([]);
  });

  it('lost updates (oversell-race) show as units sold beyond what was made available', () => {
    nextLedgerId = 1;
    // Three units; four sales each wrote back what it read minus one: stock says 1 left.
    const store = storeState({
      stock: [{ sku: 'HOT', store: 'S001', onHand: 1 }],
      orders: ['h1', 'h2', 'h3', 'h4'].map((id) => order(id, 'HOT', 1)),
      ledger: [
        entry('HOT', 3, 'seed', 'seed', 'seed-1'),
        ...['h1', 'h2', 'h3', 'h4'].map((id) => entry('HOT', -1, 'sale', 'order', id)),
      ],
    });
    const r = oversellChecker().check(noHistory, toFinalState({ a: store }), opts);
    expect(r.valid).toBe(false);
    expect(r.evidence).toContainEqual(
      expect.objectContaining({ what: 'sold more than was made available', sku: 'HOT', actual: 4 }),
    );
  });

  it('a stale cycle count applied after a newer scan is a stale overwrite', () => {
    const store = busyStore();
    store.scanEvents.push(scan('scan-0', 'cycle-count', 'A', 0));
    store.ledger.push(entry('A', 4, 'cycle-count', 'scan', 'scan-0'));
    const r = orderingChecker().check(noHistory, toFinalState({ a: store }), opts);
    expect(r.valid).toBe(false);
    expect(r.figures.staleOverwrites).toBe(1);
  });

  it('stock taken twice for one offline sale is caught from the ledger', () => {
    const store = busyStore();
    store.ledger.push(
      entry('B', -1, 'offline-sale', 'offline-sale', 'sale-1', { idempotencyKey: 'batch-1' }),
    );
    const r = offlineReconciliationChecker().check(noHistory, toFinalState({ a: store }), opts);
    expect(r.valid).toBe(false);
    expect(r.evidence[0]).toMatchObject({ what: 'offline sale took more stock than it sold', key: 'sale-1' });
  });
});

describe('the authoritative region', () => {
  const a = () => storeState({ ledger: [entry('A', 1, 'seed', 'seed', 's', { at: at(1) })] });
  const b = (over: Partial<StoreFinalState> = {}) =>
    storeState({
      readFromStandby: true,
      ledger: [entry('A', 1, 'seed', 'seed', 's', { at: at(1) })],
      ...over,
    });
  const choose = (
    states: Parameters<typeof toFinalState>[0],
    health?: NonNullable<Parameters<typeof toFinalState>[1]>['health'],
  ) => toFinalState(states, health ? { health } : {}).authoritativeRegion;

  it('is the primary in steady state, with the standby kept alongside', () => {
    const s = toFinalState(
      { a: a(), b: b() },
      { health: { a: { role: 'primary' }, b: { role: 'standby' } } },
    );
    expect(s.authoritativeRegion).toBe('a');
    expect(Object.keys(s.regions).sort()).toEqual(['a', 'b']);
    expect(s.regions.b!.role).toBe('standby');
    expect(authoritativeState(s)!.role).toBe('primary');
  });

  it('is the region that took over after a failover, while the lost region is still down', () => {
    expect(choose({ b: b({ readFromStandby: false }) }, { b: { role: 'primary', promotedAt: AT } })).toBe(
      'b',
    );
  });

  it('stays with the region that took over after the lost region is healed and comes back fenced', () => {
    // The failback drill: a is back, its database writable but behind, its store fenced.
    const health = { a: { role: 'fenced', promotedAt: null }, b: { role: 'primary', promotedAt: AT } };
    expect(choose({ a: a(), b: b({ readFromStandby: false }) }, health)).toBe('b');
  });

  it('is region a again when it came back before region b took over (slow failover)', () => {
    expect(choose({ a: a(), b: b() }, { a: { role: 'primary' }, b: { role: 'standby' } })).toBe('a');
  });

  it('prefers the later promotion when both stores say primary (a restart that missed its fence)', () => {
    const health = { a: { role: 'primary', promotedAt: null }, b: { role: 'primary', promotedAt: AT } };
    expect(choose({ a: a(), b: b({ readFromStandby: false }) }, health)).toBe('b');
  });

  it('is the standby when the primary cannot be read: what survived is what it holds', () => {
    expect(choose({ b: b() }, { b: { role: 'standby' } })).toBe('b');
    expect(choose({ a: a() }, { a: { role: 'primary' } })).toBe('a');
  });

  it('without /health, is the writable database, then the latest write', () => {
    expect(choose({ a: a(), b: b() })).toBe('a');
    const later = b({
      readFromStandby: false,
      ledger: [
        entry('A', 1, 'seed', 'seed', 's', { at: at(1) }),
        entry('A', 1, 'receiving', 'scan', 'x', { at: at(9) }),
      ],
    });
    expect(choose({ a: a(), b: later })).toBe('b');
  });

  it('is never a fenced region: with only that one read, there is no truth to check against', () => {
    const read = () => toFinalState({ a: a() }, { health: { a: { role: 'fenced' } } });
    expect(read).toThrow(PeakdrillError);
    expect(read).toThrow(/fenced/);
    expect(() => toFinalState({})).toThrow(/no region could be read/);
  });
});

describe('readReferenceStoreState (fake stores over HTTP)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  /** A fake store answering /health and /admin/state; status 0 leaves the route unanswered. */
  async function fakeStore(region: string, role: string, state: unknown, stateStatus = 200): Promise<string> {
    const server = createServer((req, res) => {
      if (req.url === '/health') {
        res.writeHead(role === 'primary' || role === 'standby' ? 200 : 503, {
          'content-type': 'application/json',
        });
        res.end(JSON.stringify({ region, role, ready: true, failover: { role, promotedAt: null } }));
      } else if (req.url === '/admin/state' && stateStatus !== 0) {
        res.writeHead(stateStatus, { 'content-type': 'application/json' });
        res.end(JSON.stringify(stateStatus === 200 ? state : { error: 'database-unavailable' }));
      }
      // An unanswered request runs into the caller's timeout.
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** A URL nothing listens on. */
  async function deadUrl(): Promise<string> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise((r) => server.close(r));
    return url;
  }

  it('reads both regions and validates the result', async () => {
    const state = await readReferenceStoreState({
      regions: {
        a: await fakeStore('a', 'primary', busyStore()),
        b: await fakeStore('b', 'standby', storeState({ readFromStandby: true })),
      },
      timeoutMs: 2_000,
    });
    expect(state.authoritativeRegion).toBe('a');
    expect(state.regions.a!.orders).toHaveLength(3);
    expect(state.regions.b!.role).toBe('standby');
  });

  it('takes the other region when one is down, and says so', async () => {
    const warnings: string[] = [];
    const state = await readReferenceStoreState({
      regions: { a: await deadUrl(), b: await fakeStore('b', 'primary', storeState()) },
      timeoutMs: 2_000,
      onWarning: (m) => warnings.push(m),
    });
    expect(state.authoritativeRegion).toBe('b');
    expect(Object.keys(state.regions)).toEqual(['b']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/region a .*ECONNREFUSED.*region b is taken/);
  });

  it('fails with PEAKDRILL_ERR_UNREACHABLE and a hint when no region answers', async () => {
    const error = await readReferenceStoreState({
      regions: {
        a: await deadUrl(),
        b: await fakeStore('b', 'standby', storeState(), 0),
      },
      timeoutMs: 500,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PeakdrillError);
    expect((error as PeakdrillError).code).toBe('PEAKDRILL_ERR_UNREACHABLE');
    expect((error as PeakdrillError).message).toMatch(/region a .*region b .*within 500 ms/);
    expect((error as PeakdrillError).hint).toMatch(/stack status/);
  });

  it('does not take a fenced region as the truth when the other cannot be read', async () => {
    const error = await readReferenceStoreState({
      regions: {
        a: await fakeStore('a', 'fenced', busyStore()),
        b: await fakeStore('b', 'primary', storeState(), 503),
      },
      timeoutMs: 2_000,
    }).catch((e: unknown) => e);
    expect((error as PeakdrillError).code).toBe('PEAKDRILL_ERR_UNREACHABLE');
    expect((error as PeakdrillError).message).toMatch(/fenced.*region b .*answered 503/);
  });

  it('refuses swapped region URLs', async () => {
    const error = await readReferenceStoreState({
      regions: { a: await fakeStore('b', 'standby', storeState()) },
      timeoutMs: 2_000,
    }).catch((e: unknown) => e);
    expect((error as PeakdrillError).code).toBe('PEAKDRILL_ERR_USAGE');
    expect((error as PeakdrillError).message).toMatch(/is region b, but it was given as region a/);
  });
});
