import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stackDown } from '../src/stack/local-stack.ts';
import { posUplinkNames } from '../src/stack/pos-uplinks.ts';
import { readPidRecords } from '../src/stack/process-supervisor.ts';
import { kafkaRelease, TOOLCHAIN } from '../src/stack/toolchain/toolchain-versions.ts';
import { alive, peakdrill, processesMentioning } from './support/cli.ts';
import { tempStackDir } from './support/stack-fixture.ts';

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('peakdrill stack up / down (CLI)', () => {
  it('up starts every process with its endpoints; down leaves no process and no listening port', async () => {
    const dir = tempStackDir('cli');
    // A failed assertion must not leave the stack running.
    onTestFinished(() => stackDown(dir).then(() => {}));
    const up = await peakdrill(['stack', 'up', '--dir', dir, '--json', '--defect', 'webhook-no-dedupe']).done;
    expect(up.code, up.stderr).toBe(0);
    const state = JSON.parse(up.stdout);
    expect(Object.keys(state.endpoints)).toEqual(
      expect.arrayContaining(['toxiproxy', 'postgres-a', 'postgres-b', 'kafka']),
    );
    expect(state.proxies.map((p: { name: string }) => p.name).sort()).toEqual(
      ['db-a', 'db-b', 'edge-a', 'edge-b', 'kafka', 'repl-ab', 'repl-ba', ...posUplinkNames()].sort(),
    );
    expect(state.defect).toBe('webhook-no-dedupe');
    const edgeA = state.proxies.find((p: { name: string }) => p.name === 'edge-a').listen;
    const health = (await (await fetch(`http://${edgeA.host}:${edgeA.port}/health`)).json()) as Record<
      string,
      unknown
    >;
    expect(health).toMatchObject({ region: 'a', role: 'primary', defect: 'webhook-no-dedupe' });
    expect(Object.keys(state.endpoints)).toEqual(expect.arrayContaining(['store-a', 'store-b']));
    expect(JSON.stringify(state)).not.toMatch(/password|pgPassword/i);
    const pids: number[] = state.processes.map((p: { pid: number }) => p.pid);
    const ports: number[] = [
      ...Object.values(state.endpoints).map((e) => (e as { port: number }).port),
      ...state.proxies.map((p: { listen: { port: number } }) => p.listen.port),
    ];
    expect(pids.every(alive)).toBe(true);
    for (const port of ports) expect(await listening(port), `port ${port}`).toBe(true);

    const status = await peakdrill(['stack', 'status', '--dir', dir, '--json']).done;
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).up).toBe(true);

    const again = await peakdrill(['stack', 'up', '--dir', dir]).done;
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already running/);

    const t0 = performance.now();
    const down = await peakdrill(['stack', 'down', '--dir', dir]).done;
    console.log(`stack down took ${(performance.now() - t0).toFixed(0)} ms (CLI start included)`);
    expect(down.code).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    for (const port of ports) expect(await listening(port), `port ${port} after down`).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('kill -9 of peakdrill during up leaves pid files that stack down reaps', async () => {
    const dir = tempStackDir('kill9');
    onTestFinished(() => stackDown(dir).then(() => {}));
    const { child, done } = peakdrill(['stack', 'up', '--dir', dir]);
    const pidDir = join(dir, 'pids');
    // Kill it once PostgreSQL is being set up: some services are up, others still starting.
    await expect
      .poll(
        () => {
          try {
            return readdirSync(pidDir).filter((f) => f.startsWith('postgres-a') || f.startsWith('initdb'))
              .length;
          } catch {
            return 0;
          }
        },
        { timeout: 30_000, interval: 20 },
      )
      .toBeGreaterThan(0);
    const recorded = readPidRecords(pidDir).map((r) => r.pid);
    child.kill('SIGKILL');
    await done;
    expect(recorded.some(alive)).toBe(true);

    const down = await peakdrill(['stack', 'down', '--dir', dir]).done;
    expect(down.code, down.stderr).toBe(0);
    // Anything the killed up was still starting has either finished or been reaped.
    await expect.poll(() => processesMentioning(dir), { timeout: 10_000 }).toEqual([]);
    expect(recorded.filter(alive)).toEqual([]);
  });
});

describe('bad input is a clear error with exit code 2', () => {
  it('an unknown option names it', async () => {
    const r = await peakdrill(['stack', 'up', '--frobnicate']).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown argument: frobnicate/);
    expect(r.stderr).toMatch(/peakdrill --help/);
  });

  it('--no-store brings up the bare stack', async () => {
    const dir = tempStackDir('nostore');
    const up = await peakdrill(['stack', 'up', '--no-store', '--dir', dir, '--json']).done;
    try {
      expect(up.code, up.stderr).toBe(0);
      const state = JSON.parse(up.stdout);
      expect(state.processes.map((p: { name: string }) => p.name).sort()).toEqual([
        'kafka',
        'postgres-a',
        'postgres-b',
        'toxiproxy',
      ]);
      expect(state.proxies.map((p: { name: string }) => p.name)).not.toContain('edge-a');
      expect(state).not.toHaveProperty('defect');
    } finally {
      await peakdrill(['stack', 'down', '--dir', dir]).done;
    }
  });

  it('an unknown defect lists the ones there are', async () => {
    const r = await peakdrill(['stack', 'up', '--defect', 'everything-broken']).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Argument: defect, Given: "everything-broken", Choices: "oversell-race"/);
  });

  it('a port already taken names the port and how to free it', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const dir = tempStackDir('port');
      const r = await peakdrill(['stack', 'up', '--dir', dir, '--toxiproxy-port', String(port)]).done;
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`port 127.0.0.1:${port} for toxiproxy is already in use`);
      expect(r.stderr).toMatch(/fix: /);
      expect(processesMentioning(dir)).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('a missing binary names the tool and says to run peakdrill setup', async () => {
    const emptyCache = tempStackDir('nocache');
    const r = await peakdrill(['stack', 'up', '--dir', tempStackDir('missing')], {
      PEAKDRILL_CACHE: emptyCache,
    }).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `missing: kafka ${kafkaRelease().version}, toxiproxy ${TOOLCHAIN.toxiproxy.version}, k6 ${TOOLCHAIN.k6.version}`,
    );
    expect(r.stderr).toMatch(/fix: run `peakdrill setup`/);
    expect(r.stderr).toMatch(/PEAKDRILL_ERR_MISSING_TOOL/);
  });

  it('doctor --json reports every tool found after setup (the four stack tools, chromium and prometheus)', async () => {
    const r = await peakdrill(['doctor', '--json']).done;
    expect(r.code, r.stdout).toBe(0);
    const tools = JSON.parse(r.stdout).tools as {
      name: string;
      found: boolean;
      version: string;
      path: string;
    }[];
    expect(tools.map((t) => t.name)).toEqual([
      'postgres',
      'kafka',
      'toxiproxy',
      'k6',
      'chromium',
      'prometheus',
    ]);
    for (const t of tools) {
      expect(t.found, t.name).toBe(true);
      expect(t.version, t.name).toBeTruthy();
      expect(t.path, t.name).toBeTruthy();
    }
  });
});
