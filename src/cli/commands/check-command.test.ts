import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureRun } from '../../report/testing/fixture-run.ts';
import { HistoryFile } from '../../report/testing/history-file.ts';
import { verdictSchema } from '../../verdict/verdict-schema.ts';
import { checkCommand } from './check-command.ts';
import { runCommandForTest, runMainForTest } from './command-test-harness.ts';

let root: string;
const runCli = (argv: string[]) => runCommandForTest(checkCommand, argv, root);

const peakdrill = (argv: string[], env: NodeJS.ProcessEnv = {}) => runMainForTest(argv, root, env);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'peakdrill-check-cli-'));
  await writeFixtureRun(join(root, 'failing'), { durationS: 40, rate: 20 });
  await writeFixtureRun(join(root, 'passing'), { durationS: 40, rate: 20, clean: true });
  await writeFixtureRun(join(root, 'unfinished'), { durationS: 10, rate: 10, withoutState: true });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('peakdrill check', () => {
  it('exits 1 on a failing run, prints the verdict and the report path, and writes every file', async () => {
    const result = await runCli(['check', 'failing']);
    expect(result.code).toBe(1);
    const out = result.stdout.toString();
    expect(out).toMatch(/^verdict: FAIL — 2 of 4 assertions failed \(rto, lost_acks\)/);
    expect(out).toContain('  fail    rto <5s  (measured 7.04 s)');
    expect(out).toContain('  pass    oversold_units ==0  (measured 0)');
    expect(out).toContain('run directory: failing\nreport: failing/report.html\n');
    for (const name of ['verdict.json', 'junit.xml', 'summary.md', 'report.html'])
      expect(existsSync(join(root, 'failing', name)), name).toBe(true);
    expect(await readFile(join(root, 'failing', 'summary.md'), 'utf8')).toContain(
      '`peakdrill check failing`',
    );
  });

  it('exits 0 on a passing run', async () => {
    const result = await runCli(['check', 'passing']);
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toMatch(/^verdict: PASS — all 3 assertions passed/);
  });

  it('exits 2 on a run that did not finish (no final state)', async () => {
    const result = await runCli(['check', 'unfinished']);
    expect(result.code).toBe(2);
    expect(result.stdout.toString()).toMatch(
      /^verdict: ERROR — the run did not finish: it ended error \(no final state/,
    );
    expect(await readFile(join(root, 'unfinished', 'report.html'), 'utf8')).toContain('No state.json');
  });

  it('prints only the verdict JSON on stdout with --json', async () => {
    const result = await runCli(['check', 'failing', '--json']);
    expect(result.code).toBe(1);
    const verdict = verdictSchema.parse(JSON.parse(result.stdout.toString()));
    expect(verdict.status).toBe('fail');
    expect(result.stderr).toBe('report: failing/report.html\n');
  });

  it('judges the histories given with --history, merged, instead of the directory own', async () => {
    const dir = join(root, 'sharded');
    await writeFixtureRun(dir, { durationS: 40, rate: 20 });
    const elsewhere = join(root, 'from-other-machines');
    await mkdir(elsewhere, { recursive: true });
    await rename(join(dir, 'history.ndjson'), join(elsewhere, 'main.ndjson'));
    // A second machine's history: more reads, on the same clock.
    const extra = new HistoryFile('other-machine');
    for (let at = 100; at < 30_000; at += 1_000)
      extra.op('read-stock', { at, value: { sku: 'SKU-0001' }, result: { sku: 'SKU-0001', total: 5 } });
    await extra.end(30_000).write(join(elsewhere, 'extra.ndjson'));

    const result = await runCli([
      'check',
      'sharded',
      '--history',
      'from-other-machines/main.ndjson',
      'from-other-machines/extra.ndjson',
      '--json',
    ]);
    expect(result.code).toBe(1);
    const verdict = verdictSchema.parse(JSON.parse(result.stdout.toString()));
    const slo = verdict.checkers.find((c) => c.name === 'slo')!;
    const alone = verdictSchema.parse(
      JSON.parse(await readFile(join(root, 'failing', 'verdict.json'), 'utf8')),
    );
    const readsAlone = alone.checkers.find((c) => c.name === 'slo')!.figures['read_stock_ops.count']!;
    expect(slo.figures['read_stock_ops.count']).toBe(readsAlone + 30);
    // The report charts the same merged histories.
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    const data = JSON.parse(/id="peakdrill-data">(.*?)<\/script>/s.exec(html)![1]!);
    expect(data.timeline.runIds).toEqual(['fixture-run', 'other-machine']);
  });

  it('is registered in the CLI and exits 2 with a fix for a directory that is not a run', async () => {
    const result = await peakdrill(['check', 'no-such-dir']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no-such-dir has no scenario.json');
    expect(result.stderr).toContain('fix: pass the directory `peakdrill run` wrote');
  });

  describe('a run that cannot be judged replaces the old verdict (issue 15 #3)', () => {
    const damages: [string, (dir: string) => Promise<void>][] = [
      ['state.json is truncated', (dir) => truncate(join(dir, 'state.json'), 40)],
      ['the history is missing', (dir) => rm(join(dir, 'history.ndjson'))],
      ['run.json is garbage', (dir) => writeFile(join(dir, 'run.json'), '\u0000garbage{')],
    ];
    for (const [i, [what, damage]] of damages.entries()) {
      it(`exits 2 and every verdict artefact says ERROR when ${what}`, async () => {
        const name = `judged-then-damaged-${i}`;
        const dir = join(root, name);
        await writeFixtureRun(dir, { durationS: 20, rate: 10, clean: true });
        expect((await peakdrill(['check', name])).code).toBe(0);
        await damage(dir);

        const result = await peakdrill(['check', name]);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/\n {2}fix: /);
        expect(result.stderr).not.toMatch(/unexpected error|\n {4}at /);
        const verdict = verdictSchema.parse(JSON.parse(await readFile(join(dir, 'verdict.json'), 'utf8')));
        expect(verdict.status).toBe('error');
        expect(verdict.summary).toMatch(/^the run could not be judged: /);
        const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
        expect(junit).toMatch(/<testsuites name="peakdrill" tests="\d+" failures="\d+" errors="[1-9]/);
        expect(junit).toContain('could not be judged');
        expect(await readFile(join(dir, 'summary.md'), 'utf8')).toMatch(/ERROR/);
        expect(await readFile(join(dir, 'report.html'), 'utf8')).toContain('could not be judged');
      });
    }

    it('--json prints the error verdict, so a script reading stdout sees it too', async () => {
      const dir = join(root, 'judged-then-json');
      await writeFixtureRun(dir, { durationS: 20, rate: 10, clean: true });
      await rm(join(dir, 'history.ndjson'));
      const result = await peakdrill(['check', 'judged-then-json', '--json']);
      expect(result.code).toBe(2);
      expect(verdictSchema.parse(JSON.parse(result.stdout)).status).toBe('error');
    });

    it('leaves a directory that is no run alone, and refuses a file with a fix', async () => {
      const plain = join(root, 'not-a-run');
      await mkdir(plain, { recursive: true });
      expect((await peakdrill(['check', 'not-a-run'])).code).toBe(2);
      expect(existsSync(join(plain, 'verdict.json'))).toBe(false);
      await writeFile(join(root, 'a-file.txt'), 'hello\n');
      const result = await peakdrill(['check', 'a-file.txt']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('a-file.txt is not a directory');
      expect(result.stderr).toMatch(/\n {2}fix: pass the directory/);
      expect(result.stderr).not.toMatch(/unexpected error|\n {4}at /);
    });
  });
});
