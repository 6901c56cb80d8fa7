import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyHttpStatus, HttpClient } from './http-client.ts';
import type { ClientOp } from './open-model-scheduler.ts';

let server: Server;
let url: string;
const seen: { method?: string; url?: string; key?: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, key: req.headers['x-peakdrill-op'] as string, body });
      const status = Number(req.url?.split('/')[2] ?? 200);
      if (req.url?.startsWith('/cut')) {
        // Headers out, then the connection dies mid-body.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"partial":');
        setTimeout(() => res.destroy(), 10);
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        status === 204 ? undefined : JSON.stringify({ status, echo: body === '' ? null : JSON.parse(body) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const op = (value: unknown, id = 'run1:0:1'): ClientOp => ({
  id,
  process: 1,
  f: 'checkout',
  value,
  timeoutMs: 1_000,
});

describe('HttpClient', () => {
  it('sends JSON with the op id in a header and maps 2xx to ok with the parsed body', async () => {
    const client = new HttpClient({ baseUrl: `${url}/` });
    await client.open();
    try {
      const done = await client.invoke(op({ method: 'PUT', path: '/s/201', body: { sku: 'A', qty: 2 } }));
      expect(done).toEqual({
        type: 'ok',
        value: { status: 201, body: { status: 201, echo: { sku: 'A', qty: 2 } } },
      });
      expect(seen.at(-1)).toMatchObject({ method: 'PUT', url: '/s/201', key: 'run1:0:1' });
      expect(await client.invoke(op({ path: '/s/204' }))).toEqual({
        type: 'ok',
        value: { status: 204, body: null },
      });
    } finally {
      await client.close();
    }
  });

  it('maps 4xx to fail and 5xx to info (a 500 may have committed)', async () => {
    const client = new HttpClient({ baseUrl: url });
    await client.open();
    try {
      expect(await client.invoke(op({ path: '/s/409' }))).toMatchObject({
        type: 'fail',
        value: { status: 409 },
        error: { code: 'http-409' },
      });
      expect(await client.invoke(op({ path: '/s/500' }))).toMatchObject({
        type: 'info',
        error: { code: 'http-500' },
      });
    } finally {
      await client.close();
    }
    expect([200, 404, 408, 429, 502].map(classifyHttpStatus)).toEqual(['ok', 'fail', 'info', 'fail', 'info']);
  });

  it('a body cut after a 200 is info: the status said ok, but the answer never fully arrived', async () => {
    const client = new HttpClient({ baseUrl: url });
    await client.open();
    try {
      expect(await client.invoke(op({ path: '/cut' }))).toMatchObject({
        type: 'info',
        value: { status: 200 },
      });
    } finally {
      await client.close();
    }
  });

  it('a refused connection is fail (never sent); the toRequest hook maps values', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const client = new HttpClient({
      baseUrl: `http://127.0.0.1:${port}`,
      toRequest: (o) => ({ path: `/orders/${o.id}` }),
    });
    await client.open();
    try {
      expect(await client.invoke(op({}))).toMatchObject({ type: 'fail', error: { code: 'ECONNREFUSED' } });
    } finally {
      await client.close();
    }
  });
});

describe('HttpClient under load', () => {
  it('sends each op its own id when more ops are out than connections (queued in the pool)', async () => {
    const client = new HttpClient({ baseUrl: url, connections: 2 });
    await client.open();
    try {
      const before = seen.length;
      const ids = Array.from({ length: 60 }, (_, i) => `run1:0:${i}`);
      const answers = await Promise.all(
        ids.map((id) => client.invoke(op({ path: '/s/200', body: { id } }, id))),
      );
      expect(answers.every((a) => a.type === 'ok')).toBe(true);
      const sent = seen.slice(before);
      expect(sent).toHaveLength(60);
      for (const s of sent) expect(s.key).toBe((JSON.parse(s.body) as { id: string }).id);
    } finally {
      await client.close();
    }
  });

  it('reports through the callback, never from inside start(), and a bad value as fail', async () => {
    const client = new HttpClient({ baseUrl: url });
    await client.open();
    try {
      let inside = true;
      const got = await new Promise<{ sync: boolean; type: string }>((resolve) => {
        client.start(op({ nope: true }), { done: (c) => resolve({ sync: inside, type: c.type }) });
        inside = false;
      });
      expect(got).toEqual({ sync: false, type: 'fail' });
    } finally {
      await client.close();
    }
  });
});
