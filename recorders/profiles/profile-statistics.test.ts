// Each profile's shape, measured on generated samples against the figures in
// profile-defaults.ts, plus the business invariants a replay relies on (money
// adds up, refunds never exceed a tender, units are sold once, sequences rise).
import { describe, expect, it } from 'vitest';
import type { OrderEvent, RecordingEvent, Tender, TenderType } from '../../src/model/recording-schema.ts';
import { catalogFor, type GenerateOptions, generateRecording } from '../synthetic-generator.ts';
import { PROFILE_DEFAULTS, RFID_DEFAULTS, SHOPPING_DEFAULTS } from './profile-defaults.ts';

interface Sample {
  events: number;
  orders: OrderEvent[];
  retries: OrderEvent[];
  returns: number;
  exchanges: number;
  multiTenderRefunds: number;
  posTenders: Partial<Record<TenderType, number>>;
  perSecond: number[];
  unitsBySku: Map<string, number>;
  rfidReads: number;
  rfidDuplicates: number;
  rfidTagsByStore: Map<string, Set<string>>;
  counts: { store: string; sku: string; countedQty: number; touched: boolean }[];
  redeliveries: number;
  problems: string[];
}

const sum = (tenders: readonly Tender[]) => tenders.reduce((s, t) => s + t.amountCents, 0);
const total = (lines: readonly { qty: number; unitPriceCents: number }[]) =>
  lines.reduce((s, l) => s + l.qty * l.unitPriceCents, 0);

