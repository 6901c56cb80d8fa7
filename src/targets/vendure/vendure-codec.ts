// Vendure's codec: a checkout (web or till) is a guest's Shop API sequence
// (vendure-checkout-client.ts). Vendure has no notion of peakdrill's other ops
// through a faithful API here: returns need an Admin refund flow keyed by its own
// order lines, marketplace deltas would have to be read-modify-write of an
// absolute stock level (a race peakdrill would have caused), and there is no POS
// offline sync or scan intake. Those ops are declared unsupported and left out.
import { neverSent } from '../../engines/never-sent.ts';
import type { CheckoutInvokeValue } from '../../model/op-values.ts';
import {
  type CodecChannel,
  type CodecOp,
  type CodecRequest,
  type CodecResult,
  type TargetCodec,
  unsupportedOp,
} from '../target-codec.ts';
import type { VendureCatalog } from './vendure-catalog-seeder.ts';
import { VendureCheckoutClient } from './vendure-checkout-client.ts';
import { SHOP_API_PATH } from './vendure-server-config.ts';
import type { VendureShop } from './vendure-shop-setup.ts';

const OPS: ReadonlySet<CodecOp> = new Set(['checkout']);

/** What the codec learns when the target is seeded: the shop's ids and each SKU's variant. */
export interface VendureSetup {
  readonly shop: VendureShop;
  readonly catalog: VendureCatalog;
}

export class VendureCodec implements TargetCodec {
  readonly ops = OPS;
  private setup: VendureSetup | undefined;

  /** Called once the shop is set up and seeded; channels opened later use it. */
  seeded(setup: VendureSetup): void {
    this.setup = setup;
  }

  channel(urls: string | readonly string[], options: { connections?: number } = {}): CodecChannel {
    const list = typeof urls === 'string' ? [urls] : [...urls];
    if (list.length === 0 || this.setup === undefined) {
      throw new Error('Vendure codec: a channel needs a site URL and a seeded shop');
    }
    const shopApis = list.map((url) => `${url.replace(/\/$/, '')}/${SHOP_API_PATH}`);
    return new VendureChannel(shopApis, this.setup, options.connections ?? 32);
  }
}

/**
 * One client per site, preferred first. A checkout that provably never reached a
 * site (its connection was refused before any order could be placed: an unplaced
 * order left active on that site is never paid) goes to the next site at once,
 * and later checkouts stay with the site that answered, as a storefront with a
 * secondary endpoint does.
 */
class VendureChannel implements CodecChannel {
  private readonly shopApis: readonly string[];
  private readonly setup: VendureSetup;
  private readonly connections: number;
  private clients: VendureCheckoutClient[] | undefined;
  private active = 0;

  constructor(shopApis: readonly string[], setup: VendureSetup, connections: number) {
    this.shopApis = shopApis;
    this.setup = setup;
    this.connections = connections;
  }

  open(): void {
    // Per-request deadlines come from each op; the client's own is only a backstop.
    this.clients ??= this.shopApis.map(
      (url) =>
        new VendureCheckoutClient(url, this.setup.shop, this.setup.catalog, {
          connections: this.connections,
          timeoutMs: 30_000,
        }),
    );
  }

  async close(): Promise<void> {
    const clients = this.clients ?? [];
    this.clients = undefined;
    await Promise.all(clients.map((c) => c.close()));
  }

  async send(request: CodecRequest): Promise<CodecResult> {
    if (request.op !== 'checkout') return unsupportedOp(request.op, 'Vendure');
    const clients = this.clients;
    if (clients === undefined) {
      return {
        completion: { type: 'fail', error: { code: 'closed', message: 'the Vendure channel is not open' } },
        transport: 'not-sent',
        unavailable: false,
        serverError: false,
      };
    }
    const value = request.value as CheckoutInvokeValue;
    const input = { lines: value.lines, idempotencyKey: value.idempotencyKey };
    const first = this.active;
    let result = resultOf(await clients[first]!.checkout(input));
    for (let i = 1; i < clients.length && result.transport === 'not-sent'; i++) {
      const next = (first + i) % clients.length;
      const retried = resultOf(await clients[next]!.checkout(input));
      if (retried.transport !== 'not-sent') this.active = next;
      result = retried;
    }
    return result;
  }
}

/** The checkout's transport fate, read back from how it ended. Exported for its unit test. */
export function resultOf(completion: CodecResult['completion']): CodecResult {
  const code = completion.error?.code;
  const transport =
    completion.type === 'info' ? 'unknown' : code !== undefined && neverSent(code) ? 'not-sent' : 'answered';
  const http = code === undefined ? undefined : /^http-(\d{3})$/.exec(code);
  const status = http ? Number(http[1]) : undefined;
  return {
    completion,
    transport,
    unavailable: false,
    serverError: status !== undefined && status >= 500,
    ...(status === undefined ? {} : { status }),
  };
}
