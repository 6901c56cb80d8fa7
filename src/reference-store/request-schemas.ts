// The shapes of every request body and Kafka message the store accepts,
// validated with zod. A rejection names every bad field at once (400), and
// nothing is written for a request that fails here.
import { z } from 'zod';
import { StoreApiError } from './store-errors.ts';

export const MAX_LINES = 100;
export const MAX_TENDERS = 10;
export const MAX_OFFLINE_SALES = 500;
export const MAX_QTY = 10_000;

const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\x21-\x7e]+$/, 'must be 1–64 visible ASCII characters');
const qty = z.number().int().positive().max(MAX_QTY);
const cents = z.number().int().nonnegative().max(100_000_000_000);
const timestamp = z.iso.datetime({ offset: true });

export const TENDER_KINDS = ['card', 'debit', 'gift_card', 'cash', 'store_credit'] as const;
export type TenderKind = (typeof TENDER_KINDS)[number];
export const CHANNELS = ['web', 'pos', 'marketplace'] as const;
export type Channel = (typeof CHANNELS)[number];

const tender = z.strictObject({ kind: z.enum(TENDER_KINDS), amountCents: cents.positive() });
const tenders = z.array(tender).max(MAX_TENDERS);

const saleLine = z.strictObject({ sku: id, qty, epc: id.optional() });
export type SaleLine = z.infer<typeof saleLine>;

/** An EPC names one physical unit: a line with one sells exactly one, and no EPC twice per request. */
function checkEpcs(
  lines: readonly { qty: number; epc?: string | undefined }[],
  ctx: z.RefinementCtx,
  path: string,
) {
  const seen = new Set<string>();
  lines.forEach((line, i) => {
    if (line.epc === undefined) return;
    if (line.qty !== 1)
      ctx.addIssue({ code: 'custom', path: [path, i, 'qty'], message: 'a line with an epc must have qty 1' });
    if (seen.has(line.epc))
      ctx.addIssue({ code: 'custom', path: [path, i, 'epc'], message: `epc ${line.epc} appears twice` });
    seen.add(line.epc);
  });
}

export const checkoutRequest = z
  .strictObject({
    channel: z.enum(CHANNELS),
    store: id,
    terminal: id.optional(),
    lines: z.array(saleLine).min(1).max(MAX_LINES),
    tenders: tenders.min(1),
  })
  .superRefine((v, ctx) => checkEpcs(v.lines, ctx, 'lines'));
export type CheckoutRequest = z.infer<typeof checkoutRequest>;

export const returnRequest = z
  .strictObject({
    store: id,
    terminal: id.optional(),
    lines: z.array(saleLine).min(1).max(MAX_LINES),
    /** Items handed over in exchange, paid first from the returned value, then from `tenders`. */
    exchangeLines: z.array(saleLine).max(MAX_LINES).optional(),
    tenders: tenders.optional(),
  })
  .superRefine((v, ctx) => checkEpcs(v.exchangeLines ?? [], ctx, 'exchangeLines'));
export type ReturnRequest = z.infer<typeof returnRequest>;

const offlineLine = z.strictObject({ sku: id, qty, unitPriceCents: cents, epc: id.optional() });
const offlineSale = z
  .strictObject({
    saleId: id,
    soldAt: timestamp,
    lines: z.array(offlineLine).min(1).max(MAX_LINES),
    tenders: tenders.min(1),
  })
  // Tenders that do not add up to the lines are recorded as rung up, not refused: the goods
  // left the store, and the till discards a refused batch with every other sale in it.
  .superRefine((sale, ctx) => checkEpcs(sale.lines, ctx, 'lines'));
export type OfflineSale = z.infer<typeof offlineSale>;

/** Sales whose tenders do not add up to their lines (the `offline-strict-tenders` defect refuses their batch). */
export function tenderMismatches(sales: readonly OfflineSale[]): string[] {
  return sales.flatMap((sale, i) => {
    const total = sale.lines.reduce((sum, l) => sum + l.qty * l.unitPriceCents, 0);
    const paid = sale.tenders.reduce((sum, t) => sum + t.amountCents, 0);
    return total === paid ? [] : [`sales[${i}].tenders sum to ${paid} cents but the lines total ${total}`];
  });
}

