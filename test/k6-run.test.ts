// The k6 engine against the reference store on the local stack: a flash-sale
// burst of web checkouts (and returns of some orders) replayed by k6 and by the
// node engine reaches the same checker verdicts, for the correct store and for
// oversell-race; two shards (node by device, k6 by execution segment) merge to
// the op count and verdict of one; and a k6 run killed mid-way leaves a history
// that reads back with a verdict of error.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetClient } from '../simulators/fleet-client.ts';
import { FLEET_WAIT_F } from '../simulators/fleet-plan-stream.ts';
import { checkAll } from '../src/checkers/all-checkers.ts';
import type { CheckResult } from '../src/checkers/checker.ts';
import { type HistoryIndex, indexHistoryFile } from '../src/checkers/history-index.ts';
import { runK6Engine } from '../src/engines/k6/k6-engine.ts';
import { K6OrderRegistryServer } from '../src/engines/k6/k6-order-registry-server.ts';
import { buildK6Plan } from '../src/engines/k6/k6-plan.ts';
import { OpenModelScheduler } from '../src/engines/open-model-scheduler.ts';
import { HistoryReader } from '../src/history/history-reader.ts';
import { HistoryWriter } from '../src/history/history-writer.ts';
import { RunClock } from '../src/history/run-clock.ts';
import { RemoteWritePusher, remoteWriteTarget } from '../src/metrics/remote-write.ts';
import { RunMetrics } from '../src/metrics/run-metrics.ts';
import type { FinalState } from '../src/model/final-state.ts';
import { runHeader, type Shard } from '../src/model/history-entry.ts';
import type { CheckoutInvokeValue } from '../src/model/op-values.ts';
import { readReferenceStoreState } from '../src/oracle/reference-store-oracle.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';
import { shardPlan } from '../src/plan/shard-plan.ts';
import type { SeedRequest } from '../src/reference-store/request-schemas.ts';
import { StoreClient } from '../src/reference-store/store-client.ts';
import { checkRunDirectory } from '../src/run/check-run.ts';
import { LocalStack, type StartedLocalStack } from '../src/stack/local-stack.ts';
import { buildVerdict, runOutcome } from '../src/verdict/verdict.ts';
import { TestPrometheus } from './support/prometheus.ts';
import { tempStackDir } from './support/stack-fixture.ts';
import { until } from './support/until.ts';

const HOT_STOCK = 40;
const CATALOG: SeedRequest['skus'] = [
  { sku: 'HOT-1', priceCents: 500, stock: { S000: HOT_STOCK } },
  ...[1, 2, 3, 4].map((n) => ({ sku: `W-${n}`, priceCents: 1_000, stock: { S000: 1_000 } })),
];

/** The drop: 160 checkouts of the hot SKU within 80 ms, amid steady web traffic and a few returns. */
function flashSalePlan(): ReplayOp[] {
  const ops: ReplayOp[] = [];
  const order = (atMs: number, n: number, sku: string): ReplayOp => {
    const value: CheckoutInvokeValue = {
      channel: 'web',
      store: 'S000',
      lines: [{ sku, qty: 1 }],
      tenders: [{ type: 'card', amountCents: sku === 'HOT-1' ? 500 : 1_000 }],
      idempotencyKey: `k6-run-${n}`,
    };
    return { atMs, f: 'checkout', process: `web:shopper-${n % 60}`, value, source: `o${n}` };
  };
  for (let n = 0; n < 80; n++) ops.push(order(n * 25, n, `W-${1 + (n % 4)}`));
  for (let n = 80; n < 240; n++) ops.push(order(600 + (n - 80) * 0.5, n, 'HOT-1'));
  for (let n = 0; n < 80; n += 8) {
    ops.push({
      atMs: n * 25 + 1_200,
      f: 'return',
      process: `web:shopper-${n % 60}`,
      source: `r${n}`,
      orderKey: `k6-run-${n}`,
      value: {
        orderId: `o${n}`,
        store: 'S000',
        lines: [{ sku: `W-${1 + (n % 4)}`, qty: 1 }],
        idempotencyKey: `k6-run-return-${n}`,
      },
    });
  }
  return ops.sort((a, b) => a.atMs - b.atMs);
}

const PLAN = flashSalePlan();
const SEED = 11;

interface Target {
  readonly stack: StartedLocalStack;
  readonly edgeA: string;
  readonly edgeB: string;
  readonly dir: string;
}

async function startTarget(label: string, defect?: 'oversell-race'): Promise<Target> {
  const dir = tempStackDir(label);
  const stack = await new LocalStack()
    .withDir(dir)
    .withReferenceStore(defect === undefined ? {} : { defect })
    .start();
  const url = (name: string) => {
    const p = stack.proxy(name).listen;
    return `http://${p.host}:${p.port}`;
  };
  return { stack, edgeA: url('edge-a'), edgeB: url('edge-b'), dir };
}

