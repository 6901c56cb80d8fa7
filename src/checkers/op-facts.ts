// Narrow readers for op values (see model/op-values.ts): pull out only what the
// checkers need — keys, ids, EPCs, sequences, refunds — with plain property
// checks instead of zod, because they run on every op of a million-op history.
// A value that lacks a needed field reads as undefined (counted as unreadable).
// VALUE_PROJECTIONS lists what each reader reads, so the index can build only
// that much of a value straight from the file: a reader must not read more.
import { compileProjection } from '../history/json-scan.ts';

/** The part of an op's outcome a checker can rely on: `ok` happened, `maybe` (info or never completed) may have. */
export type FactStatus = 'ok' | 'maybe';

export interface CheckoutFact {
  /** Index of the op in the history index. */
  readonly op: number;
  readonly status: FactStatus;
  readonly key: string;
  readonly orderId: string | undefined;
  readonly region: string | undefined;
  readonly epcs: readonly string[] | undefined;
  /** Units asked for, per SKU (undefined when the request's lines could not be read). */
  readonly units?: Units | undefined;
}

/** [sku, qty] per SKU, summed over lines. */
export type Units = readonly (readonly [string, number])[];

export interface RefundFact {
  readonly type: string;
  readonly tenderId: string | undefined;
  readonly amountCents: number;
}

export interface ReturnFact {
  readonly op: number;
  readonly status: FactStatus;
  readonly f: string;
  readonly key: string;
  readonly orderId: string;
  readonly returnId: string | undefined;
  readonly exchangeOrderId: string | undefined;
  readonly refunds: readonly RefundFact[] | undefined;
  readonly returnedEpcs: readonly string[] | undefined;
  readonly soldEpcs: readonly string[] | undefined;
  /** Units taken back and (exchange) handed over, per SKU. */
  readonly returnedUnits?: Units | undefined;
  readonly soldUnits?: Units | undefined;
}

export interface OfflineSaleFact {
  readonly saleId: string;
  /** Tenders as a canonical string ("card:1200|cash:300", sorted) so equality is one comparison. */
  readonly tenders: string;
  /** Units asked for, per SKU: [sku, qty] pairs. */
  readonly units: readonly (readonly [string, number])[];
  /** From the ok answer; undefined when no answer listed the sale (an ok upload still acknowledged it). */
  ackStatus: string | undefined;
  orderId: string | undefined;
  backorderedUnits: number;
}

export interface OfflineSyncFact {
  readonly op: number;
  readonly status: FactStatus;
  readonly batchId: string;
  readonly sales: readonly OfflineSaleFact[];
}

/** An offline upload the target answered with a refusal of the batch itself (a 4xx): its sales are never sent again. */
export interface RefusedOfflineSync {
  readonly op: number;
  readonly batchId: string;
  readonly saleIds: readonly string[];
  /** The target's answer: HTTP status and error code. */
  readonly status: number;
  readonly code: string | undefined;
}

/** A failed op's value that says the target itself refused it (4xx other than 408/429), or undefined. */
export function refusalOf(value: unknown): { status: number; code: string | undefined } | undefined {
  const v = asObj(value);
  const status = typeof v?.status === 'number' ? v.status : undefined;
  if (status === undefined || status < 400 || status >= 500 || status === 408 || status === 429)
    return undefined;
  return { status, code: str(v?.error) };
}

export interface WebhookFact {
  readonly op: number;
  readonly status: FactStatus;
  readonly eventId: string;
  readonly sku: string;
  readonly sequence: number;
  readonly absolute: boolean;
  readonly outcome: string | undefined;
}

export interface CycleCountFact {
  readonly op: number;
  readonly status: FactStatus;
  readonly scanId: string;
  readonly sku: string;
  readonly store: string;
  /** Units counted. */
  readonly qty: number;
  /** How long the reader held the count before sending it: counted at the send minus this. */
  readonly heldMs: number;
}

type Obj = Record<string, unknown>;

export function asObj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null ? (v as Obj) : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** EPCs of the lines in `lines`, or undefined when none carries one (the common case: no array allocated). */
export function readEpcs(lines: unknown): string[] | undefined {
  if (!Array.isArray(lines)) return undefined;
  let out: string[] | undefined;
  for (const line of lines) {
    const epc = str(asObj(line)?.epc);
    if (epc === undefined) continue;
    out ??= [];
    out.push(epc);
  }
  return out === undefined ? undefined : exact(out);
}

