import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFaultSchedule } from '../src/faults/fault-schedule.ts';
import { Nemesis } from '../src/faults/nemesis.ts';
import { RunClock } from '../src/history/run-clock.ts';
import type { FaultEntry, HistoryEntry, ProbeEntry } from '../src/model/history-entry.ts';
import { validateScenario } from '../src/model/scenario-schema.ts';
import { ProbeRunner } from '../src/probes/probe-runner.ts';
import type { StartedLocalStack } from '../src/stack/local-stack.ts';
import { startTestStack } from './support/stack-fixture.ts';

function pgProbe(stack: StartedLocalStack) {
  const config = stack.postgres('postgres-a', 'proxy');
  return async (signal: AbortSignal) => {
    const client = new pg.Client({ ...config, connectionTimeoutMillis: 400, query_timeout: 400 });
    client.on('error', () => {});
    const abort = () => void client.end().catch(() => {});
    signal.addEventListener('abort', abort, { once: true });
    try {
      await client.connect();
      await client.query('select 1');
      return { ok: true };
    } finally {
      signal.removeEventListener('abort', abort);
      await client.end().catch(() => {});
    }
  };
}

describe('fault schedule and probes on the real stack', () => {
  let stack: StartedLocalStack;
  beforeAll(async () => {
    stack = await startTestStack('schedule', 'async');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a scripted 10 s partition of db-a shows up as 10 s ± 0.25 s of probe failures', async () => {
    const scenario = validateScenario({
      name: 'partition-10s',
      description: 'db-a cut for ten seconds',
      traffic: { profile: 'steady-day', duration: '20s' },
      faults: [{ name: 'cut-db-a', fault: { kind: 'partition', target: 'db-a' }, at: '2s', for: '10s' }],
    });
    const clock = new RunClock();
    const entries: HistoryEntry[] = [];
    const history = { append: (e: HistoryEntry) => void entries.push(e) };
    const probe = new ProbeRunner(
      { name: 'db-a-checkout', region: 'a', everyMs: 100, timeoutMs: 500, sample: pgProbe(stack) },
      clock,
      history,
    );
    probe.start();
    const windows = await runFaultSchedule(scenario.faults, {
      nemesis: Nemesis.forStack(stack.dir),
      clock,
      history,
      startNs: clock.nowNs(),
    });
    await new Promise((r) => setTimeout(r, 1_500));
    await probe.stop();

    const samples = entries.filter((e): e is ProbeEntry => e.type === 'probe');
    const firstFail = samples.find((s) => !s.ok)!;
    const recovered = samples.find((s) => s.atNs > firstFail.atNs && s.ok)!;
    const lastFail = samples.filter((s) => !s.ok).at(-1)!;
    const outageMs =
      (recovered.atNs - recovered.latencyMs * 1e6 - (firstFail.atNs - firstFail.latencyMs * 1e6)) / 1e6;
    console.log(
      `probe failures from ${(firstFail.atNs / 1e6).toFixed(0)} ms to ${(lastFail.atNs / 1e6).toFixed(0)} ms; outage seen ${outageMs.toFixed(0)} ms; ${samples.filter((s) => !s.ok).length} failed samples of ${samples.length}`,
    );
    expect(Math.abs(outageMs - 10_000)).toBeLessThanOrEqual(250);
    expect(samples.filter((s) => s.atNs > recovered.atNs).every((s) => s.ok)).toBe(true);
    const faults = entries.filter((e): e is FaultEntry => e.type === 'fault');
    expect(faults.map((f) => [f.phase, f.fault])).toEqual([
      ['start', 'cut-db-a'],
      ['stop', 'cut-db-a'],
    ]);
    expect((windows[0]!.stopNs - windows[0]!.startNs) / 1e6).toBeGreaterThanOrEqual(10_000);
    expect((await stack.toxiproxy.get('db-a')).enabled).toBe(true);
  });

  it('`after` chains faults, and an abort heals whatever is active before returning', async () => {
    const scenario = validateScenario({
      name: 'chain',
      description: 'latency then a long partition, aborted',
      traffic: { profile: 'steady-day', duration: '20s' },
      faults: [
        {
          name: 'slow',
          fault: { kind: 'latency', target: 'db-a', latency: '100ms' },
          at: '0s',
          for: '300ms',
        },
        {
          name: 'cut',
          fault: { kind: 'partition', target: 'db-b' },
          after: 'slow',
          delay: '100ms',
          for: '1h',
        },
      ],
    });
    const clock = new RunClock();
    const entries: HistoryEntry[] = [];
    const controller = new AbortController();
    const run = runFaultSchedule(scenario.faults, {
      nemesis: Nemesis.forStack(stack.dir),
      clock,
      history: { append: (e) => void entries.push(e) },
      startNs: clock.nowNs(),
      signal: controller.signal,
    });
    // The start entry is written before the fault is applied, so wait on the proxy itself.
    await expect
      .poll(async () => (await stack.toxiproxy.get('db-b')).enabled, { timeout: 5_000 })
      .toBe(false);
    const abortedAt = performance.now();
    controller.abort();
    await run;
    expect(performance.now() - abortedAt).toBeLessThan(2_000);
    expect((await stack.toxiproxy.get('db-b')).enabled).toBe(true);
    const faults = entries.filter((e): e is FaultEntry => e.type === 'fault');
    expect(faults.map((f) => `${f.phase}:${f.fault}`)).toEqual([
      'start:slow',
      'stop:slow',
      'start:cut',
      'stop:cut',
    ]);
    const slowStop = faults[1]!.atNs;
    expect((faults[2]!.atNs - slowStop) / 1e6).toBeGreaterThanOrEqual(95);
  });
});