/** One pass over a generated recording: figures plus every invariant broken (as text). */
function sample(options: GenerateOptions): Sample {
  const s: Sample = {
    events: 0,
    orders: [],
    retries: [],
    returns: 0,
    exchanges: 0,
    multiTenderRefunds: 0,
    posTenders: {},
    perSecond: [],
    unitsBySku: new Map(),
    rfidReads: 0,
    rfidDuplicates: 0,
    rfidTagsByStore: new Map(),
    counts: [],
    redeliveries: 0,
    problems: [],
  };
  const ordersById = new Map<string, OrderEvent>();
  const soldEpcs = new Set<string>();
  const lastRead = new Map<string, number>();
  const inventorySequence = new Map<string, number>();
  const webhookAttempts = new Map<string, number>();
  const touched = new Set<string>();
  const fail = (event: RecordingEvent, why: string) => {
    if (s.problems.length < 10) s.problems.push(`${event.id}: ${why}`);
  };
  const checkRefunds = (event: RecordingEvent, refunds: readonly Tender[], order: OrderEvent) => {
    for (const refund of refunds) {
      const paid = order.tenders.filter((t) => t.type === refund.type).reduce((x, t) => x + t.amountCents, 0);
      if (refund.amountCents > paid)
        fail(event, `refund ${refund.type} ${refund.amountCents} > tender ${paid}`);
    }
  };

  for (const event of generateRecording(options).events) {
    s.events += 1;
    const second = Math.floor(event.t / 1000);
    s.perSecond[second] = (s.perSecond[second] ?? 0) + 1;
    switch (event.kind) {
      case 'order': {
        if (sum(event.tenders) !== total(event.lines)) fail(event, 'tenders do not add up to the lines');
        if (event.channel !== 'pos' && event.tenders.some((t) => t.type === 'cash'))
          fail(event, 'cash online');
        if (event.retryOf !== undefined) {
          const first = ordersById.get(event.retryOf);
          if (
            first === undefined ||
            first.idempotencyKey !== event.idempotencyKey ||
            first.lines !== event.lines
          )
            fail(event, 'retry does not repeat an earlier order');
          s.retries.push(event);
          break;
        }
        s.orders.push(event);
        ordersById.set(event.id, event);
        for (const line of event.lines) {
          s.unitsBySku.set(line.sku, (s.unitsBySku.get(line.sku) ?? 0) + line.qty);
          if (line.epc !== undefined) {
            if (soldEpcs.has(line.epc)) fail(event, `unit ${line.epc} sold twice`);
            soldEpcs.add(line.epc);
            touched.add(`${event.store}/${line.sku}`);
          }
        }
        if (event.channel === 'pos')
          for (const t of event.tenders) s.posTenders[t.type] = (s.posTenders[t.type] ?? 0) + 1;
        break;
      }
      case 'return': {
        s.returns += 1;
        const order = ordersById.get(event.orderRef);
        if (order === undefined) {
          fail(event, 'orderRef is not an earlier order');
          break;
        }
        if (sum(event.refunds) !== total(event.lines))
          fail(event, 'refunds do not add up to the returned lines');
        if (!event.lines.every((l) => order.lines.includes(l)))
          fail(event, 'returned a line the order did not have');
        checkRefunds(event, event.refunds, order);
        if (event.refunds.length > 1) s.multiTenderRefunds += 1;
        break;
      }
      case 'exchange': {
        s.exchanges += 1;
        const order = ordersById.get(event.orderRef);
        if (order === undefined) {
          fail(event, 'orderRef is not an earlier order');
          break;
        }
        const balance = total(event.newLines) - total(event.returnedLines);
        if (balance !== sum(event.tenders) - sum(event.refunds))
          fail(event, 'exchange balance does not add up');
        checkRefunds(event, event.refunds, order);
        if (event.refunds.length > 1) s.multiTenderRefunds += 1;
        break;
      }
      case 'rfid-read': {
        s.rfidReads += 1;
        const last = lastRead.get(event.epc);
        if (last !== undefined && event.t - last <= RFID_DEFAULTS.duplicateWindowMs) s.rfidDuplicates += 1;
        lastRead.set(event.epc, event.t);
        const tags = s.rfidTagsByStore.get(event.store) ?? new Set<string>();
        s.rfidTagsByStore.set(event.store, tags);
        tags.add(event.epc);
        if (soldEpcs.has(event.epc)) fail(event, 'read a tag that was sold before the count');
        break;
      }
      case 'cycle-count':
      case 'receiving':
      case 'barcode-adjustment': {
        const key = `${event.store}/${event.sku}`;
        if (event.sequence <= (inventorySequence.get(key) ?? 0))
          fail(event, 'inventory sequence did not rise');
        inventorySequence.set(key, event.sequence);
        if (event.kind === 'receiving') touched.add(key);
        if (event.kind === 'cycle-count')
          s.counts.push({
            store: event.store,
            sku: event.sku,
            countedQty: event.countedQty,
            touched: touched.has(key),
          });
        break;
      }
      case 'marketplace-webhook': {
        const attempts = (webhookAttempts.get(event.eventId) ?? 0) + 1;
        webhookAttempts.set(event.eventId, attempts);
        if (event.deliveryAttempt !== attempts) fail(event, 'deliveryAttempt out of step with eventId');
        if (attempts > 1) s.redeliveries += 1;
        break;
      }
      default:
        break;
    }
  }
  s.perSecond = Array.from(s.perSecond, (count) => count ?? 0);
  return s;
}

function top1PercentShare(s: Sample, skus: number): number {
  const ranked = [...s.unitsBySku.values()].sort((a, b) => b - a);
  const all = ranked.reduce((a, b) => a + b, 0);
  return ranked.slice(0, Math.ceil(skus * 0.01)).reduce((a, b) => a + b, 0) / all;
}