/**
 * `a` in an array of its own length. An array filled by push keeps room for 16 or more
 * elements; facts are kept for the whole check, hundreds of thousands of them, so the
 * slack (over 100 bytes an array) is given back here, while the array is still young.
 */
function exact<T>(a: T[]): T[] {
  return a.length === 0 ? [] : a.slice();
}

export function canonicalTenders(tenders: unknown): string | undefined {
  if (!Array.isArray(tenders)) return undefined;
  const parts: string[] = [];
  for (const t of tenders) {
    const o = asObj(t);
    const type = str(o?.type);
    const amount = num(o?.amountCents);
    if (type === undefined || amount === undefined) return undefined;
    parts.push(`${type}:${amount}`);
  }
  return parts.sort().join('|');
}

/** [sku, qty] per SKU, summed over lines. */
export function readUnits(lines: unknown): [string, number][] | undefined {
  if (!Array.isArray(lines)) return undefined;
  const out: [string, number][] = [];
  for (const line of lines) {
    const o = asObj(line);
    const sku = str(o?.sku);
    const qty = num(o?.qty);
    if (sku === undefined || qty === undefined) return undefined;
    const existing = out.find((u) => u[0] === sku);
    if (existing) existing[1] += qty;
    else out.push([sku, qty]);
  }
  return exact(out);
}

export interface CheckoutInvokeFacts {
  readonly key: string;
  readonly epcs: string[] | undefined;
  readonly units: Units | undefined;
}
export function readCheckoutInvoke(value: unknown): CheckoutInvokeFacts | undefined {
  const v = asObj(value);
  const key = str(v?.idempotencyKey);
  if (key === undefined) return undefined;
  return { key, epcs: readEpcs(v?.lines), units: readUnits(v?.lines) };
}
export function readCheckoutOk(value: unknown): { orderId: string | undefined; region: string | undefined } {
  const v = asObj(value);
  return { orderId: str(v?.orderId), region: str(v?.region) };
}

export interface ReturnInvokeFacts {
  readonly key: string;
  readonly orderId: string;
  readonly returnedEpcs: string[] | undefined;
  readonly soldEpcs: string[] | undefined;
  readonly returnedUnits: Units | undefined;
  readonly soldUnits: Units | undefined;
}
export function readReturnInvoke(value: unknown): ReturnInvokeFacts | undefined {
  const v = asObj(value);
  const key = str(v?.idempotencyKey);
  const orderId = str(v?.orderId);
  if (key === undefined || orderId === undefined) return undefined;
  return {
    key,
    orderId,
    returnedEpcs: readEpcs(v?.lines),
    soldEpcs: readEpcs(v?.newLines),
    returnedUnits: readUnits(v?.lines),
    soldUnits: readUnits(v?.newLines),
  };
}
export function readReturnOk(
  value: unknown,
):
  | { returnId: string | undefined; exchangeOrderId: string | undefined; refunds: RefundFact[] | undefined }
  | undefined {
  const v = asObj(value);
  if (v === undefined) return undefined;
  let refunds: RefundFact[] | undefined;
  if (Array.isArray(v.refunds)) {
    refunds = [];
    for (const r of v.refunds) {
      const o = asObj(r);
      const type = str(o?.type);
      const amountCents = num(o?.amountCents);
      if (type === undefined || amountCents === undefined) {
        refunds = undefined;
        break;
      }
      refunds.push({ type, tenderId: str(o?.tenderId), amountCents });
    }
    if (refunds !== undefined) refunds = exact(refunds);
  }
  return { returnId: str(v.returnId), exchangeOrderId: str(v.exchangeOrderId), refunds };
}

export function readOfflineSyncInvoke(
  value: unknown,
): { batchId: string; sales: OfflineSaleFact[] } | undefined {
  const v = asObj(value);
  const batchId = str(v?.batchId);
  if (batchId === undefined || !Array.isArray(v?.sales)) return undefined;
  const sales: OfflineSaleFact[] = [];
  for (const s of v.sales) {
    const o = asObj(s);
    const saleId = str(o?.saleId);
    const tenders = canonicalTenders(o?.tenders);
    const units = readUnits(o?.lines);
    if (saleId === undefined || tenders === undefined || units === undefined) return undefined;
    sales.push({ saleId, tenders, units, ackStatus: undefined, orderId: undefined, backorderedUnits: 0 });
  }
  return { batchId, sales: exact(sales) };
}
/**
 * Copies each listed sale's answer onto the sale facts; false when the answer cannot be
 * read. A sale the answer leaves out keeps ackStatus undefined: the 200 still acknowledged
 * it (the till drops the whole batch), only what the store did with it is unknown.
 */
