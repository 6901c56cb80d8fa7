// `peakdrill run` interrupted while faults are active: SIGINT and SIGTERM heal
// every fault, end the history as aborted and stop every child within 2 s;
// after kill -9, `faults clear` heals what the run left. Real stack, real CLI.
import { chmodSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHistory } from '../src/history/history-reader.ts';
import type { HistoryEntry } from '../src/model/history-entry.ts';
import { LocalStack, type StartedLocalStack } from '../src/stack/local-stack.ts';
import { readPidRecords } from '../src/stack/process-supervisor.ts';
import { stackLayout } from '../src/stack/stack-context.ts';
import { alive, peakdrill } from './support/cli.ts';
import { tempStackDir } from './support/stack-fixture.ts';

const SCENARIO = join(import.meta.dirname, 'fixtures', 'scenario-signals.ts');

function runDirIn(out: string): string {
  const [name] = readdirSync(out);
  if (name === undefined) throw new Error(`no run directory in ${out}`);
  return join(out, name);
}

async function entries(runDir: string): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  for await (const e of readHistory(join(runDir, 'history.ndjson'))) out.push(e);
  return out;
}

/** Waits until both fixture faults have started (their start entries are in the history). */
async function untilFaultsActive(out: string) {
  await expect
    .poll(
      () => {
        try {
          return (
            readFileSync(join(runDirIn(out), 'history.ndjson'), 'utf8').match(/"phase":"start"/g)?.length ?? 0
          );
        } catch {
          return 0;
        }
      },
      { timeout: 60_000, interval: 50 },
    )
    .toBe(2);
  // The start entry is written just before the fault is applied: give it a moment to land.
  await new Promise((r) => setTimeout(r, 500));
}

describe('peakdrill run interrupted during active faults (existing stack)', () => {
  let stack: StartedLocalStack;
  beforeAll(async () => {
    stack = await new LocalStack().withDir(tempStackDir('run-signals')).withReferenceStore({}).start();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function toxics(proxy: string): Promise<string[]> {
    const p = await stack.toxiproxy.get(proxy);
    const { data } = await stack.toxiproxy.getApi().get<{ name: string }[]>(`${p.getPath()}/toxics`);
    return data.map((t) => t.name);
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: every toxic removed and proxy enabled within 2 s, the run aborted with a readable history`, async () => {
      const out = mkdtempSync(join(tmpdir(), 'peakdrill-run-signal-'));
      const run = peakdrill(['run', SCENARIO, '--stack', 'existing', '--stack-dir', stack.dir, '--out', out]);
      await untilFaultsActive(out);
      expect(await toxics('db-a')).toHaveLength(1);
      expect((await stack.toxiproxy.get('edge-b')).enabled).toBe(false);

      const t0 = performance.now();
      run.child.kill(signal);
      await expect
        .poll(
          async () => (await toxics('db-a')).length + ((await stack.toxiproxy.get('edge-b')).enabled ? 0 : 1),
          {
            timeout: 2_000,
            interval: 20,
          },
        )
        .toBe(0);
      expect(performance.now() - t0).toBeLessThan(2_000);
      const result = await run.done;
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout).toMatch(/verdict: ERROR/);

      const runDir = runDirIn(out);
      const history = await entries(runDir);
      expect(history.at(-1)).toMatchObject({ type: 'end', status: 'aborted' });
      expect(history.filter((e) => e.type === 'fault' && e.phase === 'stop')).toHaveLength(2);
      const verdict = JSON.parse(readFileSync(join(runDir, 'verdict.json'), 'utf8'));
      expect(verdict.status).toBe('error');
    });
  }

  it('kill -9 during the faults: the history reads back and `faults clear` heals what the run left', async () => {
    const out = mkdtempSync(join(tmpdir(), 'peakdrill-run-kill-'));
    const run = peakdrill(['run', SCENARIO, '--stack', 'existing', '--stack-dir', stack.dir, '--out', out]);
    await untilFaultsActive(out);
    run.child.kill('SIGKILL');
    await run.done;
    expect(await toxics('db-a')).toHaveLength(1);
    expect((await stack.toxiproxy.get('edge-b')).enabled).toBe(false);

    const history = await entries(runDirIn(out));
    expect(history[0]).toMatchObject({ type: 'run' });
    expect(history.some((e) => e.type === 'end')).toBe(false);

    const clear = await peakdrill(['faults', 'clear', '--dir', stack.dir]).done;
    expect(clear.code, clear.stderr).toBe(0);
    expect(await toxics('db-a')).toEqual([]);
    expect((await stack.toxiproxy.get('edge-b')).enabled).toBe(true);

    // `peakdrill check` on the killed run: a verdict of error, never pass.
    const check = await peakdrill(['check', runDirIn(out), '--json']).done;
    expect(check.code).toBe(2);
    expect(JSON.parse(check.stdout).status).toBe('error');
  });
});

describe('peakdrill run on its own local stack, interrupted', () => {
  it('SIGINT during active faults: every child of the run is gone within 2 s', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'pd-sig-'));
    // PostgreSQL runs as its own user when we are root: it must be able to reach the stack.
    chmodSync(scratch, 0o755);
    const out = join(scratch, 'reports');
    const run = peakdrill(['run', SCENARIO, '--out', out], { TMPDIR: scratch });
    await untilFaultsActive(out);
    const base = join(scratch, `peakdrill-${process.getuid?.()}`);
    const [stackName] = readdirSync(base).filter((n) => n.startsWith('run-'));
    const pids = readPidRecords(stackLayout(join(base, stackName!)).pids).map((r) => r.pid);
    expect(pids.filter(alive).length).toBeGreaterThanOrEqual(6);

    const t0 = performance.now();
    run.child.kill('SIGINT');
    await expect.poll(() => pids.filter(alive), { timeout: 2_000, interval: 20 }).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(2_000);
    const result = await run.done;
    expect(result.code, result.stderr).toBe(2);
  });
});