describe('profile statistics', () => {
  it('steady-day: POS tender mix within ±3 points, lanes near 45/h, ~2.2 units a basket', () => {
    const options = { profile: 'steady-day', seed: 21, durationS: 900, stores: 120, skus: 2000 };
    const s = sample(options);
    expect(s.problems).toEqual([]);
    const tenders = Object.values(s.posTenders).reduce((a, b) => a + b, 0);
    expect(tenders).toBeGreaterThan(4000);
    for (const [type, share] of Object.entries(SHOPPING_DEFAULTS.posTenderMix))
      expect(Math.abs((s.posTenders[type as TenderType] ?? 0) / tenders - share), type).toBeLessThan(0.03);
    const d = PROFILE_DEFAULTS['steady-day'];
    const posOrders = s.orders.filter((o) => o.channel === 'pos').length;
    const perLaneHour = posOrders / (options.stores * d.lanesPerStore * (options.durationS / 3600));
    expect(perLaneHour).toBeGreaterThan(45 * d.laneUtilisation * 0.9);
    expect(perLaneHour).toBeLessThan(45 * d.laneUtilisation * 1.1);
    const units = s.orders.reduce((n, o) => n + o.lines.reduce((u, l) => u + l.qty, 0), 0) / s.orders.length;
    expect(units).toBeGreaterThan(1.9);
    expect(units).toBeLessThan(2.5);
  });

  it('flash-sale: peak second 20-50x the baseline, top 1% of SKUs dominant, bots retry', () => {
    const steady = sample({ profile: 'steady-day', seed: 3, durationS: 600, stores: 4, skus: 2000 });
    expect(steady.problems).toEqual([]);
    const steadyTop = top1PercentShare(steady, 2000);
    for (const seed of [1, 2]) {
      const options = { profile: 'flash-sale', seed, durationS: 150, stores: 4, skus: 2000 };
      const s = sample(options);
      expect(s.problems).toEqual([]);
      const dropS = Math.floor(options.durationS * PROFILE_DEFAULTS['flash-sale'].dropAtFraction);
      const baseline = s.perSecond.slice(0, dropS).reduce((a, b) => a + b, 0) / dropS;
      const peak = Math.max(...s.perSecond);
      expect(peak / baseline).toBeGreaterThanOrEqual(20);
      expect(peak / baseline).toBeLessThanOrEqual(50);
      // The spike arrives within seconds of the drop.
      const firstBig = s.perSecond.findIndex((x) => x > 10 * baseline);
      expect(firstBig - dropS).toBeLessThanOrEqual(5);
      const top = top1PercentShare(s, 2000);
      expect(top).toBeGreaterThan(0.7);
      expect(top).toBeGreaterThan(steadyTop + 0.25);
      expect(s.retries.length).toBeGreaterThan(0.2 * s.orders.length);
      const hot = new Set(
        catalogFor(options)
          .skus.filter((x) => x.hot)
          .map((x) => x.sku),
      );
      expect(s.retries.every((r) => r.lines.every((l) => hot.has(l.sku)))).toBe(true);
    }
  });

  it('returns-wave: 17-25% of orders come back, some refunds over several tenders', () => {
    for (const seed of [1, 2]) {
      const s = sample({ profile: 'returns-wave', seed, durationS: 1200, stores: 6, skus: 1000 });
      expect(s.problems).toEqual([]);
      const rate = (s.returns + s.exchanges) / s.orders.length;
      expect(rate).toBeGreaterThanOrEqual(0.17);
      expect(rate).toBeLessThanOrEqual(0.25);
      expect(s.exchanges / (s.returns + s.exchanges)).toBeGreaterThan(0.2);
      expect(s.multiTenderRefunds / s.returns).toBeGreaterThan(0.1);
    }
  });

  it('rfid-cycle-count: thousands of tags per store, duplicate reads inside the window, ~97% read', () => {
    const options = { profile: 'rfid-cycle-count', seed: 8, durationS: 900, stores: 2, skus: 1000 };
    const s = sample(options);
    expect(s.problems).toEqual([]);
    for (const tags of s.rfidTagsByStore.values()) expect(tags.size).toBeGreaterThan(2000);
    expect(s.rfidDuplicates / s.rfidReads).toBeGreaterThan(0.2);
    const stock = new Map(catalogFor(options).skus.map((x) => [x.sku, x.stockPerStore]));
    const untouched = s.counts.filter((c) => !c.touched);
    expect(untouched.length).toBeGreaterThan(200);
    const counted = untouched.reduce((n, c) => n + c.countedQty, 0);
    const onHand = untouched.reduce((n, c) => n + stock.get(c.sku)!, 0);
    expect(counted / onHand).toBeGreaterThan(RFID_DEFAULTS.readRate - 0.02);
    expect(counted / onHand).toBeLessThanOrEqual(1);
  });

  it('holiday-peak: webhooks redelivered under one eventId, follow-ups point at earlier orders', () => {
    const s = sample({ profile: 'holiday-peak', seed: 5, durationS: 900, stores: 5, skus: 500 });
    expect(s.problems).toEqual([]);
    expect(s.redeliveries).toBeGreaterThan(0);
    expect(s.returns + s.exchanges).toBeGreaterThan(0);
  });
});
