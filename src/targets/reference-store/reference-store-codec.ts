// The reference store's codec: op values → its JSON API (store-requests.ts),
// its answers → completions (store-answers.ts), over StoreHttp, which fails over
// between regions on a request that provably never landed.
import type {
  CheckoutInvokeValue,
  ReadStockInvokeValue,
  ReturnInvokeValue,
  WebhookInvokeValue,
} from '../../model/op-values.ts';
import type { CodecChannel, CodecOp, CodecRequest, CodecResult, TargetCodec } from '../target-codec.ts';
import {
  checkoutOk,
  completionOf,
  isUnavailable,
  offlineSyncOk,
  readStockOk,
  returnOk,
  webhookCompletion,
} from './store-answers.ts';
import { type HttpOutcome, StoreHttp } from './store-http.ts';
import { checkoutRequest, returnPath, returnRequest, webhookRequest } from './store-requests.ts';

const OPS: ReadonlySet<CodecOp> = new Set([
  'checkout',
  'return',
  'exchange',
  'read-stock',
  'webhook',
  'offline-sync',
]);

export interface ReferenceStoreCodecOptions {
  /** Location for webhook events that name none. */
  readonly defaultStore?: string;
}

export class ReferenceStoreCodec implements TargetCodec {
  readonly ops = OPS;
  private readonly defaultStore: string;

  constructor(options: ReferenceStoreCodecOptions = {}) {
    this.defaultStore = options.defaultStore ?? 'S000';
  }

  channel(urls: string | readonly string[], options: { connections?: number } = {}): CodecChannel {
    return new ReferenceStoreChannel(
      new StoreHttp({ baseUrl: urls, connections: options.connections ?? 32 }),
      this.defaultStore,
    );
  }
}

class ReferenceStoreChannel implements CodecChannel {
  private readonly http: StoreHttp;
  private readonly defaultStore: string;

  constructor(http: StoreHttp, defaultStore: string) {
    this.http = http;
    this.defaultStore = defaultStore;
  }

  open(): void {
    this.http.open();
  }

  close(): Promise<void> {
    return this.http.close();
  }

  async send(request: CodecRequest): Promise<CodecResult> {
    const { timeoutMs } = request;
    switch (request.op) {
      case 'checkout': {
        const value = request.value as CheckoutInvokeValue;
        const outcome = await this.http.request(
          'POST',
          '/checkout',
          checkoutRequest(value, request.terminal),
          { 'idempotency-key': value.idempotencyKey },
          timeoutMs,
        );
        return resultOf(outcome, completionOf(outcome, checkoutOk));
      }
      case 'return':
      case 'exchange': {
        const value = request.value as ReturnInvokeValue;
        const outcome = await this.http.request(
          'POST',
          returnPath(value),
          returnRequest(value, request.terminal),
          { 'idempotency-key': value.idempotencyKey },
          timeoutMs,
        );
        return resultOf(outcome, completionOf(outcome, returnOk));
      }
      case 'read-stock': {
        const value = request.value as ReadStockInvokeValue;
        const path = `/stock/${encodeURIComponent(value.sku)}`;
        const outcome = await this.http.request('GET', path, undefined, undefined, timeoutMs);
        return resultOf(outcome, completionOf(outcome, readStockOk));
      }
      case 'webhook': {
        const body = webhookRequest(request.value as WebhookInvokeValue, this.defaultStore);
        const outcome = await this.http.request('POST', '/webhooks/marketplace', body, undefined, timeoutMs);
        return resultOf(outcome, webhookCompletion(outcome));
      }
      case 'offline-sync': {
        const outcome = await this.http.request(
          'POST',
          '/pos/offline-sync',
          request.value,
          undefined,
          timeoutMs,
        );
        return resultOf(outcome, completionOf(outcome, offlineSyncOk));
      }
    }
  }
}

function resultOf(outcome: HttpOutcome, completion: CodecResult['completion']): CodecResult {
  if (outcome.kind !== 'answer') {
    return {
      completion,
      transport: outcome.kind === 'not-sent' ? 'not-sent' : 'unknown',
      unavailable: false,
      serverError: false,
    };
  }
  const unavailable = isUnavailable(outcome);
  return {
    completion,
    transport: 'answered',
    unavailable,
    serverError: outcome.status >= 500 && !unavailable,
    status: outcome.status,
  };
}
