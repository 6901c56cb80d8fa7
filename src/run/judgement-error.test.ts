import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../model/scenario-loader.ts';
import { writeFixtureRun } from '../report/testing/fixture-run.ts';
import { checkRunDirectory } from './check-run.ts';
import { isRunDirectory, recordJudgementError } from './judgement-error.ts';
import { runScenario } from './run-scenario.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'peakdrill-judgement-error-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('judgement errors (issue 15 #3)', () => {
  it('replace every verdict artefact of a run directory, and leave other directories alone', async () => {
    const dir = join(root, 'judged');
    await writeFixtureRun(dir, { durationS: 10, rate: 5, clean: true });
    expect(isRunDirectory(dir)).toBe(true);
    expect(isRunDirectory(root)).toBe(false);
    const recorded = await recordJudgementError(dir, new Error('state.json is not valid JSON'));
    expect(recorded?.verdict).toMatchObject({
      status: 'error',
      scenario: 'region-failover',
      runId: 'fixture-run',
      summary: 'the run could not be judged: state.json is not valid JSON',
    });
    expect(await readFile(join(dir, 'junit.xml'), 'utf8')).toMatch(/errors="1"/);
    expect(await recordJudgementError(root, new Error('x'))).toBeUndefined();
    expect(existsSync(join(root, 'verdict.json'))).toBe(false);
  });

  it('a run reusing a run id is refused before it touches the earlier run', async () => {
    // --stack existing on a directory with no stack: nothing is ever started.
    const out = join(root, 'reports');
    const runDir = join(out, 'drill-1');
    await writeFixtureRun(runDir, { durationS: 10, rate: 5, clean: true });
    expect((await checkRunDirectory(runDir)).verdict.status).toBe('pass');
    const before = await readFile(join(runDir, 'run.json'), 'utf8');
    const { scenario } = await loadScenario('flash-sale');
    const run = runScenario({
      scenario,
      stack: 'existing',
      stackDir: join(root, 'no-stack-here'),
      outDir: out,
      runId: 'drill-1',
    });
    await expect(run).rejects.toThrow(/already holds run drill-1/);
    expect(await readFile(join(runDir, 'run.json'), 'utf8')).toBe(before);
    expect(JSON.parse(await readFile(join(runDir, 'verdict.json'), 'utf8')).status).toBe('pass');
  });
});
