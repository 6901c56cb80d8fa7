// The external provider, as a user's staging would be rehearsed: a reference
// store started on its own (not by the run), described by a JSON target config;
// `peakdrill target check` asks every site; `peakdrill run --target <config>`
// puts peakdrill's own Toxiproxy in front of it, faults only what the config
// declares, and reaches the same verdict as the same scenario and seed on the
// local target. Bad configs and undeclared fault targets are refused first.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStack, type StartedLocalStack } from '../src/stack/local-stack.ts';
import type { Verdict } from '../src/verdict/verdict-schema.ts';
import { peakdrill } from './support/cli.ts';
import { tempStackDir } from './support/stack-fixture.ts';

const SCENARIO = join(import.meta.dirname, 'fixtures', 'scenario-external.ts');
const SEED = '11';
const work = mkdtempSync(join(tmpdir(), 'peakdrill-external-'));

function config(sites: Record<string, string>, extra: Record<string, unknown> = {}): string {
  const path = join(
    work,
    `target-${Object.keys(extra).join('-') || 'ok'}-${Math.random().toString(36).slice(2, 8)}.json`,
  );
  const body = {
    name: 'staging-store',
    description: "a team's staging store",
    api: 'reference-store',
    sites: Object.fromEntries(Object.entries(sites).map(([name, url]) => [name, { url }])),
    abilities: ['checkout', 'returns', 'exchanges', 'stock-reads', 'marketplace-webhooks', 'reset-seed'],
    ...extra,
  };
  writeFileSync(path, JSON.stringify(body, null, 2));
  return path;
}

function verdictIn(out: string): Verdict {
  const [run] = readdirSync(out);
  return JSON.parse(readFileSync(join(out, run!, 'verdict.json'), 'utf8')) as Verdict;
}

/** Acknowledged checkouts and applied fault starts in a run's history. */
function traffic(out: string): { okCheckouts: number; faultStarts: string[] } {
  const [run] = readdirSync(out);
  const lines = readFileSync(join(out, run!, 'history.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean);
  const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    okCheckouts: entries.filter((e) => e.type === 'ok' && e.f === 'checkout').length,
    faultStarts: entries
      .filter((e) => e.type === 'fault' && e.phase === 'start')
      .map((e) => String(e.fault))
      .sort(),
  };
}

/** A loopback port nothing listens on (bound, then released). */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** What a verdict says about the system, checker by checker (the event stream is the local target's alone). */
function judged(v: Verdict): Record<string, unknown> {
  return Object.fromEntries(
    v.checkers.filter((c) => c.name !== 'event-stream').map((c) => [c.name, c.valid]),
  );
}

describe('bad target configs are refused with the field and the fix (exit 2, nothing started)', () => {
  it('an ability the seam does not know names abilities[i]', async () => {
    const path = config({ a: 'http://127.0.0.1:1' }, { abilities: ['checkout', 'teleport'] });
    const r = await peakdrill(['target', 'check', path]).done;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/abilities\.1: /);
    expect(r.stderr).toMatch(/fix: /);
  });

  it('a site that refuses connections is named, with its URL', async () => {
    const url = `http://127.0.0.1:${await refusedPort()}`;
    const r = await peakdrill(['target', 'check', config({ a: url })]).done;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`UNREACHABLE site a ${url}`));
    expect(r.stderr).toMatch(/site a .* did not answer: ECONNREFUSED/);
    expect(r.stderr).toMatch(/fix: start the service at .*or correct sites\.a\.url/);
  });

  it('a fault on a member the config does not declare (db-a) is refused before any traffic', async () => {
    const out = join(work, 'undeclared');
    const r = await peakdrill([
      'run',
      'flash-sale',
      '--target',
      config({ a: 'http://127.0.0.1:1' }),
      '--out',
      out,
    ]).done;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /faults\[0\] \(db-spike-1\)\.fault: latency targets proxy "db-a", which target staging-store/,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe('a reference store started on its own, rehearsed as an external target', () => {
  let staging: StartedLocalStack;

  beforeAll(async () => {
    staging = await new LocalStack().withDir(tempStackDir('staging')).withReferenceStore().start();
  });

  afterAll(async () => {
    await staging?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('target check finds both sites and their roles', async () => {
    const path = config({
      a: staging.state.endpoints['store-a']!.url!,
      b: staging.state.endpoints['store-b']!.url!,
    });
    const r = await peakdrill(['target', 'check', path]).done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ok +site a .*HTTP 200, role primary/);
    expect(r.stdout).toMatch(/ok +site b .*HTTP 200/);
  });

  it('the same scenario and seed give the same verdict as on the local target', async () => {
    const path = config({
      a: staging.state.endpoints['store-a']!.url!,
      b: staging.state.endpoints['store-b']!.url!,
    });
    const externalOut = join(work, 'external-runs');
    const ext = await peakdrill(['run', SCENARIO, '--target', path, '--seed', SEED, '--out', externalOut])
      .done;
    const external = verdictIn(externalOut);
    expect(external.target).toBe('staging-store');
    // The faults were applied on peakdrill's own proxies in front of the staging store.
    expect(ext.stderr).not.toMatch(/fault schedule:/);

    const localOut = join(work, 'local-runs');
    const loc = await peakdrill(['run', SCENARIO, '--seed', SEED, '--out', localOut]).done;
    const local = verdictIn(localOut);
    console.log(`external: ${external.status} ${external.summary}\nlocal: ${local.status} ${local.summary}`);
    expect(ext.code, ext.stderr).toBe(loc.code);
    expect(external.status).toBe(local.status);
    expect(judged(external)).toEqual(judged(local));
    // Not two empty passes: both sold through their faults, and comparably.
    const [e, l] = [traffic(externalOut), traffic(localOut)];
    console.log(`ok checkouts: external ${e.okCheckouts}, local ${l.okCheckouts}`);
    expect(e.faultStarts).toEqual(['edge-latency', 'standby-cut']);
    expect(l.faultStarts).toEqual(e.faultStarts);
    expect(e.okCheckouts).toBeGreaterThan(500);
    expect(Math.abs(e.okCheckouts - l.okCheckouts) / l.okCheckouts).toBeLessThan(0.2);
    // Nothing of peakdrill's is left in front of the staging store, and the store itself still runs.
    const health = await fetch(`${staging.state.endpoints['store-a']!.url}/health`);
    expect(health.status).toBe(200);
  });
});
