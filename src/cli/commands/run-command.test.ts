import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { generateRecording } from '../../../recorders/synthetic-generator.ts';
import { writeRecording } from '../../recording/recording-writer.ts';
import { runMainForTest } from './command-test-harness.ts';

// Every case below must be refused before a run starts: reaching runScenario
// (which writes the run directory and may start a stack) is a test failure.
const reached = vi.hoisted(() => ({ count: 0 }));
const lastScenario = vi.hoisted(() => ({ value: undefined as unknown }));
vi.mock('../../run/run-scenario.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../run/run-scenario.ts')>()),
  runScenario: async (options: { scenario?: unknown }) => {
    reached.count += 1;
    lastScenario.value = options.scenario;
    throw new Error('runScenario was reached: validation let a bad run start');
  },
}));

const root = mkdtempSync(join(tmpdir(), 'peakdrill-run-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function refused(argv: string[]): Promise<string> {
  const before = reached.count;
  const { code, stderr } = await runMainForTest(argv, root);
  expect(code, stderr).toBe(2);
  expect(stderr).toMatch(/\n {2}fix: /);
  expect(stderr).not.toMatch(/unexpected error|\n {4}at /);
  expect(reached.count, 'runScenario must not be reached').toBe(before);
  return stderr;
}

describe('peakdrill run refuses bad options before anything starts (issue 15 #6, #7)', () => {
  it('--speed 0, a negative, Infinity or NaN speed', async () => {
    for (const speed of ['0', '-1', 'Infinity', 'abc'])
      expect(await refused(['run', 'flash-sale', '--speed', speed])).toMatch(
        /--speed .* not a finite number above 0/,
      );
  });

  it('a seed the generator cannot take', async () => {
    for (const seed of ['1.5', '4294967296', 'Infinity', '', '0x10', '-1'])
      expect(await refused(['run', 'flash-sale', '--seed', seed])).toMatch(/--seed: .* not a whole number/);
  });

  it('--stack existing with a --stack-dir that holds no stack, without writing a run directory', async () => {
    const out = join(root, 'reports-existing');
    const stderr = await refused([
      'run',
      'flash-sale',
      '--stack',
      'existing',
      '--stack-dir',
      join(root, 'missing-stack'),
      '--out',
      out,
    ]);
    expect(stderr).toMatch(/no stack is running in .*missing-stack: it does not exist/);
    expect(stderr).toMatch(/fix: start one with `peakdrill stack up --dir/);
    expect(existsSync(out)).toBe(false);
  });

  it('a run id that is a path, so nothing is written outside --out', async () => {
    const out = join(root, 'reports-ids');
    for (const id of ['../../x', '..', '.', 'a/b', '/tmp/abs', ''])
      expect(await refused(['run', 'flash-sale', '--out', out, '--run-id', id])).toMatch(/is not a run id/);
    expect(existsSync(join(root, 'x'))).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root).sort()).toEqual([]);
  });

  it('an --out that is a file, and a shard that is not i/n', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expect(await refused(['run', 'flash-sale', '--out', file])).toMatch(/--out .*a-file is a file/);
    expect(await refused(['run', 'flash-sale', '--shard', '3/2'])).toMatch(/--shard "3\/2"/);
    rmSync(file);
  });

  it('a scenario whose recording is missing, found beside the scenario file', async () => {
    const scenarioDir = mkdtempSync(join(tmpdir(), 'peakdrill-run-scenario-'));
    try {
      writeFileSync(
        join(scenarioDir, 'replay.ts'),
        `export default { name: 'replay', description: 'x', traffic: { recording: 'day.ndjson' }, assertions: { oversold_units: '==0' } };\n`,
      );
      const stderr = await refused(['run', join(scenarioDir, 'replay.ts')]);
      expect(stderr).toContain(`cannot read recording ${join(scenarioDir, 'day.ndjson')}`);
    } finally {
      rmSync(scenarioDir, { recursive: true, force: true });
    }
  });
});

describe('peakdrill run --recording (issue 12: a capture replays like a generated recording)', () => {
  it('refuses a recording that is not there, resolved against the working directory', async () => {
    const stderr = await refused(['run', 'flash-sale', '--recording', 'captured.ndjson']);
    expect(stderr).toContain(`cannot read recording ${join(root, 'captured.ndjson')}`);
  });

  it("swaps the scenario's traffic for the recording and keeps the rest", async () => {
    const file = join(root, 'capture.ndjson');
    const { header, events } = generateRecording({
      profile: 'flash-sale',
      seed: 3,
      durationS: 5,
      stores: 2,
      skus: 20,
    });
    await writeRecording(file, { ...header, source: 'http-capture' }, events);
    const before = reached.count;
    const { stderr } = await runMainForTest(['run', 'flash-sale', '--recording', file], root);
    expect(reached.count, stderr).toBe(before + 1);
    expect(lastScenario.value).toMatchObject({ name: 'flash-sale', traffic: { recording: file } });
  });
});

describe('peakdrill run refuses a target that cannot serve the scenario, before anything starts (issue 11)', () => {
  it('a scenario that requires an ability the target lacks names the field and the ability', async () => {
    const stderr = await refused(['run', 'store-offline', '--target', 'vendure']);
    expect(stderr).toMatch(/scenario store-offline cannot run on target vendure/);
    expect(stderr).toMatch(/requires\[1\]: the scenario needs offline-sync, which vendure does not have/);
    expect(stderr).toMatch(/fix: run it on a target that has offline-sync/);
  });

  it('returns under failover on a target that takes no returns names the ability', async () => {
    const stderr = await refused(['run', 'returns-under-failover', '--target', 'vendure']);
    expect(stderr).toMatch(/requires\[1\]: the scenario needs returns, which vendure does not have/);
  });

  it('the k6 engine with a target its script cannot speak', async () => {
    expect(await refused(['run', 'flash-sale', '--target', 'vendure', '--engine', 'k6'])).toMatch(
      /engine: k6 cannot drive target vendure/,
    );
  });

  it('a seeded defect on a target that has none, and a target that does not exist', async () => {
    expect(await refused(['run', 'flash-sale', '--target', 'vendure', '--defect', 'oversell-race'])).toMatch(
      /--defect seeds the reference store; target vendure has no seeded defects/,
    );
    expect(await refused(['run', 'flash-sale', '--target', 'magento'])).toMatch(/--target|target/);
  });
});