async function freshStore(t: Target): Promise<void> {
  const api = new StoreClient(t.edgeA, { timeoutMs: 60_000 });
  expect((await api.reset()).status).toBeLessThan(300);
  expect((await api.seed(CATALOG)).status).toBeLessThan(300);
}

const readState = (t: Target): Promise<FinalState> =>
  readReferenceStoreState({ regions: { a: t.edgeA, b: t.edgeB } });

/** The node engine on the same plan (web shoppers only), one shard of it when given. */
async function nodeRun(
  t: Target,
  historyPath: string,
  ops: readonly ReplayOp[],
  shard?: Shard,
): Promise<void> {
  const clock = new RunClock();
  const history = await HistoryWriter.open(historyPath);
  history.append(
    runHeader({ runId: 'node', ...(shard ? { shard } : {}), startedAt: clock.startedAt, t0: clock.t0 }),
  );
  const fleet = new FleetClient({ storeUrl: t.edgeA, seed: SEED, tailMs: 5_000, pos: false, webhook: false });
  const stats = await new OpenModelScheduler(fleet, {
    runId: 'node',
    ...(shard ? { shard } : {}),
    clock,
    history,
    timeoutMs: 5_000,
  }).run(fleet.plan(ops));
  history.append({ type: 'end', status: 'completed', atNs: clock.nowNs() });
  await history.close();
  expect(stats.sent).toBeGreaterThan(0);
}

async function k6Run(t: Target, historyPath: string, workDir: string) {
  const result = await runK6Engine({
    plan: buildK6Plan(PLAN, { seed: SEED }),
    runId: 'k6-run',
    historyPath,
    workDir,
    baseUrls: [t.edgeA],
  });
  console.log(
    `k6: ${result.status}, exit ${result.exitCode}, ${JSON.stringify(result.counts)}, latency p99 ${result.latencyP99Ms} ms, lateness p99 ${result.latenessP99Ms} ms`,
  );
  expect(result.status, result.reason).toBe('completed');
  expect(result.counts.dropped).toBe(0);
  expect(result.droppedIterations).toBe(0);
  return result;
}

const verdicts = (results: readonly CheckResult[]) =>
  Object.fromEntries(results.map((r) => [r.name, r.valid]));

function soldHot(index: HistoryIndex, state: FinalState) {
  const region = state.regions[state.authoritativeRegion]!;
  const orders = region.orders.filter((o) => o.lines.some((l) => l.sku === 'HOT-1')).length;
  return { orders, acknowledgedInHistory: index.checkouts.filter((c) => c.status === 'ok').length };
}

async function engineVerdicts(t: Target, label: string) {
  const out = join(t.dir, label);
  mkdirSync(out, { recursive: true });
  await freshStore(t);
  await nodeRun(t, join(out, 'history-node.ndjson'), PLAN);
  const nodeState = await readState(t);
  const nodeIndex = await indexHistoryFile(join(out, 'history-node.ndjson'));
  const node = checkAll(nodeIndex, nodeState);

  await freshStore(t);
  await k6Run(t, join(out, 'history-k6.ndjson'), join(out, 'k6'));
  const k6State = await readState(t);
  const k6Index = await indexHistoryFile(join(out, 'history-k6.ndjson'));
  const k6 = checkAll(k6Index, k6State);
  expect([...k6Index.unreadable]).toEqual([]);
  expect([k6Index.orphanCompletions, k6Index.duplicateInvokes]).toEqual([0, 0]);
  console.log(`${label}: node`, verdicts(node), soldHot(nodeIndex, nodeState));
  console.log(`${label}: k6  `, verdicts(k6), soldHot(k6Index, k6State));
  return { node, k6, nodeIndex, k6Index, k6State };
}