export function applyOfflineSyncOk(value: unknown, sales: readonly OfflineSaleFact[]): boolean {
  const v = asObj(value);
  if (!Array.isArray(v?.sales)) return false;
  const bySale = new Map(sales.map((s) => [s.saleId, s]));
  for (const a of v.sales) {
    const o = asObj(a);
    const sale = bySale.get(str(o?.saleId) ?? '');
    if (sale === undefined) continue;
    sale.ackStatus = str(o?.status);
    sale.orderId = str(o?.orderId);
    if (Array.isArray(o?.backordered)) {
      for (const b of o.backordered) sale.backorderedUnits += num(asObj(b)?.qty) ?? 0;
    }
  }
  return true;
}

export interface WebhookInvokeFacts {
  readonly eventId: string;
  readonly sku: string;
  readonly sequence: number;
  readonly absolute: boolean;
}
export function readWebhookInvoke(value: unknown): WebhookInvokeFacts | undefined {
  const v = asObj(value);
  const eventId = str(v?.eventId);
  const sku = str(v?.sku);
  const sequence = num(v?.sequence);
  if (eventId === undefined || sku === undefined || sequence === undefined) return undefined;
  return { eventId, sku, sequence, absolute: v?.absolute !== undefined };
}
export function readWebhookOk(value: unknown): string | undefined {
  return str(asObj(value)?.outcome);
}

export type CycleCountInvokeFacts = Omit<CycleCountFact, 'op' | 'status'>;
/** A cycle count's request; null for another kind of scan (nothing to read), undefined when unreadable. */
export function readCycleCountInvoke(value: unknown): CycleCountInvokeFacts | null | undefined {
  const v = asObj(value);
  const kind = str(v?.kind);
  if (kind !== undefined && kind !== 'cycle-count') return null;
  const scanId = str(v?.scanId);
  const sku = str(v?.sku);
  const store = str(v?.store);
  const qty = num(v?.qty);
  if (kind === undefined || scanId === undefined || sku === undefined || store === undefined)
    return undefined;
  if (qty === undefined) return undefined;
  return { scanId, sku, store, qty, heldMs: Math.max(0, num(v?.heldMs) ?? 0) };
}

export interface PropagationSample {
  readonly writtenNs: number;
  readonly visibleNs: number | undefined;
}
export function readPropagation(value: unknown): PropagationSample | undefined {
  const v = asObj(value);
  const writtenNs = num(v?.writtenNs);
  if (writtenNs === undefined) return undefined;
  return { writtenNs, visibleNs: num(v?.visibleNs) };
}

const units = [{ epc: true, sku: true, qty: true }] as const;

/** The parts of op values the readers above read (and nothing else), for building values partially. */
export const VALUE_PROJECTIONS = {
  checkoutInvoke: compileProjection({ idempotencyKey: true, lines: units }),
  checkoutOk: compileProjection({ orderId: true, region: true }),
  returnInvoke: compileProjection({ idempotencyKey: true, orderId: true, lines: units, newLines: units }),
  returnOk: compileProjection({
    returnId: true,
    exchangeOrderId: true,
    refunds: [{ type: true, tenderId: true, amountCents: true }],
  }),
  webhookInvoke: compileProjection({ eventId: true, sku: true, sequence: true, absolute: true }),
  webhookOk: compileProjection({ outcome: true }),
  scanInvoke: compileProjection({
    kind: true,
    scanId: true,
    sku: true,
    store: true,
    qty: true,
    heldMs: true,
  }),
  /** A refused upload's answer: its HTTP status and error code (refusalOf). */
  offlineSyncFail: compileProjection({ status: true, error: true }),
  offlineSyncInvoke: compileProjection({
    batchId: true,
    sales: [
      { saleId: true, tenders: [{ type: true, amountCents: true }], lines: [{ sku: true, qty: true }] },
    ],
  }),
  offlineSyncOk: compileProjection({
    sales: [{ saleId: true, status: true, orderId: true, backordered: [{ qty: true }] }],
  }),
};
