// A guest shopper's checkout on Vendure's Shop API (the proto-codec for the
// target seam): add each line → customer → address → shipping method →
// ArrangingPayment → addPaymentToOrder with the test card. Returns a Completion:
// ok (placed), fail (known not placed) or info (may have been placed).
//
// Only addPaymentToOrder can place an order: Vendure allocates stock and sets the
// order placed on ArrangingPayment → PaymentSettled/Authorized, which the payment
// triggers inside that mutation's transaction (DefaultStockAllocationStrategy,
// DefaultOrderPlacedStrategy, DefaultPaymentProcess). So a step before it that
// errs, times out or is cut leaves an active, unplaced order: `fail`. Only a lost
// or unreadable addPaymentToOrder is `info`. The sale is acknowledged when
// addPaymentToOrder answers with an Order in PaymentSettled.
import { createHash } from 'node:crypto';
import type { Completion } from '../../engines/open-model-scheduler.ts';
import type { CheckoutOkValue, LineValue } from '../../model/op-values.ts';
import type { VendureCatalog } from './vendure-catalog-seeder.ts';
import { type GraphqlOutcome, VendureGraphql, type VendureSession } from './vendure-graphql.ts';
import { PLACED_STATES, SHOP_STEPS, type ShopResult, type ShopStep } from './vendure-shop-documents.ts';
import type { VendureShop } from './vendure-shop-setup.ts';

export interface VendureCheckoutInput {
  readonly lines: readonly LineValue[];
  /** Makes the guest's e-mail unique per checkout (a retry of the same op reuses it). */
  readonly idempotencyKey: string;
}

export interface VendureCheckoutOk extends CheckoutOkValue {
  /** Vendure's order code (also `orderId`: it is the id shoppers and the oracle share). */
  readonly orderCode: string;
  readonly vendureOrderId: string;
  readonly state: string;
}

export interface VendureCheckoutOptions {
  readonly connections?: number;
  readonly timeoutMs?: number;
}

type StepAnswer = { readonly result: ShopResult } | Completion;

export class VendureCheckoutClient {
  private readonly api: VendureGraphql;
  private readonly shop: VendureShop;
  private readonly catalog: VendureCatalog;

  constructor(
    shopApiUrl: string,
    shop: VendureShop,
    catalog: VendureCatalog,
    options: VendureCheckoutOptions = {},
  ) {
    this.api = new VendureGraphql(shopApiUrl, options);
    this.shop = shop;
    this.catalog = catalog;
  }

  async checkout(input: VendureCheckoutInput): Promise<Completion> {
    const unknown = input.lines.find((l) => !this.catalog.has(l.sku));
    if (unknown) {
      return fail('addItemToOrder', 'unknown-sku', `SKU ${unknown.sku} is not in the seeded Vendure catalog`);
    }
    const session: VendureSession = {};
    for (const line of input.lines) {
      const variantId = this.catalog.get(line.sku)!.variantId;
      const added = await this.step(session, 'addItemToOrder', {
        productVariantId: variantId,
        quantity: line.qty,
      });
      if (!('result' in added)) return added;
    }
    const guest = guestOf(input.idempotencyKey);
    const before: [ShopStep, Record<string, unknown>][] = [
      ['setCustomerForOrder', { input: guest }],
      ['setOrderShippingAddress', { input: this.addressOf(guest) }],
      ['setOrderShippingMethod', { ids: [this.shop.shippingMethodId] }],
      ['transitionOrderToState', { state: 'ArrangingPayment' }],
    ];
    for (const [step, variables] of before) {
      const answer = await this.step(session, step, variables);
      if (!('result' in answer)) return answer;
    }
    const paid = await this.step(session, 'addPaymentToOrder', {
      input: { method: this.shop.paymentMethodCode, metadata: {} },
    });
    return 'result' in paid ? paymentCompletion(paid.result) : paid;
  }

  async close(): Promise<void> {
    await this.api.close();
  }

  /** One Shop API call; an Order answer continues the sequence, anything else ends it as a Completion. */
  private async step(
    session: VendureSession,
    step: ShopStep,
    variables: Record<string, unknown>,
  ): Promise<StepAnswer> {
    const outcome = await this.api.request<{ result: ShopResult | null }>(
      SHOP_STEPS[step],
      variables,
      session,
    );
    return classifyStep(step, outcome);
  }

  private addressOf(guest: { firstName: string; lastName: string }) {
    return {
      fullName: `${guest.firstName} ${guest.lastName}`,
      streetLine1: '1 Peak Street',
      city: 'Springfield',
      postalCode: '12345',
      countryCode: this.shop.countryCode,
    };
  }
}

/** A step's outcome: the Order (continue) or how the checkout ended. Exported for its unit test. */
export function classifyStep(
  step: ShopStep,
  outcome: GraphqlOutcome<{ result: ShopResult | null }>,
): StepAnswer {
  const payment = step === 'addPaymentToOrder';
  if (outcome.kind === 'not-sent') return { type: 'fail', value: { step }, error: outcome.error };
  if (outcome.kind === 'unknown') {
    // Before the payment nothing can have been placed, whatever became of the request.
    return payment
      ? { type: 'info', value: { step }, error: outcome.error }
      : fail(step, 'not-placed', `${step}: ${outcome.error.code} ${outcome.error.message}`);
  }
  const result = outcome.data?.result ?? null;
  if (outcome.errors.length > 0 || result === null) {
    const e = outcome.errors[0];
    const code = e?.code ?? (result === null ? 'no-active-order' : `http-${outcome.status}`);
    const message = `${step}: ${e?.message ?? 'no result'}`;
    // An exception rolls the mutation back, but one raised at COMMIT (a cut database link) may follow a commit.
    return payment ? { type: 'info', value: { step }, error: { code, message } } : fail(step, code, message);
  }
  if (result.__typename !== 'Order') {
    const detail = result.transitionError ?? result.message ?? result.__typename;
    return fail(step, result.errorCode ?? result.__typename, `${step}: ${detail}`, result.quantityAvailable);
  }
  return { result };
}

/** The Order addPaymentToOrder answered with: ok when placed, else info (it should not happen). */
export function paymentCompletion(order: ShopResult): Completion {
  if (!PLACED_STATES.has(order.state ?? '')) {
    return {
      type: 'info',
      value: { step: 'addPaymentToOrder', state: order.state },
      error: {
        code: 'not-settled',
        message: `order ${order.code} is ${order.state} after addPaymentToOrder`,
      },
    };
  }
  const totalCents = order.totalWithTax ?? 0;
  const payments = (order.payments ?? []).filter((p) => p.state === 'Settled' || p.state === 'Authorized');
  const value: VendureCheckoutOk = {
    orderId: order.code!,
    orderCode: order.code!,
    vendureOrderId: order.id!,
    state: order.state!,
    lines: (order.lines ?? []).map((l) => ({ sku: l.productVariant.sku, qty: l.quantity })),
    totalCents,
    tenders: payments.map((p) => ({ type: p.method, amountCents: p.amount, tenderId: p.id })),
  };
  return { type: 'ok', value };
}

function fail(step: ShopStep, code: string, message: string, quantityAvailable?: number): Completion {
  const value = quantityAvailable === undefined ? { step } : { step, quantityAvailable };
  return { type: 'fail', value, error: { code, message } };
}

/** One guest per op key: concurrent guests with one new e-mail would race to create one Customer. */
function guestOf(key: string) {
  const readable = key
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 32);
  const local = `${readable}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
  return { firstName: 'Peak', lastName: 'Shopper', emailAddress: `${local}@shoppers.peakdrill.example.com` };
}
