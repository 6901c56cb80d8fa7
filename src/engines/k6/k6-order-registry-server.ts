// The order registry over HTTP on 127.0.0.1, for k6 VUs sending returns: they
// share no memory, so a return asks here for the SUT's id of the order its
// checkout made (GET /orders/<Idempotency-Key> → {state, orderId?}; state is
// ok, pending, fail, unknown or absent), as the node fleets ask their registry.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { K6OrderRegistry } from './k6-outcomes.ts';

export class K6OrderRegistryServer implements AsyncDisposable {
  readonly registry: K6OrderRegistry;
  private readonly server: Server;
  private url_ = '';

  constructor(registry: K6OrderRegistry = new K6OrderRegistry()) {
    this.registry = registry;
    this.server = createServer((req, res) => {
      const m = /^\/orders\/([^/?]+)$/.exec(req.url ?? '');
      if (req.method !== 'GET' || m === null) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"state":"absent"}');
        return;
      }
      let key: string;
      try {
        key = decodeURIComponent(m[1]!);
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"state":"absent"}');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(this.registry.lookup(key)));
    });
    this.server.keepAliveTimeout = 60_000;
  }

  get url(): string {
    return this.url_;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.url_ = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
