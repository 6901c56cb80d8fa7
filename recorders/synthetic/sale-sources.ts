// Sales traffic: POS lanes on a ~45 customers/hour cadence, online shoppers
// as a time-varying Poisson process (with the flash-sale drop and its bots),
// and returns/exchanges that point back at earlier orders of the recording.
import type {
  Channel,
  ExchangeEvent,
  LineItem,
  OrderEvent,
  ReturnEvent,
  Tender,
} from '../../src/model/recording-schema.ts';
import { RETURN_DEFAULTS, SHOPPING_DEFAULTS } from '../profiles/profile-defaults.ts';
import {
  allocateRefund,
  drawBasket,
  drawTenders,
  linesFor,
  linesTotal,
  type TenderMix,
} from './basket-builder.ts';
import type { SimulationContext, Source } from './simulation-context.ts';
import { ONLINE_LOCATION, storeId } from './synthetic-catalog.ts';

const LANE_CYCLE_MS = 3_600_000 / SHOPPING_DEFAULTS.posCustomersPerLaneHour;
const CLOSED_LANE_RECHECK_MS = 60_000;

export function startSaleSources(ctx: SimulationContext): void {
  const { pos, web } = ctx.plan;
  if (pos !== undefined) {
    for (let store = 1; store <= ctx.options.stores; store++) {
      for (let lane = 1; lane <= pos.lanesPerStore; lane++) {
        // Lanes start out of phase, as tills already mid-transaction would be.
        const utilisation = Math.max(0.05, pos.utilisation(0));
        ctx.schedule(ctx.random.uniform(0, LANE_CYCLE_MS / utilisation), posLaneSource, { store, lane });
      }
    }
  }
  if (web !== undefined && web.peakOrdersPerSecond > 0) {
    ctx.schedule(ctx.random.exponential(1000 / web.peakOrdersPerSecond), webShopperSource, undefined);
  }
}

const posLaneSource: Source<{ store: number; lane: number }> = {
  fire(ctx, timeMs, lane) {
    const utilisation = Math.min(1, ctx.plan.pos!.utilisation(timeMs / 1000));
    if (utilisation <= 0) {
      ctx.schedule(timeMs + CLOSED_LANE_RECHECK_MS, posLaneSource, lane);
      return undefined;
    }
    // A lane's cycle is the transaction itself plus idle time between
    // customers; at utilisation 1 it averages 80 s (45 customers/hour).
    const service = ctx.random.lognormal(LANE_CYCLE_MS, SHOPPING_DEFAULTS.posCycleCv);
    const idle = utilisation < 1 ? ctx.random.exponential(LANE_CYCLE_MS * (1 / utilisation - 1)) : 0;
    ctx.schedule(timeMs + service + idle, posLaneSource, lane);
    const customer = ctx.random.chance(SHOPPING_DEFAULTS.posLoyaltyShare) ? ctx.randomCustomer() : undefined;
    const lines = drawBasket(ctx, lane.store);
    return placeOrder(ctx, timeMs, {
      channel: 'pos',
      store: storeId(lane.store),
      terminal: terminalId(lane.store, lane.lane),
      customer,
      lines,
      mix: SHOPPING_DEFAULTS.posTenderMix,
    });
  },
};

// Thinning (Lewis-Shedler): propose at the peak rate, keep a proposal with
// probability rate(t)/peak. Exact for any rate curve, including a drop that
// goes 30x within seconds.
const webShopperSource: Source<undefined> = {
  fire(ctx, timeMs) {
    const web = ctx.plan.web!;
    const tS = timeMs / 1000;
    ctx.schedule(
      timeMs + ctx.random.exponential(1000 / web.peakOrdersPerSecond),
      webShopperSource,
      undefined,
    );
    if (!ctx.random.chance(web.ordersPerSecond(tS) / web.peakOrdersPerSecond)) return undefined;
    const drop = ctx.plan.hotDrop;
    if (drop !== undefined && ctx.random.chance(drop.share(tS))) return placeHotOrder(ctx, timeMs);
    return placeOrder(ctx, timeMs, {
      channel: 'web',
      store: ONLINE_LOCATION,
      customer: ctx.randomCustomer(),
      lines: drawBasket(ctx, 0),
      mix: SHOPPING_DEFAULTS.webTenderMix,
    });
  },
};

function placeHotOrder(ctx: SimulationContext, timeMs: number): OrderEvent {
  const { model, random } = ctx;
  const skuIndex = model.hotSkuIndexes[random.pickCumulative(model.hotPopularity)]!;
  const bots = ctx.plan.bots;
  const isBot = bots !== undefined && random.chance(bots.share);
  const customer = isBot ? ctx.botCustomer(random.int(0, bots.poolSize - 1)) : ctx.randomCustomer();
  // Drops limit one unit per customer.
  const order = placeOrder(ctx, timeMs, {
    channel: 'web',
    store: ONLINE_LOCATION,
    customer,
    lines: linesFor(ctx, 0, skuIndex, 1),
    mix: SHOPPING_DEFAULTS.webTenderMix,
    noFollowUp: true,
  });
  if (isBot) {
    const retries = 1 + random.geometric(bots.retriesMean - 1);
    ctx.schedule(timeMs + random.uniform(...bots.retryDelayMs), botRetrySource, {
      original: order,
      left: retries,
    });
  }
  return order;
}

/** A bot's retry: the same order and idempotency key, a new event id, retryOf set. */
const botRetrySource: Source<{ original: OrderEvent; left: number }> = {
  fire(ctx, timeMs, retry) {
    if (retry.left > 1) {
      const delay = ctx.random.uniform(...ctx.plan.bots!.retryDelayMs);
      ctx.schedule(timeMs + delay, botRetrySource, { original: retry.original, left: retry.left - 1 });
    }
    return { ...retry.original, t: timeMs, id: ctx.nextId('ord'), retryOf: retry.original.id };
  },
};

