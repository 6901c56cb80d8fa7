import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { deserialize } from 'prometheus-remote-write';
import { describe, expect, it } from 'vitest';
import { checkoutOk, checkoutValue, HistoryFixture } from '../checkers/testing/history-fixture.ts';
import { k6RemoteWriteOutput } from '../engines/k6/k6-engine.ts';
import { RemoteWritePusher, remoteWriteTarget, toSeries } from './remote-write.ts';
import { RunMetrics } from './run-metrics.ts';

// snappyjs ships no types; the receiving side of the wire format is all this test needs of it.
const SnappyJS = createRequire(import.meta.url)('snappyjs') as { uncompress(data: Buffer): Buffer };

function fed(): RunMetrics {
  const m = new RunMetrics({ scenario: 'flash-sale', target: 'reference-store', businessCodes: [] });
  const h = new HistoryFixture();
  h.op('checkout', checkoutValue('k1', [{ sku: 'SKU-1', qty: 1 }]), {
    at: 0,
    took: 20,
    ok: checkoutOk('o1'),
  });
  for (const e of h.list()) m.observe(e);
  return m;
}

describe('remote-write series', () => {
  it('are the names and labels a scrape of the same registry gives, histograms as bucket/sum/count', async () => {
    const series = toSeries(await fed().registry.getMetricsAsJSON(), 1_000);
    const ops = series.find((s) => s.labels.__name__ === 'peakdrill_ops_total' && s.labels.outcome === 'ok');
    expect(ops).toEqual({
      labels: {
        __name__: 'peakdrill_ops_total',
        kind: 'checkout',
        outcome: 'ok',
        scenario: 'flash-sale',
        target: 'reference-store',
      },
      samples: [{ value: 1, timestamp: 1_000 }],
    });
    const names = new Set(series.map((s) => s.labels.__name__));
    for (const n of ['_bucket', '_sum', '_count'])
      expect(names).toContain(`peakdrill_op_latency_seconds${n}`);
    const inf = series.find(
      (s) => s.labels.__name__ === 'peakdrill_op_latency_seconds_bucket' && s.labels.le === '+Inf',
    );
    expect(inf?.samples[0]?.value).toBe(1);
  });
});

describe('remote-write target', () => {
  it('takes credentials from the environment, never from the URL', () => {
    expect(() => remoteWriteTarget('https://u:secret@metrics.example/api/v1/write', 5_000, {})).toThrow(
      /carries credentials; peakdrill takes secrets from the environment only/,
    );
    expect(() => remoteWriteTarget('ftp://x/y', 5_000, {})).toThrow(/is not http\(s\)/);
    expect(() => remoteWriteTarget('not a url', 5_000, {})).toThrow(/is not a URL/);
    const bearer = remoteWriteTarget('https://m.example/api/v1/write', 5_000, {
      PEAKDRILL_REMOTE_WRITE_TOKEN: 't0k',
    });
    expect(bearer.authorization).toBe('Bearer t0k');
    const basic = remoteWriteTarget('https://m.example/api/v1/write', 5_000, {
      PEAKDRILL_REMOTE_WRITE_USER: 'team',
      PEAKDRILL_REMOTE_WRITE_PASSWORD: 'p:w',
    });
    expect(basic.authorization).toBe(`Basic ${Buffer.from('team:p:w').toString('base64')}`);
  });

  it('hands k6 the same destination, its credentials only through the environment', () => {
    const out = k6RemoteWriteOutput({
      url: 'https://m.example/api/v1/write',
      everyMs: 5_000,
      authorization: `Basic ${Buffer.from('team:p:w').toString('base64')}`,
      tags: { scenario: 'flash-sale', target: 'reference-store' },
    });
    expect(out.args).toEqual([
      '-o',
      'experimental-prometheus-rw',
      '--system-tags',
      expect.not.stringContaining('scenario'),
      '--tag',
      'scenario=flash-sale',
      '--tag',
      'target=reference-store',
    ]);
    expect(out.args.join(' ')).not.toContain('p:w');
    expect(out.env).toMatchObject({
      K6_PROMETHEUS_RW_SERVER_URL: 'https://m.example/api/v1/write',
      K6_PROMETHEUS_RW_PUSH_INTERVAL: '5s',
      K6_PROMETHEUS_RW_USERNAME: 'team',
      K6_PROMETHEUS_RW_PASSWORD: 'p:w',
    });
  });
});

describe('the pusher', () => {
  it('posts snappy-compressed protobuf with the auth header, and a refusal is reported once, not thrown', async () => {
    const bodies: { auth: string | undefined; version: string | undefined; body: Buffer }[] = [];
    let answer = 204;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push({
          auth: req.headers.authorization,
          version: req.headers['x-prometheus-remote-write-version'] as string | undefined,
          body: Buffer.concat(chunks),
        });
        res.writeHead(answer).end(answer === 204 ? '' : 'out of order sample');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const warnings: string[] = [];
    const target = remoteWriteTarget(`http://127.0.0.1:${port}/api/v1/write`, 60_000, {
      PEAKDRILL_REMOTE_WRITE_TOKEN: 'sekret',
    });
    const pusher = new RemoteWritePusher(fed().registry, target, (l) => warnings.push(l));
    try {
      await pusher.pushOnce();
      expect(pusher.pushed).toBe(1);
      expect(bodies[0]).toMatchObject({ auth: 'Bearer sekret', version: '0.1.0' });
      const decoded = (await deserialize(SnappyJS.uncompress(bodies[0]!.body) as never)) as unknown as {
        timeseries: { labels: { name: string; value: string }[] }[];
      };
      const names = decoded.timeseries.map((t) => t.labels.find((l) => l.name === '__name__')?.value);
      expect(names).toContain('peakdrill_ops_total');
      answer = 400;
      await pusher.pushOnce();
      await pusher.pushOnce();
      expect(pusher.failed).toBe(2);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(
        `remote write to http://127.0.0.1:${port} failed (HTTP 400 out of order sample)`,
      );
      expect(warnings[0]).not.toContain('sekret');
    } finally {
      server.close();
    }
  });
});
