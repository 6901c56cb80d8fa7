// Nothing left behind, nothing outside the declared targets: a `peakdrill run`
// killed with -9 at any moment leaves nothing the next peakdrill command does
// not heal or stop; faults naming undeclared members or off-machine addresses
// are refused before any traffic; a signal sent to the npx / npm wrapper's pid
// reaches peakdrill; and a finished run leaves no secret on disk. Real stack,
// real CLI.

import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultJournal } from '../src/faults/fault-journal.ts';
import { LocalStack, type StartedLocalStack } from '../src/stack/local-stack.ts';
import { readPidRecords } from '../src/stack/process-supervisor.ts';
import { stackLayout } from '../src/stack/stack-context.ts';
import { alive, peakdrill, processesMentioning } from './support/cli.ts';
import { tempStackDir } from './support/stack-fixture.ts';

const REPO = join(import.meta.dirname, '..');
const SCENARIO = join(import.meta.dirname, 'fixtures', 'scenario-signals.ts');

function runDirIn(out: string): string | undefined {
  const [name] = existsSync(out) ? readdirSync(out) : [];
  return name === undefined ? undefined : join(out, name);
}

function faultStarts(out: string): number {
  const dir = runDirIn(out);
  if (dir === undefined) return 0;
  try {
    return readFileSync(join(dir, 'history.ndjson'), 'utf8').match(/"phase":"start"/g)?.length ?? 0;
  } catch {
    return 0;
  }
}

/** The run's traffic has started: its history holds an op. */
function phaseRunning(out: string): boolean {
  const dir = runDirIn(out);
  if (dir === undefined) return false;
  try {
    return readFileSync(join(dir, 'history.ndjson'), 'utf8').includes('"type":"invoke"');
  } catch {
    return false;
  }
}

async function untilFaultsActive(out: string): Promise<void> {
  await expect.poll(() => faultStarts(out), { timeout: 90_000, interval: 50 }).toBe(2);
  await new Promise((r) => setTimeout(r, 500));
}

/** A scratch TMPDIR the PostgreSQL user can reach (we may be root), with an empty default stack dir. */
function scratch(label: string) {
  const root = mkdtempSync(join(tmpdir(), `pd-hard-${label}-`));
  chmodSync(root, 0o755);
  const env = { TMPDIR: root, PEAKDRILL_STACK_DIR: join(root, 'no-stack-here') };
  return { root, env, out: join(root, 'reports'), base: join(root, `peakdrill-${process.getuid?.()}`) };
}

/** Small xorshift so the "random phase" kills are reproducible from the seed printed on failure. */
function delays(seed: number, count: number, maxMs: number): number[] {
  let x = seed >>> 0 || 1;
  return Array.from({ length: count }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return 300 + ((x >>> 0) % maxMs);
  });
}

function writeScenario(dir: string, name: string, fault: string): string {
  const file = join(dir, `${name}.ts`);
  writeFileSync(
    file,
    `import { defineScenario } from '${join(REPO, 'src/model/scenario-schema.ts')}';
export default defineScenario({
  name: '${name}',
  description: 'hardening fixture',
  traffic: { profile: 'steady-day', duration: '1m', stores: 2, skus: 50 },
  fleets: { web: { shoppers: 5 } },
  faults: [{ name: 'bad', fault: ${fault}, at: '1s', for: '5s' }],
});
`,
  );
  return file;
}

