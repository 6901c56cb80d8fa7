// One run split over two `peakdrill run --shard` processes against one stack:
// each shard writes its own history, op ids never meet, and shard 1 judges the
// merged histories into one verdict.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHistory } from '../src/history/history-reader.ts';
import { loadScenario } from '../src/model/scenario-loader.ts';
import { planScenario } from '../src/plan/scenario-plan.ts';
import { LocalStack, type StartedLocalStack } from '../src/stack/local-stack.ts';
import { peakdrill } from './support/cli.ts';
import { tempStackDir } from './support/stack-fixture.ts';

const SCENARIO = join(import.meta.dirname, 'fixtures', 'scenario-shards.ts');

async function invokes(path: string) {
  const ops: { op: string; process: string | number }[] = [];
  let header: unknown;
  for await (const e of readHistory(path)) {
    if (e.type === 'run') header = e;
    if (e.type === 'invoke' && e.f !== 'fleet-wait') ops.push({ op: e.op, process: e.process });
  }
  return { header, ops };
}

describe('a run split over two shards', () => {
  let stack: StartedLocalStack;
  beforeAll(async () => {
    stack = await new LocalStack().withDir(tempStackDir('run-shards')).withReferenceStore({}).start();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('two shard processes cover the plan once between them, and shard 1 writes one passing verdict', async () => {
    const out = mkdtempSync(join(tmpdir(), 'peakdrill-shards-'));
    const common = ['--stack', 'existing', '--stack-dir', stack.dir, '--out', out, '--run-id', 'sharded'];
    const [one, two] = await Promise.all([
      peakdrill(['run', SCENARIO, '--shard', '1/2', ...common]).done,
      peakdrill(['run', SCENARIO, '--shard', '2/2', ...common]).done,
    ]);
    expect(two.code, two.stderr.slice(-2_000)).toBe(0);
    expect(two.stdout).toMatch(/shard 2\/2: traffic completed/);
    expect(one.code, `${one.stdout}\n${one.stderr.slice(-2_000)}`).toBe(0);

    const runDir = join(out, 'sharded');
    const a = await invokes(join(runDir, 'history.ndjson'));
    const b = await invokes(join(runDir, 'history-shard-2.ndjson'));
    expect(a.header).toMatchObject({ shard: { index: 0, count: 2 } });
    expect(b.header).toMatchObject({ shard: { index: 1, count: 2 } });
    expect(a.ops.length).toBeGreaterThan(0);
    expect(b.ops.length).toBeGreaterThan(0);
    const ids = new Set(a.ops.map((o) => o.op));
    expect(b.ops.filter((o) => ids.has(o.op))).toEqual([]);
    // Devices never straddle shards, and together the shards sent at least every planned op.
    const devicesA = new Set(a.ops.map((o) => String(o.process).split('#')[0]));
    expect(b.ops.filter((o) => devicesA.has(String(o.process).split('#')[0]))).toEqual([]);
    const { scenario } = await loadScenario(SCENARIO);
    const { plan } = await planScenario(scenario);
    expect(a.ops.length + b.ops.length).toBeGreaterThanOrEqual(plan.ops.length);

    const verdict = JSON.parse(readFileSync(join(runDir, 'verdict.json'), 'utf8'));
    expect(verdict.status).toBe('pass');
    const lostAcks = verdict.checkers.find((c: { name: string }) => c.name === 'lost-acks');
    expect(lostAcks.figures.acknowledgedOps).toBeGreaterThan(0);
  }, 240_000);
});
