// One recording event → the op a device replays (f, process, value), with
// values in exactly the shapes of src/model/op-values.ts. Events no device
// replays (price changes, raw RFID reads unless asked) come back as a skip reason.
import {
  type CheckoutInvokeValue,
  type ExchangeInvokeValue,
  type LineValue,
  OP,
  type ReturnInvokeValue,
  type ScanInvokeValue,
  type TenderValue,
  type WebhookInvokeValue,
} from '../model/op-values.ts';
import type {
  LineItem,
  OrderEvent,
  RecordingEvent,
  RfidReadEvent,
  Tender,
} from '../model/recording-schema.ts';
import {
  posDevice,
  rfidDevice,
  scannerDevice,
  shardIndexOf,
  webDevice,
  webhookDevice,
} from './device-ids.ts';

/** f of a published raw RFID read: not an op-values function, so checkers pass over it. */
export const RFID_READ_F = 'rfid-read';

export interface RfidReadValue {
  readonly readId: string;
  readonly store: string;
  readonly reader: string;
  readonly sku: string;
  readonly epc: string;
  readonly rssi?: number;
}

/** How many devices of each kind the events are spread over. */
export interface DeviceLayout {
  /** Web orders are spread over this many shoppers by customer (default 100). */
  readonly webShoppers?: number;
  /** When set, recorded terminals are folded onto lane-1…lane-n of their store. */
  readonly posLanesPerStore?: number;
  /** Cycle counts are spread over this many readers per store by SKU (default 2). */
  readonly rfidReadersPerStore?: number;
  /** Receiving and adjustments without a device are spread over this many per store by SKU (default 1). */
  readonly scannersPerStore?: number;
  /** Marketplace webhooks name no location; they take stock here (default S000, the online location). */
  readonly webhookStore?: string;
}

/** A remapping: a map (ids not in it stay as they are) or a function. */
export type IdRemap = ReadonlyMap<string, string> | ((id: string) => string);

export interface OpDraft {
  readonly f: string;
  readonly process: string;
  readonly value: unknown;
  /** Returns and exchanges: the recording id of the order they refer to. */
  readonly orderRef?: string;
}

export type SkipReason = 'price-change' | 'rfid-read' | 'return-without-order';

export interface DraftContext {
  readonly layout: DeviceLayout;
  readonly sku: (id: string) => string;
  readonly store: (id: string) => string;
  /** Publish raw RFID reads as `rfid-read` ops instead of leaving them out. */
  readonly rfidReads: 'skip' | 'publish';
  /** The order event a return or exchange refers to, when it is in the plan. */
  readonly orderOf: (ref: string) => OrderEvent | undefined;
}

export function toRemap(remap: IdRemap | undefined): (id: string) => string {
  if (remap === undefined) return (id) => id;
  if (typeof remap === 'function') return remap;
  return (id) => remap.get(id) ?? id;
}

