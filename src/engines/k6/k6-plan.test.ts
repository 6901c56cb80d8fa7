import { describe, expect, it } from 'vitest';
import { FleetClient } from '../../../simulators/fleet-client.ts';
import type { CheckoutInvokeValue, ReturnInvokeValue, WebhookInvokeValue } from '../../model/op-values.ts';
import type { ReplayOp } from '../../plan/recording-planner.ts';
import {
  checkoutRequest,
  returnRequest,
  webhookRequest,
} from '../../targets/reference-store/store-requests.ts';
import {
  buildK6Plan,
  ORDER_ID_PLACEHOLDER,
  RETRY_MARKETPLACE,
  RETRY_NONE,
  RETRY_SHOPPER,
  splitByEngine,
} from './k6-plan.ts';

const checkout = (atMs: number, process: string, key: string): ReplayOp => ({
  atMs,
  f: 'checkout',
  process,
  source: key,
  value: {
    channel: process.startsWith('pos:') ? 'pos' : 'web',
    store: 'S001',
    lines: [{ sku: 'A', qty: 2 }],
    tenders: [{ type: 'cash', amountCents: 400 }],
    idempotencyKey: key,
  } satisfies CheckoutInvokeValue,
});
const webhook = (atMs: number, id: string, v: Partial<WebhookInvokeValue>): ReplayOp => ({
  atMs,
  f: 'webhook',
  process: 'webhook:mkt-a',
  source: id,
  value: { eventId: id, sku: 'M', sequence: atMs, kind: 'order.placed', ...v },
});

const plan: ReplayOp[] = [
  checkout(0, 'web:shopper-1', 'k1'),
  checkout(10, 'pos:S001:lane-2', 'k2'),
  { atMs: 20, f: 'scan', process: 'rfid:S001:reader-1', source: 's1', value: {} },
  webhook(30, 'e1', { delta: -1 }),
  webhook(40, 'e2', { kind: 'inventory', absolute: 5 }),
  {
    atMs: 900,
    f: 'return',
    process: 'pos:S001:lane-2',
    source: 'r1',
    orderKey: 'k2',
    value: { orderId: 'rec-order', store: 'S001', lines: [{ sku: 'A', qty: 1 }], idempotencyKey: 'r1' },
  },
];

describe('the k6 plan', () => {
  it('leaves Kafka devices to the node engine', () => {
    const { k6, node } = splitByEngine(plan);
    expect(node.map((o) => o.process)).toEqual(['rfid:S001:reader-1']);
    expect(k6).toHaveLength(5);
  });

  it('sends exactly the requests the node fleets send, after the same plan shaping', () => {
    const k6 = buildK6Plan(plan, { seed: 5, webhook: { duplicateRate: 0.5, reorderRate: 0 } });
    const shaped = new FleetClient({
      storeUrl: 'http://127.0.0.1:9',
      seed: 5,
      webhook: { duplicateRate: 0.5, reorderRate: 0 },
    })
      .prepare(splitByEngine(plan).k6)
      .filter((o) => (o.value as WebhookInvokeValue).absolute === undefined);
    expect(k6.sources).toEqual(shaped);
    expect(k6.leftOut).toEqual({ 'not-http': 1, 'webhook-level-event': 1 });
    expect(k6.ops.map((o) => o.t)).toEqual(k6.sources.map((o) => o.atMs));

    const read = k6.ops.find((o) => o.n === 'read-stock')!;
    expect(read).toMatchObject({ m: 'GET', p: '/stock/A', b: null, k: null, d: 'web:shopper-1' });
    const web = k6.ops.find((o) => o.n === 'checkout' && o.d.startsWith('web:'))!;
    expect(JSON.parse(web.b!)).toEqual(checkoutRequest(plan[0]!.value as CheckoutInvokeValue, undefined));
    expect(web).toMatchObject({ m: 'POST', p: '/checkout', k: 'k1', r: RETRY_SHOPPER, x: 3_000 });
    const pos = k6.ops.find((o) => o.n === 'checkout' && o.d.startsWith('pos:'))!;
    // A lane names itself as the terminal, as the POS fleet does.
    expect(JSON.parse(pos.b!)).toEqual(checkoutRequest(plan[1]!.value as CheckoutInvokeValue, 'lane-2'));
    expect(pos.r).toBe(RETRY_NONE);
    const ret = k6.ops.find((o) => o.n === 'return')!;
    expect(ret).toMatchObject({ p: `/orders/${ORDER_ID_PLACEHOLDER}/returns`, o: 'k2', k: 'r1' });
    expect(JSON.parse(ret.b!)).toEqual(returnRequest(plan[5]!.value as ReturnInvokeValue, 'lane-2'));
    const hooks = k6.ops.filter((o) => o.n === 'webhook');
    expect(hooks.length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(hooks[0]!.b!)).toEqual(webhookRequest(plan[3]!.value as WebhookInvokeValue, 'S000'));
    expect(hooks[0]!.r).toBe(RETRY_MARKETPLACE);
  });

  it('caps every request timeout at the run op timeout', () => {
    const k6 = buildK6Plan(plan, { maxTimeoutMs: 1_000, web: { stockReads: false } });
    expect(new Set(k6.ops.map((o) => o.x))).toEqual(new Set([1_000]));
    expect(k6.ops.some((o) => o.n === 'read-stock')).toBe(false);
  });
});