describe('faults outside the declared targets', () => {
  it('a scenario naming an undeclared proxy or an off-machine cutover is refused before anything starts', async () => {
    const s = scratch('undeclared');
    for (const [name, fault, field] of [
      [
        'typo',
        "{ kind: 'partition', target: 'edge-c' }",
        /faults\[0\] \(bad\)\.fault: partition targets proxy "edge-c"/,
      ],
      [
        'offsite',
        "{ kind: 'cutover', target: 'db-a', upstream: '10.255.255.1:5432' }",
        /cutover sends db-a to 10\.255\.255\.1:5432, which the local stack does not declare/,
      ],
    ] as const) {
      const file = writeScenario(s.root, name, fault);
      const result = await peakdrill(['run', file, '--out', s.out], s.env).done;
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(field);
      expect(result.stderr).toMatch(/fix:/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(runDirIn(s.out), 'no run directory, no stack').toBeUndefined();
      expect(existsSync(s.base) ? readdirSync(s.base) : []).toEqual([]);
    }
  });
});

describe('on a shared stack', () => {
  let stack: StartedLocalStack;
  beforeAll(async () => {
    stack = await new LocalStack().withDir(tempStackDir('hardening')).withReferenceStore({}).start();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function damage(): Promise<{ toxics: number; disabled: string[]; moved: string[] }> {
    const all = await stack.toxiproxy.getAll();
    let toxics = 0;
    const disabled: string[] = [];
    const moved: string[] = [];
    for (const declared of stack.state.proxies) {
      const proxy = all[declared.name]!;
      const { data } = await stack.toxiproxy.getApi().get<unknown[]>(`${proxy.getPath()}/toxics`);
      toxics += data.length;
      if (!proxy.enabled) disabled.push(declared.name);
      if (proxy.upstream !== declared.upstream) moved.push(declared.name);
    }
    return { toxics, disabled, moved };
  }

  it('`faults inject cutover` to a private address is refused and the proxy is untouched', async () => {
    const result = await peakdrill([
      'faults',
      'inject',
      'cutover',
      '--target',
      'db-a',
      '--param',
      'upstream=10.255.255.1:5432',
      '--for',
      '5s',
      '--dir',
      stack.dir,
    ]).done;
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/does not declare/);
    expect(await damage()).toEqual({ toxics: 0, disabled: [], moved: [] });
    expect(new FaultJournal(stack.dir).leftovers()).toEqual([]);
  });

  it('SIGKILL at random phases: the next peakdrill command leaves zero toxics and zero disabled proxies', async () => {
    const seed = Number(process.env.PEAKDRILL_KILL_SEED ?? Date.now() % 100_000);
    for (const [i, ms] of delays(seed, 3, 9_000).entries()) {
      const s = scratch(`kill-${i}`);
      const run = peakdrill([
        'run',
        SCENARIO,
        '--stack',
        'existing',
        '--stack-dir',
        stack.dir,
        '--out',
        s.out,
      ]);
      await new Promise((r) => setTimeout(r, ms));
      run.child.kill('SIGKILL');
      await run.done;
      // Any stack-touching command sweeps: here one that has no stack of its own to work on.
      const next = await peakdrill(['stack', 'down'], s.env).done;
      expect(next.code, `seed ${seed}, kill after ${ms} ms: ${next.stderr}`).toBe(0);
      expect(await damage(), `seed ${seed}, kill after ${ms} ms`).toEqual({
        toxics: 0,
        disabled: [],
        moved: [],
      });
      expect(new FaultJournal(stack.dir).leftovers()).toEqual([]);
    }
  });

  for (const [wrapper, signal] of [
    ['npx', 'SIGINT'],
    ['npx', 'SIGTERM'],
    ['npm run', 'SIGINT'],
  ] as const) {
    it(`${signal} to the ${wrapper} wrapper's pid alone reaches peakdrill: faults healed, run aborted`, async () => {
      const s = scratch(wrapper.replace(' ', '-'));
      const args = ['run', SCENARIO, '--stack', 'existing', '--stack-dir', stack.dir, '--out', s.out];
      const child = spawn(
        wrapper === 'npx' ? 'npx' : 'npm',
        wrapper === 'npx' ? ['peakdrill', ...args] : ['run', '-s', 'peakdrill', '--', ...args],
        {
          cwd: REPO,
          stdio: 'ignore',
        },
      );
      const exited = new Promise((r) => child.on('exit', r));
      await untilFaultsActive(s.out);
      expect((await damage()).toxics).toBe(1);
      const peakdrills = processesMentioning(s.out).filter((pid) => pid !== child.pid);
      expect(peakdrills.length).toBeGreaterThan(0);
      process.kill(child.pid!, signal);
      await exited;
      await expect
        .poll(() => damage(), { timeout: 5_000, interval: 50 })
        .toEqual({ toxics: 0, disabled: [], moved: [] });
      await expect.poll(() => peakdrills.filter(alive), { timeout: 10_000, interval: 50 }).toEqual([]);
      const history = readFileSync(join(runDirIn(s.out)!, 'history.ndjson'), 'utf8')
        .trim()
        .split('\n');
      expect(JSON.parse(history.at(-1)!)).toMatchObject({ type: 'end', status: 'aborted' });
    });
  }
});

describe('a run on its own local stack', () => {
  it('kill -9 mid-fault: `stack down` (no --dir) stops all of it, removes its directory and marks the run dead', async () => {
    const s = scratch('local-kill');
    const run = peakdrill(['run', SCENARIO, '--out', s.out], s.env);
    await untilFaultsActive(s.out);
    const [stackName] = readdirSync(s.base).filter((n) => n.startsWith('run-'));
    const stackDir = join(s.base, stackName!);
    const pids = readPidRecords(stackLayout(stackDir).pids).map((r) => r.pid);
    expect(pids.filter(alive).length).toBeGreaterThanOrEqual(6);
    const runDir = runDirIn(s.out)!;
    expect(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'))).toMatchObject({
      status: 'running',
      stackDir,
    });

    run.child.kill('SIGKILL');
    await run.done;
    const next = await peakdrill(['stack', 'down'], s.env).done;
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/reaped the stack a dead peakdrill left/);
    expect(pids.filter(alive)).toEqual([]);
    expect(processesMentioning(stackDir)).toEqual([]);
    expect(existsSync(stackDir), 'the temporary stack directory, secrets and all, is gone').toBe(false);
    const info = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
    expect(info.status).toBe('error');
    expect(info.reason).toMatch(/died before the run finished/);
  });

  it('`npm run rehearse`, interrupted through npm: its stack is gone within seconds', async () => {
    const s = scratch('rehearse');
    const child = spawn('npm', ['run', '-s', 'rehearse', '--', '--out', s.out], {
      cwd: REPO,
      stdio: 'ignore',
      env: { ...process.env, ...s.env },
    });
    const exited = new Promise((r) => child.on('exit', r));
    await expect
      .poll(() => faultStarts(s.out) > 0 || phaseRunning(s.out), { timeout: 120_000, interval: 100 })
      .toBe(true);
    const [stackName] = readdirSync(s.base).filter((n) => n.startsWith('run-'));
    const pids = readPidRecords(stackLayout(join(s.base, stackName!)).pids).map((r) => r.pid);
    expect(pids.filter(alive).length).toBeGreaterThanOrEqual(6);
    process.kill(child.pid!, 'SIGINT');
    await exited;
    await expect.poll(() => pids.filter(alive), { timeout: 5_000, interval: 50 }).toEqual([]);
    const info = JSON.parse(readFileSync(join(runDirIn(s.out)!, 'run.json'), 'utf8'));
    expect(info.status).toBe('aborted');
  });

  it('a finished run leaves no stack directory and so no password on disk', async () => {
    const s = scratch('local-done');
    mkdirSync(s.out, { recursive: true });
    const file = writeScenario(s.root, 'short', "{ kind: 'latency', target: 'db-a', latency: '5ms' }");
    const result = await peakdrill(['run', file, '--out', s.out, '--speed', '10'], s.env).done;
    expect(result.code, result.stderr).toBeLessThan(2);
    const info = JSON.parse(readFileSync(join(runDirIn(s.out)!, 'run.json'), 'utf8'));
    expect(info.stackDir).toMatch(/run-/);
    expect(existsSync(info.stackDir)).toBe(false);
    expect(readdirSync(s.base)).toEqual([]);
  });
});