export const offlineSyncRequest = z
  .strictObject({
    batchId: id,
    store: id,
    terminal: id,
    sales: z.array(offlineSale).min(1).max(MAX_OFFLINE_SALES),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.sales.forEach((s, i) => {
      if (seen.has(s.saleId))
        ctx.addIssue({
          code: 'custom',
          path: ['sales', i, 'saleId'],
          message: `sale ${s.saleId} appears twice in the batch`,
        });
      seen.add(s.saleId);
    });
  });
export type OfflineSyncRequest = z.infer<typeof offlineSyncRequest>;

export const WEBHOOK_TYPES = ['order.placed', 'order.cancelled', 'inventory.adjusted'] as const;
export const webhookEvent = z
  .strictObject({
    eventId: id,
    type: z.enum(WEBHOOK_TYPES),
    sku: id,
    store: id,
    /** Per SKU, increasing; the marketplace's own order of events for that SKU. */
    sequence: z.number().int().positive(),
    /** Units: ordered / cancelled (> 0), or a signed adjustment (≠ 0). */
    qty: z.number().int().min(-MAX_QTY).max(MAX_QTY),
    marketplaceOrderId: id.optional(),
    occurredAt: timestamp.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.type === 'inventory.adjusted' ? v.qty === 0 : v.qty <= 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['qty'],
        message: v.type === 'inventory.adjusted' ? 'must not be 0' : 'must be > 0',
      });
    }
  });
export type WebhookEvent = z.infer<typeof webhookEvent>;

export const SCAN_KINDS = ['cycle-count', 'receiving', 'adjustment'] as const;
export const scanEvent = z
  .object({
    scanId: id,
    kind: z.enum(SCAN_KINDS),
    sku: id,
    store: id,
    /** Per SKU and store, increasing, assigned by the reader or scanner fleet. */
    sequence: z.number().int().positive(),
    /** Counted units (cycle-count, ≥ 0), received units (> 0) or a signed adjustment (≠ 0). */
    qty: z.number().int().min(-1_000_000).max(1_000_000),
    /**
     * Cycle count only: when the shelf was counted. Movements after it are kept on top
     * of the count; without it the count is taken as of its application (an absolute set).
     */
    countedAt: timestamp.optional(),
  })
  .superRefine((v, ctx) => {
    const ok = v.kind === 'cycle-count' ? v.qty >= 0 : v.kind === 'receiving' ? v.qty > 0 : v.qty !== 0;
    if (!ok) ctx.addIssue({ code: 'custom', path: ['qty'], message: `out of range for ${v.kind}` });
    if (v.countedAt !== undefined && v.kind !== 'cycle-count')
      ctx.addIssue({ code: 'custom', path: ['countedAt'], message: 'only a cycle-count has a countedAt' });
  });
export type ScanEvent = z.infer<typeof scanEvent>;

export const seedRequest = z.strictObject({
  skus: z
    .array(
      z.strictObject({
        sku: id,
        name: z.string().max(200).optional(),
        priceCents: cents,
        serialized: z.boolean().optional(),
        /** On-hand per store; a store not named keeps what it has. */
        stock: z.record(id, z.number().int().nonnegative().max(100_000_000)),
      }),
    )
    .min(1)
    .max(200_000),
});
export type SeedRequest = z.infer<typeof seedRequest>;

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (s, p) => (typeof p === 'number' ? `${s}[${p}]` : s === '' ? String(p) : `${s}.${String(p)}`),
    '',
  );
}

/** Validates a body; on failure a 400 that lists every problem with its field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    field: fieldPath(i.path) || '(body)',
    message: i.message,
  }));
  throw new StoreApiError(
    400,
    'invalid-request',
    `invalid ${what}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    { details: { issues } },
  );
}
