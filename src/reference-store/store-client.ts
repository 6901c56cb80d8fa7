// A small typed HTTP client for the reference store's API, for tests, the
// bench and harness code that drives or reads the store. Every call resolves
// with status, parsed body and headers; it never throws on a 4xx or 5xx.
import type { StoreFinalState } from './final-state.ts';
import type {
  CheckoutRequest,
  OfflineSyncRequest,
  ReturnRequest,
  SeedRequest,
  WebhookEvent,
} from './request-schemas.ts';

export interface StoreResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly text: string;
  readonly headers: Headers;
}

export class StoreClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, options: { timeoutMs?: number } = {}) {
    this.baseUrl = baseUrl;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** `body` as a string is sent verbatim (for malformed JSON); anything else as JSON. */
  async request<T = unknown>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<StoreResponse<T>> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON (should not happen); the text is still there.
    }
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  }

  checkout(body: CheckoutRequest | unknown, idempotencyKey: string) {
    return this.request('POST', '/checkout', body, { 'idempotency-key': idempotencyKey });
  }

  returnOrder(orderId: string, body: ReturnRequest | unknown, idempotencyKey: string) {
    return this.request('POST', `/orders/${encodeURIComponent(orderId)}/returns`, body, {
      'idempotency-key': idempotencyKey,
    });
  }

  offlineSync(body: OfflineSyncRequest | unknown) {
    return this.request('POST', '/pos/offline-sync', body);
  }

  webhook(event: WebhookEvent | unknown) {
    return this.request('POST', '/webhooks/marketplace', event);
  }

  seed(skus: SeedRequest['skus']) {
    return this.request('POST', '/admin/seed', { skus });
  }

  reset() {
    return this.request('POST', '/admin/reset');
  }

  failover() {
    return this.request('POST', '/admin/failover');
  }

  health() {
    return this.request<{ region: string; role: string; defect: string | null; ready: boolean }>(
      'GET',
      '/health',
    );
  }

  stock(sku: string) {
    return this.request<{ sku: string; stores: Record<string, number>; total: number }>(
      'GET',
      `/stock/${encodeURIComponent(sku)}`,
    );
  }

  order(orderId: string) {
    return this.request('GET', `/orders/${encodeURIComponent(orderId)}`);
  }

  async state(): Promise<StoreFinalState> {
    const res = await this.request<StoreFinalState>('GET', '/admin/state');
    if (res.status !== 200) throw new Error(`GET /admin/state answered ${res.status}: ${res.text}`);
    return res.body;
  }
}
