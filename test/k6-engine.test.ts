import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runK6 } from '../src/engines/k6/k6-process.ts';
import { resolveTools } from '../src/stack/toolchain/tool-locator.ts';

describe('k6 runs a TypeScript script against a local server', () => {
  let server: Server;
  let target: string;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      res.end(req.url === '/ping' ? 'pong' : 'nope');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    target = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('runs the script and its summary parses: requests, checks and thresholds', async () => {
    const { k6 } = await resolveTools();
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-k6-'));
    const result = await runK6({
      k6,
      script: join(import.meta.dirname, 'fixtures', 'k6-smoke.ts'),
      summaryFile: join(dir, 'summary.json'),
      env: { TARGET: target },
      timeoutMs: 60_000,
    });
    expect(result.exitCode).toBe(0);
    expect(result.thresholdsFailed).toEqual([]);
    expect(result.summary.metrics.http_reqs!.values.count).toBe(40);
    expect(result.summary.metrics.checks!.values.passes).toBe(80);
    expect(result.summary.metrics.checks!.values.fails).toBe(0);
    expect(hits).toBe(40);
  });

  it('reports a crossed threshold by name with k6 exit code 99', async () => {
    const { k6 } = await resolveTools();
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-k6-'));
    const result = await runK6({
      k6,
      script: join(import.meta.dirname, 'fixtures', 'k6-smoke.ts'),
      summaryFile: join(dir, 'summary.json'),
      env: { TARGET: `${target}/wrong` },
      timeoutMs: 60_000,
    });
    expect(result.exitCode).toBe(99);
    expect(result.thresholdsFailed).toContain('checks: rate==1');
  });
});
