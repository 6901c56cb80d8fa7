// A stand-in for the reference store's HTTP API on 127.0.0.1, for the fleets'
// unit tests: the same routes and answer shapes, idempotent by key / sale id /
// event id, with switches to hang requests, answer 503, or stop listening.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Body {
  readonly lines: { sku: string; qty: number }[];
  readonly tenders: { kind: string; amountCents: number }[];
  readonly sales: { saleId: string }[];
  readonly batchId: string;
  readonly eventId: string;
}

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly key: string | undefined;
  readonly body: Body;
}

export class FakeStore {
  readonly seen: SeenRequest[] = [];
  /** The next this-many requests to a path prefix get no answer at all. */
  readonly hang = new Map<string, number>();
  /** The next this-many requests to a path prefix get 503 not-writable. */
  readonly unavailable = new Map<string, number>();
  readonly orders = new Map<string, { orderId: string; body: Body }>();
  readonly offlineSales = new Map<string, string>();
  readonly webhookEvents = new Map<string, number>();
  private server: Server | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening and cuts every connection: new requests are refused. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }

  private take(map: Map<string, number>, path: string): boolean {
    for (const [prefix, n] of map) {
      if (path.startsWith(prefix) && n > 0) {
        map.set(prefix, n - 1);
        return true;
      }
    }
    return false;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let text = '';
    req.on('data', (d: Buffer) => {
      text += d.toString();
    });
    req.on('end', () => {
      const path = req.url ?? '/';
      const body = (text === '' ? {} : JSON.parse(text)) as Body;
      const key = req.headers['idempotency-key'] as string | undefined;
      this.seen.push({ method: req.method ?? 'GET', path, key, body });
      if (this.take(this.hang, path)) return;
      if (this.take(this.unavailable, path)) {
        send(res, 503, { error: 'not-writable', message: 'standby', outcome: 'not-applied' });
        return;
      }
      if (req.method === 'GET' && path.startsWith('/stock/')) {
        send(res, 200, { sku: decodeURIComponent(path.slice(7)), stores: { S000: 5 }, total: 5 });
      } else if (path === '/checkout') {
        let order = this.orders.get(key!);
        if (order === undefined) {
          order = { orderId: randomUUID(), body };
          this.orders.set(key!, order);
        }
        const tenders = body.tenders.map((t, i) => ({
          tenderId: `${order!.orderId}-t${i}`,
          ...t,
          seq: i + 1,
        }));
        const total = tenders.reduce((sum, t) => sum + t.amountCents, 0);
        send(res, 201, {
          orderId: order.orderId,
          region: 'a',
          totalCents: total,
          lines: body.lines,
          tenders,
        });
      } else if (path.startsWith('/orders/')) {
        const orderId = path.split('/')[2]!;
        const refund = body.lines.reduce((sum, l) => sum + l.qty * 100, 0);
        send(res, 201, {
          returnId: randomUUID(),
          orderId,
          region: 'a',
          refunds: [{ tenderId: `${orderId}-t0`, amountCents: refund, kind: 'card' }],
          exchange: null,
        });
      } else if (path === '/pos/offline-sync') {
        const sales = body.sales.map((s) => {
          const known = this.offlineSales.get(s.saleId);
          const orderId = known ?? randomUUID();
          this.offlineSales.set(s.saleId, orderId);
          return {
            saleId: s.saleId,
            status: known ? 'already-applied' : 'applied',
            orderId,
            backordered: [],
          };
        });
        send(res, 200, { batchId: body.batchId, uploads: 1, sales });
      } else if (path === '/webhooks/marketplace') {
        const n = (this.webhookEvents.get(body.eventId) ?? 0) + 1;
        this.webhookEvents.set(body.eventId, n);
        send(res, 200, { eventId: body.eventId, outcome: n === 1 ? 'applied' : 'duplicate', deliveries: n });
      } else {
        send(res, 404, { error: 'not-found', message: path, outcome: 'not-applied' });
      }
    });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
