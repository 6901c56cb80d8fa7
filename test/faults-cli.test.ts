import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedLocalStack } from '../src/stack/local-stack.ts';
import { StackControl } from '../src/stack/stack-control.ts';
import { alive, peakdrill } from './support/cli.ts';
import { startTestStack } from './support/stack-fixture.ts';

function procState(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^\d+ \(.*\) /, '')[0]!;
}

describe('faults inject heals on SIGINT, SIGTERM, and after kill -9 through faults clear', () => {
  let stack: StartedLocalStack;
  beforeAll(async () => {
    stack = await startTestStack('faults-cli', 'async');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function toxicsOn(proxy: string): Promise<string[]> {
    const p = await stack.toxiproxy.get(proxy);
    const { data } = await stack.toxiproxy.getApi().get<{ name: string }[]>(`${p.getPath()}/toxics`);
    return data.map((t) => t.name);
  }

  async function injectAndWait(args: string[]) {
    const run = peakdrill(['faults', 'inject', ...args, '--for', '60s', '--dir', stack.dir]);
    await expect.poll(() => run.output(), { timeout: 15_000, interval: 20 }).toMatch(/fault \S+: /);
    return run;
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during an active latency toxic and partition: everything healed and the process gone within 2 s`, async () => {
      const toxic = await injectAndWait(['latency', '--target', 'db-a', '--param', 'latencyMs=300']);
      const partition = await injectAndWait(['partition', '--target', 'db-b']);
      expect(await toxicsOn('db-a')).toHaveLength(1);
      expect((await stack.toxiproxy.get('db-b')).enabled).toBe(false);

      const t0 = performance.now();
      toxic.child.kill(signal);
      partition.child.kill(signal);
      const [a, b] = await Promise.all([toxic.done, partition.done]);
      const elapsed = performance.now() - t0;
      expect(elapsed).toBeLessThan(2_000);
      expect(a.code).toBe(2);
      expect(b.code).toBe(2);
      expect(a.stderr).toMatch(new RegExp(`${signal}: healing active faults`));
      expect(await toxicsOn('db-a')).toEqual([]);
      expect((await stack.toxiproxy.get('db-b')).enabled).toBe(true);
      expect(alive(toxic.child.pid!)).toBe(false);
    });
  }

  it('SIGTERM during a process pause resumes the paused process', async () => {
    const control = new StackControl(stack.dir);
    const pid = control.pid('postgres-b');
    const run = await injectAndWait(['process-pause', '--target', 'postgres-b']);
    try {
      // A runnable process shows R until it is next scheduled and takes the stop.
      await expect.poll(() => procState(pid), { timeout: 2_000, interval: 10 }).toBe('T');
    } finally {
      run.child.kill('SIGTERM');
      await run.done;
    }
    await expect.poll(() => procState(pid), { timeout: 2_000, interval: 10 }).not.toBe('T');
  });

  it('kill -9 mid-fault leaves the fault journaled; faults list shows it and faults clear heals it', async () => {
    const run = await injectAndWait(['latency', '--target', 'db-a', '--param', 'latencyMs=300']);
    const pause = await injectAndWait(['process-pause', '--target', 'postgres-b']);
    const pid = new StackControl(stack.dir).pid('postgres-b');
    run.child.kill('SIGKILL');
    pause.child.kill('SIGKILL');
    await Promise.all([run.done, pause.done]);
    expect(await toxicsOn('db-a')).toHaveLength(1);
    await expect.poll(() => procState(pid), { timeout: 2_000, interval: 10 }).toBe('T');

    const list = await peakdrill(['faults', 'list', '--dir', stack.dir, '--json']).done;
    const leftovers = JSON.parse(list.stdout).leftovers as { spec: { kind: string } }[];
    expect(leftovers.map((l) => l.spec.kind).sort()).toEqual(['latency', 'process-pause']);

    const clear = await peakdrill(['faults', 'clear', '--dir', stack.dir]).done;
    expect(clear.code, clear.stderr).toBe(0);
    expect(clear.stdout).toMatch(/latency on db-a/);
    expect(await toxicsOn('db-a')).toEqual([]);
    await expect.poll(() => procState(pid), { timeout: 2_000, interval: 10 }).not.toBe('T');
    const again = await peakdrill(['faults', 'clear', '--dir', stack.dir]).done;
    expect(again.stdout).toMatch(/nothing to heal/);
  });

  it('an invalid fault names every bad field and exits 2 without touching the stack', async () => {
    const r = await peakdrill([
      'faults',
      'inject',
      'latency',
      '--target',
      'db-a',
      '--param',
      'latencyMs=-5',
      '--param',
      'jiter=3',
      '--dir',
      stack.dir,
    ]).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/latencyMs: Too small/);
    expect(r.stderr).toMatch(/jiter/);
    expect(await toxicsOn('db-a')).toEqual([]);
  });
});