describe('k6 engine against the correct reference store', () => {
  let target: Target;
  beforeAll(async () => {
    target = await startTarget('k6-run');
  });
  afterAll(async () => {
    await target?.stack.stop();
  });

  it('reaches the node engine verdict: no checker finds a violation', async () => {
    const { node, k6, nodeIndex, k6Index, k6State } = await engineVerdicts(target, 'correct');
    expect(verdicts(k6)).toEqual(verdicts(node));
    expect(k6.filter((r) => r.valid === false).map((r) => `${r.name}: ${r.explanation}`)).toEqual([]);
    // The same ops, in op-values shapes the checkers read: checkouts, stock reads, returns.
    const perF = (index: HistoryIndex) =>
      Object.fromEntries(
        index.fNames.filter((f) => f !== FLEET_WAIT_F).map((f) => [f, index.opsOf(f).length]),
      );
    expect(perF(k6Index)).toEqual(perF(nodeIndex));
    expect(soldHot(k6Index, k6State).orders).toBe(HOT_STOCK);
    expect(k6Index.returns.filter((r) => r.status === 'ok')).toHaveLength(10);
  });

  it("pushes k6's own metrics and the run's, by remote write, into a real Prometheus", async () => {
    const prom = await TestPrometheus.start(undefined, { remoteWriteReceiver: true });
    try {
      const tags = { scenario: 'k6-remote-write', target: 'reference-store' };
      const metrics = new RunMetrics({ ...tags, businessCodes: [] });
      const rw = remoteWriteTarget(`${prom.url}/api/v1/write`, 1_000, {});
      const warnings: string[] = [];
      const pusher = new RemoteWritePusher(metrics.registry, rw, (line) => warnings.push(line));
      pusher.start();
      await freshStore(target);
      const out = join(target.dir, 'remote-write');
      const historyPath = join(out, 'history-k6.ndjson');
      const result = await runK6Engine({
        plan: buildK6Plan(PLAN, { seed: SEED }),
        runId: 'k6-remote-write',
        historyPath,
        workDir: join(out, 'k6'),
        baseUrls: [target.edgeA],
        tap: (entry) => metrics.observe(entry),
        remoteWrite: { ...rw, tags },
      });
      await pusher.stop();
      expect(result.status, result.reason).toBe('completed');
      expect(warnings).toEqual([]);
      const completed = (await indexHistoryFile(historyPath)).opCount;
      const sum = async (expr: string) => Number((await prom.query(expr))[0]?.value[1] ?? 0);
      // peakdrill's series, fed by k6's outcomes: the same count as the history.
      const ops = await until(
        async () => {
          const n = await sum(`sum(last_over_time(peakdrill_ops_total{scenario="k6-remote-write"}[5m]))`);
          return n >= completed ? n : undefined;
        },
        20_000,
        'the pushed op counters',
        250,
      );
      expect(ops).toBe(completed);
      // k6's own series under the same labels: at least one HTTP request per op.
      const requests = await until(
        async () => {
          const n = await sum(`sum(last_over_time(k6_http_reqs_total{scenario="k6-remote-write"}[5m]))`);
          return n > 0 ? n : undefined;
        },
        20_000,
        "k6's own request counter",
        250,
      );
      expect(requests).toBeGreaterThanOrEqual(completed);
    } finally {
      await prom.stop();
    }
  });

  it('two shards (node by device, k6 by execution segment) merge to one run: op count and verdict', async () => {
    const scenario = {
      name: 'k6-shards',
      description: 'flash-sale burst in shards',
      traffic: { profile: 'flash-sale', duration: '10s' },
      assertions: { oversold_units: '==0', lost_acks: '==0' },
    };
    const runDir = (name: string) => {
      const dir = join(target.dir, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'scenario.json'), JSON.stringify(scenario));
      return dir;
    };
    const finish = async (dir: string) => {
      writeFileSync(join(dir, 'state.json'), JSON.stringify(await readState(target)));
      return checkRunDirectory(dir);
    };
    const count = (index: HistoryIndex) => index.opCount - index.opsOf(FLEET_WAIT_F).length;

    // Node: one run, then two shards at once, each with its own clock as on two machines.
    await freshStore(target);
    const nodeOne = runDir('node-one');
    await nodeRun(target, join(nodeOne, 'history.ndjson'), PLAN);
    const nodeWhole = await finish(nodeOne);
    await freshStore(target);
    const nodeTwo = runDir('node-two');
    await Promise.all(
      [0, 1].map((index) => {
        const shard = { index, count: 2 };
        return nodeRun(target, join(nodeTwo, `history-${index}-of-2.ndjson`), shardPlan(PLAN, shard), shard);
      }),
    );
    const nodeSharded = await finish(nodeTwo);
    console.log(
      'node: one',
      nodeWhole.verdict.status,
      count(nodeWhole.history),
      'two',
      nodeSharded.verdict.status,
      count(nodeSharded.history),
    );
    expect(count(nodeSharded.history)).toBe(count(nodeWhole.history));
    expect(nodeSharded.verdict.status).toBe(nodeWhole.verdict.status);
    expect(nodeWhole.verdict.status, nodeWhole.verdict.summary).toBe('pass');

    // k6: one process, then two execution segments at once sharing the order registry and plan time 0.
    await freshStore(target);
    const k6One = runDir('k6-one');
    await k6Run(target, join(k6One, 'history-k6.ndjson'), join(k6One, 'k6'));
    const k6Whole = await finish(k6One);
    await freshStore(target);
    const k6Two = runDir('k6-two');
    const plan = buildK6Plan(PLAN, { seed: SEED });
    const clock = new RunClock();
    await using registry = await new K6OrderRegistryServer().start();
    const planStartWallMs = Date.now() + 2_500;
    const shards = await Promise.all(
      [0, 1].map((index) =>
        runK6Engine({
          plan,
          runId: 'k6-run',
          shard: { index, count: 2 },
          historyPath: join(k6Two, `history-k6-${index}-of-2.ndjson`),
          workDir: join(k6Two, 'k6'),
          baseUrls: [target.edgeA],
          clock,
          registry,
          planStartWallMs,
        }),
      ),
    );
    for (const s of shards) expect(s.status, s.reason).toBe('completed');
    expect(shards[0]!.counts.sent).toBeGreaterThan(0);
    expect(shards[1]!.counts.sent).toBeGreaterThan(0);
    const k6Sharded = await finish(k6Two);
    console.log(
      'k6: one',
      k6Whole.verdict.status,
      count(k6Whole.history),
      'two',
      k6Sharded.verdict.status,
      count(k6Sharded.history),
    );
    expect(count(k6Sharded.history)).toBe(count(k6Whole.history));
    expect(k6Sharded.verdict.status, k6Sharded.verdict.summary).toBe(k6Whole.verdict.status);
    expect(k6Whole.verdict.status, k6Whole.verdict.summary).toBe('pass');
  });

  it('a k6 run stopped or killed mid-way leaves a history that reads back, with a verdict of error', async () => {
    await freshStore(target);
    const long: ReplayOp[] = PLAN.filter((o) => o.f === 'checkout').map((o, i) => ({ ...o, atMs: i * 40 }));
    const out = join(target.dir, 'killed');
    const verdictOf = async (path: string) => {
      const reader = new HistoryReader(path);
      let entries = 0;
      for await (const _ of reader) entries++;
      const index = await indexHistoryFile(path);
      const verdict = buildVerdict({
        scenario: 'k6-killed',
        seed: 1,
        versions: {},
        results: checkAll(index, await readState(target)),
        assertions: { oversold_units: '==0' },
        run: runOutcome(index),
      });
      return { entries, end: reader.end, index, verdict };
    };

    // Stopped through the AbortSignal (SIGINT, then SIGKILL after the grace period).
    const controller = new AbortController();
    setTimeout(() => controller.abort('test stops it'), 3_500);
    const stopped = await runK6Engine({
      plan: buildK6Plan(long, { seed: SEED }),
      runId: 'stopped',
      historyPath: join(out, 'history-stopped.ndjson'),
      workDir: join(out, 'stopped'),
      baseUrls: [target.edgeA],
      signal: controller.signal,
      graceMs: 3_000,
    });
    expect(stopped.status).toBe('aborted');
    const a = await verdictOf(stopped.historyPath);
    expect(a.end?.status).toBe('aborted');
    expect(a.index.opCount).toBeGreaterThan(10);
    expect(a.index.opCount).toBeLessThan(long.length * 2);
    expect(a.verdict.status).toBe('error');

    // k6 killed outright by someone else.
    let pid = 0;
    setTimeout(() => process.kill(pid, 'SIGKILL'), 3_500);
    const killed = await runK6Engine({
      plan: buildK6Plan(long, { seed: SEED }),
      runId: 'killed',
      historyPath: join(out, 'history-killed.ndjson'),
      workDir: join(out, 'killed'),
      baseUrls: [target.edgeA],
      onSpawn: (p) => {
        pid = p;
      },
    });
    expect(killed.status).toBe('error');
    expect(killed.reason).toMatch(/SIGKILL/);
    const b = await verdictOf(killed.historyPath);
    expect(b.end?.status).toBe('error');
    expect(b.index.opCount).toBeGreaterThan(10);
    expect(b.verdict.status).toBe('error');
    expect(b.verdict.summary).toMatch(/did not finish/);
  });
});

describe('k6 engine against oversell-race', () => {
  let target: Target;
  beforeAll(async () => {
    target = await startTarget('k6-run-oversell', 'oversell-race');
  });
  afterAll(async () => {
    await target?.stack.stop();
  });

  it('reaches the node engine verdict: the oversell checker fails, with evidence', async () => {
    const { node, k6, k6Index, k6State } = await engineVerdicts(target, 'oversell-race');
    const oversell = (results: readonly CheckResult[]) => results.find((r) => r.name === 'oversell')!;
    expect(oversell(node).valid).toBe(false);
    expect(oversell(k6).valid).toBe(false);
    expect(oversell(k6).evidence.length).toBeGreaterThan(0);
    expect(soldHot(k6Index, k6State).orders).toBeGreaterThan(HOT_STOCK);
    expect(verdicts(k6)).toEqual(verdicts(node));
  });
});
