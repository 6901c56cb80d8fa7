import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPeakdrillError } from '../model/errors.ts';
import { checkRunDirectory } from '../run/check-run.ts';
import { renderReports } from './render-reports.ts';
import { writeFixtureRun } from './testing/fixture-run.ts';
import { HistoryFile } from './testing/history-file.ts';
import { failingVerdict } from './testing/verdict-fixtures.ts';
import { findAll, parseWellFormedXml } from './testing/xml-well-formed.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peakdrill-render-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const read = (name: string) => readFile(join(dir, name), 'utf8');

describe('renderReports', () => {
  it('writes junit.xml, summary.md and report.html for a checked run', async () => {
    await writeFixtureRun(dir, { durationS: 40, rate: 20 });
    await checkRunDirectory(dir);
    const out = await renderReports(dir, { env: {}, displayDir: 'reports/fixture-run' });
    expect(out.verdict.status).toBe('fail');
    expect(out.notes).toEqual([]);
    const root = parseWellFormedXml(await read('junit.xml'));
    expect(findAll(root, 'testcase').map((c) => c.attributes.name)).toContain('rto <5s');
    const summary = await read('summary.md');
    expect(summary.split('\n')[0]).toBe('## ❌ peakdrill FAIL: region-failover (seed 1)');
    expect(summary).toContain('`peakdrill check reports/fixture-run`');
    const html = await read('report.html');
    expect(html).toContain('id="chart-stock"');
    expect(html).toContain('Region a lost mid-sale, failover to region b (report fixture)');
    // Atomic writes leave no temp files behind.
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('still reports a run that errored early: no run.json, catalog.json, state.json or history', async () => {
    await writeFile(join(dir, 'verdict.json'), JSON.stringify(failingVerdict({ endStatus: 'aborted' })));
    const out = await renderReports(dir, { env: {} });
    expect(out.notes.join('\n')).toMatch(/No run\.json/);
    expect(out.notes.join('\n')).toMatch(/No catalog\.json/);
    expect(out.notes.join('\n')).toMatch(/No state\.json/);
    expect(out.notes.join('\n')).toMatch(/No timeline: .* holds no history/);
    const html = await read('report.html');
    expect(html).toContain('<span class="status s-error">ERROR</span>');
    expect(html).toContain('No timeline:');
    expect(html).toContain('error rate above 50% for 10 s');
    const summary = await read('summary.md');
    expect(summary.split('\n')[0]).toContain('ERROR');
    const junit = parseWellFormedXml(await read('junit.xml'));
    expect(findAll(junit, 'error')[0]!.attributes.message).toBe(
      'the run ended aborted: error rate above 50% for 10 s',
    );
  });

  it('notes a damaged run.json instead of failing', async () => {
    await writeFile(join(dir, 'verdict.json'), JSON.stringify(failingVerdict()));
    await writeFile(join(dir, 'run.json'), '{"runId": ');
    const h = new HistoryFile();
    h.op('checkout', { at: 10 });
    await h.end(1_000).write(join(dir, 'history.ndjson'));
    const out = await renderReports(dir, { env: {} });
    expect(out.notes.join('\n')).toMatch(/run\.json is unreadable .*not valid JSON/);
    expect(await read('report.html')).toContain('id="chart-throughput"');
  });

  it('refuses a directory without a verdict, saying how to make one', async () => {
    const error = await renderReports(dir, { env: {} }).catch((e: unknown) => e);
    expect(isPeakdrillError(error)).toBe(true);
    expect((error as Error).message).toContain('has no verdict.json');
    expect((error as { hint: string }).hint).toContain('peakdrill check');
  });

  it('charts the histories it is given instead of the directory own', async () => {
    await writeFile(join(dir, 'verdict.json'), JSON.stringify(failingVerdict()));
    const elsewhere = join(dir, 'elsewhere.ndjson');
    const h = new HistoryFile();
    for (let at = 0; at < 5_000; at += 100) h.op('checkout', { at });
    await h.write(elsewhere);
    await renderReports(dir, { env: {}, histories: [elsewhere] });
    const html = await read('report.html');
    const data = JSON.parse(/id="peakdrill-data">(.*?)<\/script>/s.exec(html)![1]!);
    expect(data.timeline.totals.ok).toBe(50);
  });

  it('never writes a secret from the environment or the stack into any report', async () => {
    const secret = 'Zx9-planted-pg-password';
    const other = 'stack-json-secret-77';
    await writeFixtureRun(dir, { durationS: 10, rate: 10 });
    const scenario = JSON.parse(await read('scenario.json'));
    scenario.description = `drill against postgres://peakdrill:${secret}@127.0.0.1:5432/db (${other})`;
    await writeFile(join(dir, 'scenario.json'), JSON.stringify(scenario));
    const run = JSON.parse(await read('run.json'));
    run.versions.secretish = `PGPASSWORD=${secret}`;
    run.versions.escaped = `<${other}>&"`;
    await writeFile(join(dir, 'run.json'), JSON.stringify(run));
    await checkRunDirectory(dir);
    await renderReports(dir, { env: { PGPASSWORD: secret, HOME: '/root' }, secrets: [other] });
    for (const name of ['junit.xml', 'summary.md', 'report.html']) {
      const text = await read(name);
      expect(text, name).not.toContain(secret);
      expect(text, name).not.toContain(other);
    }
    expect(await read('report.html')).toContain('PGPASSWORD=[redacted]');
  });
});
