// The target seam on the hot path: checkouts per second on one thread through
// the reference store's codec channel (what every fleet does now) versus the
// same requests made directly with StoreHttp + the store's request and answer
// functions (what the fleets did before the seam), against one null HTTP
// server, 64 in flight. Closed loop, 3 s per side, interleaved A/B three times,
// medians compared. Goal (issue 11): ratio ≥ 0.95.
import { startNullServer } from '../simulators/testing/null-http-server.ts';
import type { CheckoutInvokeValue } from '../src/model/op-values.ts';
import { ReferenceStoreCodec } from '../src/targets/reference-store/reference-store-codec.ts';
import { checkoutOk, completionOf } from '../src/targets/reference-store/store-answers.ts';
import { StoreHttp } from '../src/targets/reference-store/store-http.ts';
import { checkoutRequest } from '../src/targets/reference-store/store-requests.ts';

const IN_FLIGHT = 64;
const SECONDS = 3;
const ROUNDS = 3;

function checkout(i: number): CheckoutInvokeValue {
  return {
    idempotencyKey: `bench-${i}`,
    channel: 'web',
    store: 'S001',
    lines: [{ sku: `SKU-${i % 1_000}`, qty: 1 }],
    tenders: [{ type: 'card', amountCents: 100 }],
  } as CheckoutInvokeValue;
}

async function closedLoop(send: (i: number) => Promise<unknown>): Promise<number> {
  let done = 0;
  let next = 0;
  const until = performance.now() + SECONDS * 1_000;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < until) {
        await send(next++);
        done++;
      }
    }),
  );
  return done / SECONDS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export async function run(): Promise<Record<string, number | string>> {
  const server = await startNullServer();
  const direct = new StoreHttp({ baseUrl: server.url, connections: IN_FLIGHT });
  const channel = new ReferenceStoreCodec().channel(server.url, { connections: IN_FLIGHT });
  direct.open();
  channel.open();
  const viaDirect = async (i: number) => {
    const value = checkout(i);
    const outcome = await direct.request(
      'POST',
      '/checkout',
      checkoutRequest(value, undefined),
      { 'idempotency-key': value.idempotencyKey },
      5_000,
    );
    return completionOf(outcome, checkoutOk);
  };
  const viaCodec = (i: number) => channel.send({ op: 'checkout', value: checkout(i), timeoutMs: 5_000 });
  try {
    await closedLoop(viaDirect);
    await closedLoop(viaCodec);
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      a.push(await closedLoop(viaDirect));
      b.push(await closedLoop(viaCodec));
    }
    const directRate = median(a);
    const codecRate = median(b);
    return {
      'direct checkouts/s (1 thread)': Math.round(directRate),
      'codec checkouts/s (1 thread)': Math.round(codecRate),
      'codec / direct (goal ≥ 0.95)': Math.round((codecRate / directRate) * 1_000) / 1_000,
    };
  } finally {
    await channel.close();
    await direct.close();
    await server.stop();
  }
}
