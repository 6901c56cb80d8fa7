import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreHttp } from './store-http.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A region answering every request with `status` and `body`; counts what it got. */
async function region(status: number, body: unknown): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

/** A URL nothing listens on: connections are refused. */
async function deadRegion(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

describe('StoreHttp region failover', () => {
  it('sends a refused request to the next region and stays there', async () => {
    const dead = await deadRegion();
    const b = await region(200, { orderId: 'o-1' });
    const http = new StoreHttp({ baseUrl: [dead, b.url] });
    http.open();
    const first = await http.request('POST', '/checkout', { a: 1 }, undefined, 1_000);
    expect(first).toEqual({ kind: 'answer', status: 200, body: { orderId: 'o-1' } });
    expect(http.activeUrl).toBe(b.url);
    await http.request('POST', '/checkout', { a: 2 }, undefined, 1_000);
    expect(b.hits()).toBe(2);
    await http.close();
  });

  it('moves on from a standby that refuses writes, but not from other answers', async () => {
    const standby = await region(503, { error: 'not-writable', outcome: 'not-applied' });
    const primary = await region(201, { orderId: 'o-2' });
    const http = new StoreHttp({ baseUrl: [standby.url, primary.url] });
    http.open();
    expect(await http.request('POST', '/checkout', {}, undefined, 1_000)).toMatchObject({ status: 201 });
    expect(http.activeUrl).toBe(primary.url);
    await http.close();

    const busy = await region(503, { error: 'database-unavailable', outcome: 'not-applied' });
    const other = await region(201, {});
    const sticky = new StoreHttp({ baseUrl: [busy.url, other.url] });
    sticky.open();
    // 503 database-unavailable may be a region's own trouble; it is the fleet's answer to handle.
    expect(await sticky.request('POST', '/checkout', {}, undefined, 1_000)).toMatchObject({ status: 503 });
    expect(other.hits()).toBe(0);
    await sticky.close();
  });

  it('returns the most telling outcome when no region takes the request', async () => {
    const dead = await deadRegion();
    const standby = await region(503, { error: 'not-writable', outcome: 'not-applied' });
    const http = new StoreHttp({ baseUrl: [dead, standby.url] });
    http.open();
    expect(await http.request('POST', '/checkout', {}, undefined, 1_000)).toMatchObject({
      kind: 'answer',
      status: 503,
    });
    expect(http.activeUrl).toBe(dead);
    await http.close();
  });

  it('with one URL behaves as before: a refused connection is not-sent', async () => {
    const http = new StoreHttp({ baseUrl: await deadRegion() });
    http.open();
    expect((await http.request('GET', '/stock/x', undefined, undefined, 1_000)).kind).toBe('not-sent');
    await http.close();
  });
});
