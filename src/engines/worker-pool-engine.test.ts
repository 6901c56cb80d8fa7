import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeHistories } from '../history/history-merge.ts';
import { readHistorySummary } from '../history/history-reader.ts';
import { RunClock } from '../history/run-clock.ts';
import type { HistoryEntry, InvokeEntry } from '../model/history-entry.ts';
import type { PlannedOp } from '../model/planned-op.ts';
import { HTTP_CLIENT_MODULE } from './http-client.ts';
import { runWorkerPool, splitPlanByDevice } from './worker-pool-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-pool-'));
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    // /slow answers after 2 s: long enough to still be in flight when a test aborts.
    const delay = req.url === '/slow' ? 2_000 : 0;
    const t = setTimeout(() => res.end('{"ok":true}'), delay);
    res.on('close', () => clearTimeout(t));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const plan = (count: number, everyMs: number, path = '/ok'): PlannedOp[] =>
  Array.from({ length: count }, (_, i) => ({
    atMs: i * everyMs,
    f: 'scan',
    process: `rfid-${i % 10}`,
    value: { path, body: { i } },
  }));

describe('splitPlanByDevice', () => {
  it('keeps every op of a device in one part, in plan order', () => {
    const parts = splitPlanByDevice(plan(100, 1), 3);
    expect(parts.flat()).toHaveLength(100);
    for (const part of parts) {
      const devices = new Set(part.map((op) => op.process));
      for (const other of parts) {
        if (other !== part) expect(other.some((op) => devices.has(op.process))).toBe(false);
      }
      expect(part.map((op) => op.atMs)).toEqual([...part.map((op) => op.atMs)].sort((a, b) => a - b));
    }
  });
});

describe('runWorkerPool', () => {
  it('runs shards on two threads on one clock, and their histories merge into one complete run', async () => {
    const runDir = mkdtempSync(join(dir, 'run-'));
    const clock = new RunClock();
    const result = await runWorkerPool(plan(200, 2), {
      runId: 'pool1',
      historyDir: runDir,
      workers: 2,
      clock,
      client: { module: HTTP_CLIENT_MODULE, options: { baseUrl } },
    });
    expect(result.stats).toMatchObject({ sent: 200, ok: 200, info: 0, fail: 0, dropped: 0, aborted: false });
    // Plan time 0 waits for both threads to be ready, so the first sends are not late.
    expect(result.stats.latenessP99Ms).toBeLessThan(300);
    expect(result.shards.map((s) => [s.shard.index, s.shard.count])).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(result.shards.reduce((n, s) => n + s.stats.sent, 0)).toBe(200);

    for (const path of result.historyPaths) {
      const summary = await readHistorySummary(path);
      expect(summary.header?.t0).toBe(clock.t0.toString());
      expect(summary.endStatus).toBe('completed');
    }
    const merge = mergeHistories(result.historyPaths);
    const merged: HistoryEntry[] = [];
    for await (const m of merge) merged.push(m.entry);
    expect(merge.complete).toBe(true);
    expect(merge.offsetsNs).toEqual([0, 0]);
    const invokes = merged.filter((e): e is InvokeEntry => e.type === 'invoke');
    expect(new Set(invokes.map((e) => e.op)).size).toBe(200);
    // Plan time 0 is the same instant in both threads: scheduled times form one 2 ms grid.
    const grid = invokes.map((e) => e.scheduledNs).sort((a, b) => a - b);
    expect(grid.every((t, i) => t - grid[0]! === i * 2_000_000)).toBe(true);
  });

  it('an abort reaches every worker; each drains and ends its history as aborted', async () => {
    const runDir = mkdtempSync(join(dir, 'run-'));
    const controller = new AbortController();
    const result = await runWorkerPool(plan(200, 20, '/slow'), {
      runId: 'pool2',
      historyDir: runDir,
      workers: 2,
      client: { module: HTTP_CLIENT_MODULE, options: { baseUrl } },
      scheduler: { graceMs: 100 },
      signal: controller.signal,
      onStart: () => setTimeout(() => controller.abort(), 200),
    });
    expect(result.stats.aborted).toBe(true);
    expect(result.stats.sent).toBeGreaterThanOrEqual(4);
    expect(result.stats.sent).toBeLessThan(40);
    expect(result.stats.info).toBe(result.stats.sent);
    for (const path of result.historyPaths) {
      expect((await readHistorySummary(path)).endStatus).toBe('aborted');
    }
  });

  it('reports a client module that cannot be loaded as an error naming the shard', async () => {
    await expect(
      runWorkerPool(plan(4, 1), {
        runId: 'pool3',
        historyDir: mkdtempSync(join(dir, 'run-')),
        workers: 1,
        client: { module: HTTP_CLIENT_MODULE, exportName: 'nope' },
      }),
    ).rejects.toThrow(/shard 0\/1: client module .* does not export a function nope/);
  });
});
