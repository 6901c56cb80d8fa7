// Vendure as a real third-party target on the bare local stack: installed
// (cached) under ~/.cache/peakdrill, started on postgres-a through the db-a proxy,
// set up and seeded through its Admin API, bought from through its Shop API, and
// read back from its database — the Shop API's answer and the oracle must agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Completion } from '../src/engines/open-model-scheduler.ts';
import type { StartedLocalStack } from '../src/stack/local-stack.ts';
import { VendureAdminClient } from '../src/targets/vendure/vendure-admin-client.ts';
import { seedCatalog, type VendureCatalog } from '../src/targets/vendure/vendure-catalog-seeder.ts';
import {
  VendureCheckoutClient,
  type VendureCheckoutOk,
} from '../src/targets/vendure/vendure-checkout-client.ts';
import { ensureVendure } from '../src/targets/vendure/vendure-installer.ts';
import { readVendureState, type VendureState } from '../src/targets/vendure/vendure-oracle.ts';
import {
  ensureVendureDatabase,
  type StartedVendure,
  VENDURE_DATABASE,
  VendureServer,
  vendureDatabase,
} from '../src/targets/vendure/vendure-service.ts';
import { setUpShop } from '../src/targets/vendure/vendure-shop-setup.ts';
import { startTestStack } from './support/stack-fixture.ts';

const SEED = [
  { sku: 'VD-HOT-DROP', priceCents: 12_999, stock: 2 },
  { sku: 'VD-TEE', priceCents: 1_999, stock: 100 },
  { sku: 'VD-CAP', priceCents: 999, stock: 40 },
];

describe('Vendure target on the local stack', () => {
  let stack: StartedLocalStack;
  let vendure: StartedVendure;
  let catalog: VendureCatalog;
  let shopper: VendureCheckoutClient;
  const oracle = (): Promise<VendureState> =>
    readVendureState(stack.postgres('postgres-a', 'direct', VENDURE_DATABASE));
  const stockOf = (state: VendureState, sku: string) => state.stock.find((s) => s.sku === sku)!;

  beforeAll(async () => {
    stack = await startTestStack('vendure');
    const install = await ensureVendure(process.env, (line) => console.log(line));
    await ensureVendureDatabase(stack.postgres('postgres-a', 'direct'));
    vendure = await new VendureServer()
      .withInstall(install)
      .withDatabase(vendureDatabase(stack.postgres('postgres-a', 'proxy'), VENDURE_DATABASE))
      .withStackDir(stack.dir)
      .start();
    console.log(`Vendure ${install.version} booted on an empty database in ${vendure.bootMs} ms`);
    await using admin = await VendureAdminClient.login(vendure.adminApiUrl, vendure.superadmin);
    const shop = await setUpShop(admin);
    catalog = await seedCatalog(admin, SEED);
    shopper = new VendureCheckoutClient(vendure.shopApiUrl, shop, catalog);
  });

  afterAll(async () => {
    await shopper?.close();
    await vendure?.stop();
    await stack?.stop();
  });

  it('seeds every SKU with its stock on hand and inventory tracking on', async () => {
    const state = await oracle();
    for (const seed of SEED) {
      expect(stockOf(state, seed.sku)).toMatchObject({
        trackInventory: 'TRUE',
        stockOnHand: seed.stock,
        stockAllocated: 0,
        saleable: seed.stock,
        variantId: catalog.get(seed.sku)!.variantId,
      });
    }
  });

  it('one purchase is ok on the Shop API and the oracle sees the same order and one unit allocated', async () => {
    const before = stockOf(await oracle(), 'VD-TEE');
    const started = performance.now();
    const done = await shopper.checkout({ lines: [{ sku: 'VD-TEE', qty: 1 }], idempotencyKey: 'single-tee' });
    console.log(`one checkout (6 Shop API calls) took ${Math.round(performance.now() - started)} ms`);
    expect(done.type, JSON.stringify(done)).toBe('ok');
    const ok = done.value as VendureCheckoutOk;
    expect(ok).toMatchObject({
      state: 'PaymentSettled',
      totalCents: 1_999,
      lines: [{ sku: 'VD-TEE', qty: 1 }],
    });

    const after = await oracle();
    // Vendure allocates on placement; stockOnHand only drops when the order is fulfilled (a Sale).
    expect(stockOf(after, 'VD-TEE')).toMatchObject({
      stockOnHand: before.stockOnHand,
      stockAllocated: before.stockAllocated + 1,
      saleable: before.saleable - 1,
      movements: { ADJUSTMENT: 100, ALLOCATION: 1 },
    });
    const order = after.orders.find((o) => o.code === ok.orderId);
    expect(order).toMatchObject({
      id: ok.vendureOrderId,
      state: 'PaymentSettled',
      placed: true,
      totalWithTax: 1_999,
      lines: [{ sku: 'VD-TEE', quantity: 1, placedQuantity: 1 }],
      payments: [{ state: 'Settled', amount: 1_999, method: ok.tenders[0]!.type }],
    });
  });

  it('the 2-unit SKU sells twice in a row, then fails with INSUFFICIENT_STOCK_ERROR', async () => {
    const results: Completion[] = [];
    const latencies: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      results.push(
        await shopper.checkout({ lines: [{ sku: 'VD-HOT-DROP', qty: 1 }], idempotencyKey: `hot-${i}` }),
      );
      latencies.push(Math.round(performance.now() - started));
    }
    console.log(`sequential checkouts of the hot SKU: ${latencies.join(', ')} ms`);
    expect(results.map((r) => r.type)).toEqual(['ok', 'ok', 'fail']);
    expect(results[2]).toMatchObject({
      error: { code: 'INSUFFICIENT_STOCK_ERROR' },
      value: { step: 'addItemToOrder', quantityAvailable: 0 },
    });

    const state = await oracle();
    expect(stockOf(state, 'VD-HOT-DROP')).toMatchObject({ stockOnHand: 2, stockAllocated: 2, saleable: 0 });
    const placed = state.orders.filter((o) => o.placed && o.lines.some((l) => l.sku === 'VD-HOT-DROP'));
    const okCodes = results.filter((r) => r.type === 'ok').map((r) => (r.value as VendureCheckoutOk).orderId);
    expect(placed.map((o) => o.code).sort()).toEqual(okCodes.sort());
  });

  it('a SKU the catalog does not hold fails before anything is sent', async () => {
    const done = await shopper.checkout({ lines: [{ sku: 'NOT-SEEDED', qty: 1 }], idempotencyKey: 'nope' });
    expect(done).toMatchObject({ type: 'fail', error: { code: 'unknown-sku' } });
  });
});
