// The reference store's answers → completions with op-values shapes. 2xx is ok
// (its body translated), 4xx fail, 5xx fail only when the store says
// `outcome: not-applied` and info otherwise; a body that cannot be read is info.
import type { Completion } from '../../engines/open-model-scheduler.ts';
import type {
  CheckoutOkValue,
  OfflineSyncOkValue,
  ReadStockOkValue,
  ReturnOkValue,
  TenderValue,
  WebhookOkValue,
} from '../../model/op-values.ts';
import type { HttpOutcome } from './store-http.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null ? (v as Obj) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A 2xx body the store should not have sent: the op happened, what it did is unknown. */
class UnreadableAnswer extends Error {}

/** Completion of an HTTP op; `ok` turns a 2xx body into the op's ok value (throw to say it is unreadable). */
export function completionOf(outcome: HttpOutcome, ok: (body: unknown) => unknown): Completion {
  if (outcome.kind === 'not-sent') return { type: 'fail', error: outcome.error };
  if (outcome.kind === 'unknown') return { type: 'info', error: outcome.error };
  const { status, body } = outcome;
  if (status >= 200 && status < 300) {
    try {
      return { type: 'ok', value: ok(body) };
    } catch (error) {
      return {
        type: 'info',
        value: { status },
        error: { code: 'unreadable-answer', message: (error as Error).message },
      };
    }
  }
  const b = obj(body);
  const code = str(b?.error) ?? `http-${status}`;
  const error = { code, message: str(b?.message) ?? `HTTP ${status}` };
  const value = { status, error: code };
  if (status >= 400 && status < 500 && status !== 408) return { type: 'fail', value, error };
  return { type: b?.outcome === 'not-applied' ? 'fail' : 'info', value, error };
}

/** A store answer that says the store cannot take writes right now (not the request's fault). */
export function isUnavailable(outcome: HttpOutcome): boolean {
  return outcome.kind === 'answer' && outcome.status === 503 && obj(outcome.body)?.outcome === 'not-applied';
}

function need(v: string | undefined, what: string): string {
  if (v === undefined) throw new UnreadableAnswer(`the answer has no ${what}`);
  return v;
}

function tenderOf(t: unknown): TenderValue {
  const o = obj(t);
  const tender: TenderValue = {
    type: need(str(o?.kind), 'tender kind'),
    amountCents: Number(o?.amountCents),
  };
  const id = str(o?.tenderId);
  if (id !== undefined) tender.tenderId = id;
  return tender;
}

export function checkoutOk(body: unknown): CheckoutOkValue {
  const b = obj(body);
  const value: CheckoutOkValue = {
    orderId: need(str(b?.orderId), 'orderId'),
    lines: arr(b?.lines).map((l) => {
      const o = obj(l);
      const epc = str(o?.epc);
      const line = { sku: need(str(o?.sku), 'line sku'), qty: Number(o?.qty) };
      return epc === undefined ? line : { ...line, epc };
    }),
    totalCents: Number(b?.totalCents),
    tenders: arr(b?.tenders).map(tenderOf),
  };
  const region = str(b?.region);
  if (region !== undefined) value.region = region;
  return value;
}

export function returnOk(body: unknown): ReturnOkValue {
  const b = obj(body);
  const value: ReturnOkValue = {
    returnId: need(str(b?.returnId), 'returnId'),
    orderId: need(str(b?.orderId), 'orderId'),
    refunds: arr(b?.refunds).map(tenderOf),
  };
  const exchange = str(obj(obj(b?.exchange)?.order)?.orderId);
  if (exchange !== undefined) value.exchangeOrderId = exchange;
  const region = str(b?.region);
  if (region !== undefined) value.region = region;
  return value;
}

export function offlineSyncOk(body: unknown): OfflineSyncOkValue {
  const b = obj(body);
  return {
    batchId: need(str(b?.batchId), 'batchId'),
    sales: arr(b?.sales).map((s) => {
      const o = obj(s);
      const backordered = arr(o?.backordered).map((x) => ({
        sku: need(str(obj(x)?.sku), 'backordered sku'),
        qty: Number(obj(x)?.qty),
      }));
      const status =
        o?.status === 'already-applied' ? 'duplicate' : backordered.length > 0 ? 'backordered' : 'applied';
      const sale: OfflineSyncOkValue['sales'][number] = { saleId: need(str(o?.saleId), 'saleId'), status };
      const orderId = str(o?.orderId);
      if (orderId !== undefined) sale.orderId = orderId;
      if (backordered.length > 0) sale.backordered = backordered;
      return sale;
    }),
  };
}

export function readStockOk(body: unknown): ReadStockOkValue {
  const b = obj(body);
  const stores: Record<string, number> = {};
  for (const [store, n] of Object.entries(obj(b?.stores) ?? {})) stores[store] = Number(n);
  return { sku: need(str(b?.sku), 'sku'), total: Number(b?.total), stores };
}

/** Webhook answers are 200 even for an unknown SKU; that one was not applied, so it is a fail. */
export function webhookCompletion(outcome: HttpOutcome): Completion {
  const done = completionOf(outcome, (body) => {
    const o = str(obj(body)?.outcome);
    if (o === 'unknown-sku') return o;
    if (o !== 'applied' && o !== 'duplicate' && o !== 'stale' && o !== 'queued')
      throw new UnreadableAnswer(`outcome ${o}`);
    return { outcome: o } satisfies WebhookOkValue;
  });
  if (done.type === 'ok' && done.value === 'unknown-sku') {
    return {
      type: 'fail',
      value: { status: 200, error: 'unknown-sku' },
      error: { code: 'unknown-sku', message: 'the store does not know this SKU' },
    };
  }
  return done;
}
