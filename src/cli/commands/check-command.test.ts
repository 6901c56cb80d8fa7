import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
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
});