export function draftOp(event: RecordingEvent, ctx: DraftContext): OpDraft | SkipReason {
  switch (event.kind) {
    case 'order':
      return { f: OP.checkout, process: orderDevice(event, ctx), value: checkoutValue(event, ctx) };
    case 'return':
    case 'exchange': {
      const order = ctx.orderOf(event.orderRef);
      if (order === undefined) return 'return-without-order';
      const base = {
        orderId: event.orderRef,
        store: ctx.store(event.store),
        idempotencyKey: event.idempotencyKey,
      };
      // Online returns come from the shopper who bought; in-store ones from the lane that takes them.
      const process =
        event.channel === 'pos'
          ? posDevice(ctx.store(event.store), lane(event.terminal, ctx))
          : orderDevice(order, ctx);
      if (event.kind === 'return') {
        const value: ReturnInvokeValue = { ...base, lines: lines(event.lines, ctx) };
        return { f: OP.return, process, value, orderRef: event.orderRef };
      }
      const value: ExchangeInvokeValue = {
        ...base,
        lines: lines(event.returnedLines, ctx),
        newLines: lines(event.newLines, ctx),
      };
      if (event.tenders.length > 0) value.tenders = tenders(event.tenders);
      return { f: OP.exchange, process, value, orderRef: event.orderRef };
    }
    case 'cycle-count': {
      const store = ctx.store(event.store);
      const sku = ctx.sku(event.sku);
      const reader = `reader-${1 + shardIndexOf(sku, ctx.layout.rfidReadersPerStore ?? 2)}`;
      const value: ScanInvokeValue = {
        scanId: event.id,
        store,
        sku,
        sequence: event.sequence,
        kind: 'cycle-count',
        qty: event.countedQty,
      };
      return { f: OP.scan, process: rfidDevice(store, reader), value };
    }
    case 'receiving':
    case 'barcode-adjustment': {
      const store = ctx.store(event.store);
      const sku = ctx.sku(event.sku);
      const device = event.kind === 'barcode-adjustment' ? event.device : undefined;
      const scanner = device ?? `scanner-${1 + shardIndexOf(sku, ctx.layout.scannersPerStore ?? 1)}`;
      const value: ScanInvokeValue = {
        scanId: event.id,
        store,
        sku,
        sequence: event.sequence,
        kind: event.kind === 'receiving' ? 'receiving' : 'adjustment',
        qty: event.kind === 'receiving' ? event.qty : event.delta,
      };
      return { f: OP.scan, process: scannerDevice(store, scanner), value };
    }
    case 'marketplace-webhook': {
      const base = {
        eventId: event.eventId,
        sku: ctx.sku(event.sku),
        store: ctx.store(ctx.layout.webhookStore ?? 'S000'),
        sequence: event.sequence,
      };
      const value: WebhookInvokeValue =
        event.eventType === 'order'
          ? { ...base, kind: 'order.placed', delta: -event.payload.qty }
          : { ...base, kind: 'inventory', absolute: event.payload.availableQty };
      return { f: OP.webhook, process: webhookDevice(event.marketplace), value };
    }
    case 'rfid-read':
      return ctx.rfidReads === 'publish' ? rfidReadOp(event, ctx) : 'rfid-read';
    case 'price-change':
      // No device replays a price change: the SUT's catalog is seeded before the run.
      return 'price-change';
  }
}

function orderDevice(order: OrderEvent, ctx: DraftContext): string {
  const store = ctx.store(order.store);
  if (order.channel === 'pos') return posDevice(store, lane(order.terminal, ctx));
  if (order.channel === 'marketplace') return `web:marketplace-${store}`;
  // One shopper per customer, so a bot's retries and a shopper's returns stay on one device.
  const who = order.customer?.id ?? order.retryOf ?? order.id;
  return webDevice(1 + shardIndexOf(who, ctx.layout.webShoppers ?? 100));
}

function lane(terminal: string | undefined, ctx: DraftContext): string | undefined {
  const lanes = ctx.layout.posLanesPerStore;
  if (lanes === undefined || terminal === undefined) return terminal;
  const n = /(\d+)$/.exec(terminal);
  const index = n ? (Number(n[1]) - 1 + lanes) % lanes : shardIndexOf(terminal, lanes);
  return `L${index + 1}`;
}

function checkoutValue(order: OrderEvent, ctx: DraftContext): CheckoutInvokeValue {
  const value: CheckoutInvokeValue = {
    channel: order.channel,
    store: ctx.store(order.store),
    lines: lines(order.lines, ctx),
    tenders: tenders(order.tenders),
    idempotencyKey: order.idempotencyKey,
  };
  if (order.terminal !== undefined) value.terminal = order.terminal;
  return value;
}

function lines(items: readonly LineItem[], ctx: DraftContext): LineValue[] {
  return items.map((l) =>
    l.epc === undefined
      ? { sku: ctx.sku(l.sku), qty: l.qty }
      : { sku: ctx.sku(l.sku), qty: l.qty, epc: l.epc },
  );
}

function tenders(items: readonly Tender[]): TenderValue[] {
  return items.map((t) => ({ type: t.type, amountCents: t.amountCents }));
}

function rfidReadOp(event: RfidReadEvent, ctx: DraftContext): OpDraft {
  const store = ctx.store(event.store);
  const n = /(\d+)$/.exec(event.reader);
  const reader = n ? `reader-${Number(n[1])}` : event.reader;
  const value: RfidReadValue = {
    readId: event.id,
    store,
    reader,
    sku: ctx.sku(event.sku),
    epc: event.epc,
    ...(event.rssi === undefined ? {} : { rssi: event.rssi }),
  };
  return { f: RFID_READ_F, process: rfidDevice(store, reader), value };
}