interface OrderDraft {
  readonly channel: Channel;
  readonly store: string;
  readonly terminal?: string;
  readonly customer: OrderEvent['customer'];
  readonly lines: LineItem[];
  readonly mix: TenderMix;
  readonly noFollowUp?: boolean;
}

function placeOrder(ctx: SimulationContext, timeMs: number, draft: OrderDraft): OrderEvent {
  const splitRate = ctx.plan.splitTenderRate ?? SHOPPING_DEFAULTS.splitTenderRate;
  const order: OrderEvent = {
    t: timeMs,
    kind: 'order',
    id: ctx.nextId('ord'),
    channel: draft.channel,
    store: draft.store,
    terminal: draft.terminal,
    customer: draft.customer,
    lines: draft.lines,
    tenders: drawTenders(ctx.random, linesTotal(draft.lines), draft.mix, splitRate),
    idempotencyKey: ctx.random.uuid(),
  };
  const returns = ctx.plan.returns;
  if (returns !== undefined && !draft.noFollowUp && ctx.random.chance(returns.rate)) {
    const left = ctx.durationMs - timeMs;
    const delay = left * ctx.random.uniform(RETURN_DEFAULTS.minDelayFraction, 1);
    ctx.schedule(timeMs + delay, followUpSource, order);
  }
  return order;
}

/** A return or a size exchange of an earlier order, where the customer brings it back. */
const followUpSource: Source<OrderEvent> = {
  fire(ctx, timeMs, order) {
    const exchange = ctx.random.chance(ctx.plan.returns!.exchangeShare);
    return exchange ? exchangeOf(ctx, timeMs, order) : returnOf(ctx, timeMs, order);
  },
};

interface Counter {
  readonly channel: Channel;
  readonly storeNumber: number;
  readonly terminal?: string;
}

function counterFor(ctx: SimulationContext, order: OrderEvent): Counter {
  const lanes = ctx.plan.pos?.lanesPerStore ?? 1;
  if (order.channel === 'pos') {
    const storeNumber = Number(order.store.slice(1));
    return { channel: 'pos', storeNumber, terminal: terminalId(storeNumber, ctx.random.int(1, lanes)) };
  }
  if (ctx.random.chance(RETURN_DEFAULTS.webReturnInStoreShare)) {
    const storeNumber = ctx.random.int(1, ctx.options.stores);
    return { channel: 'pos', storeNumber, terminal: terminalId(storeNumber, ctx.random.int(1, lanes)) };
  }
  return { channel: 'web', storeNumber: 0 };
}

function returnOf(ctx: SimulationContext, timeMs: number, order: OrderEvent): ReturnEvent {
  const { random } = ctx;
  const counter = counterFor(ctx, order);
  let lines = order.lines.filter(() => random.chance(RETURN_DEFAULTS.lineReturnProbability));
  if (lines.length === 0) lines = [random.pick(order.lines)];
  return {
    t: timeMs,
    kind: 'return',
    id: ctx.nextId('ret'),
    orderRef: order.id,
    channel: counter.channel,
    store: storeId(counter.storeNumber),
    terminal: counter.terminal,
    lines,
    refunds: allocateRefund(linesTotal(lines), order.tenders),
    reason: random.pickPair(RETURN_DEFAULTS.reasons),
    idempotencyKey: random.uuid(),
  };
}

function exchangeOf(ctx: SimulationContext, timeMs: number, order: OrderEvent): ExchangeEvent {
  const { random } = ctx;
  const counter = counterFor(ctx, order);
  const original = random.pick(order.lines);
  const returnedLine: LineItem = { ...original, qty: 1 };
  const returnedIndex = Number(original.sku.slice(4)) - 1;
  const newIndex = otherSize(ctx, returnedIndex);
  const newLines = linesFor(ctx, counter.storeNumber, newIndex, 1);
  // Same style, so even money until a markdown lands between sale and exchange.
  const balance = linesTotal(newLines) - returnedLine.unitPriceCents;
  const mix = counter.channel === 'pos' ? SHOPPING_DEFAULTS.posTenderMix : SHOPPING_DEFAULTS.webTenderMix;
  const tenders: Tender[] = balance > 0 ? drawTenders(random, balance, mix, 0) : [];
  const refunds: Tender[] = balance < 0 ? allocateRefund(-balance, order.tenders) : [];
  return {
    t: timeMs,
    kind: 'exchange',
    id: ctx.nextId('exc'),
    orderRef: order.id,
    channel: counter.channel,
    store: storeId(counter.storeNumber),
    terminal: counter.terminal,
    returnedLines: [returnedLine],
    newLines,
    tenders,
    refunds,
    idempotencyKey: random.uuid(),
  };
}

/** Another size of the same style (the usual fashion exchange), or the same SKU if it has no sizes. */
function otherSize(ctx: SimulationContext, skuIndex: number): number {
  const skus = ctx.model.catalog.skus;
  const style = skus[skuIndex]!.style;
  const sizes: number[] = [];
  for (let i = Math.max(0, skuIndex - 8); i < Math.min(skus.length, skuIndex + 9); i++) {
    if (i !== skuIndex && skus[i]!.style === style && !skus[i]!.hot) sizes.push(i);
  }
  return sizes.length === 0 ? skuIndex : ctx.random.pick(sizes);
}

export function terminalId(storeNumber: number, lane: number): string {
  return `${storeId(storeNumber)}-L${String(lane).padStart(2, '0')}`;
}
