import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureRun } from '../../report/testing/fixture-run.ts';
import { checkRunDirectory } from '../../run/check-run.ts';
import { runCommandForTest, runMainForTest } from './command-test-harness.ts';
import { reportCommand } from './report-command.ts';

let root: string;
const runCli = (argv: string[]) => runCommandForTest(reportCommand, argv, root);

const peakdrill = (argv: string[], env: NodeJS.ProcessEnv = {}) => runMainForTest(argv, root, env);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'peakdrill-report-cli-'));
  await writeFixtureRun(join(root, 'run'), { durationS: 40, rate: 20 });
  await checkRunDirectory(join(root, 'run'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('peakdrill report', () => {
  it('writes the three reports from the stored verdict without judging again', async () => {
    const verdictBefore = await stat(join(root, 'run', 'verdict.json'));
    const result = await runCli(['report', 'run']);
    expect(result.code).toBe(0);
    const out = result.stdout.toString();
    expect(out).toMatch(/^verdict: FAIL — /);
    expect(out).toContain('report: run/report.html\nsummary: run/summary.md\njunit: run/junit.xml\n');
    for (const name of ['junit.xml', 'summary.md', 'report.html'])
      expect(existsSync(join(root, 'run', name)), name).toBe(true);
    expect((await stat(join(root, 'run', 'verdict.json'))).mtimeMs).toBe(verdictBefore.mtimeMs);
  });

  it('prints what the reports had to do without', async () => {
    const dir = join(root, 'bare');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'verdict.json'), await readFile(join(root, 'run', 'verdict.json')));
    const result = await runCli(['report', 'bare']);
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toContain('note: No run.json');
    expect(result.stdout.toString()).toContain('note: No timeline:');
  });

  it('exits 2 and says to run check first when there is no verdict', async () => {
    await mkdir(join(root, 'empty'), { recursive: true });
    const result = await peakdrill(['report', 'empty']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('empty has no verdict.json to report on');
    expect(result.stderr).toContain('fix: run `peakdrill check');
  });

  it('opens the report with $BROWSER, and says how to open it when that fails', async () => {
    const opened = await peakdrill(['report', 'run', '--open'], { BROWSER: 'true' });
    expect(opened.code).toBe(0);
    expect(opened.stderr).toBe('');
    const failed = await peakdrill(['report', 'run', '--open'], { BROWSER: join(root, 'no-such-browser') });
    expect(failed.code).toBe(0);
    expect(failed.stderr).toMatch(
      /could not open the report \(.*no-such-browser.*ENOENT.*\); open file:\/\/.*report\.html yourself/,
    );
  });
});
