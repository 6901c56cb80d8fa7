import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  claimStack,
  ownerAlive,
  registeredStacks,
  registerStack,
  unregisterStack,
} from './stack-registry.ts';

function scratchEnv(): NodeJS.ProcessEnv {
  return { PEAKDRILL_CACHE: mkdtempSync(join(tmpdir(), 'pd-registry-')) };
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(child.stdout).trim());
}

describe('the registry of live stacks', () => {
  it('records a stack as owned by this process until it is unregistered', () => {
    const env = scratchEnv();
    registerStack('/tmp/pd-a', { temporary: true, runDir: '/tmp/runs/r1' }, env);
    const [entry] = registeredStacks(env);
    expect(entry).toMatchObject({
      dir: '/tmp/pd-a',
      ownerPid: process.pid,
      temporary: true,
      runDir: '/tmp/runs/r1',
    });
    expect(ownerAlive(entry!)).toBe(true);
    unregisterStack('/tmp/pd-a', env);
    expect(registeredStacks(env)).toEqual([]);
  });

  it('keeps what was said before when the entry is updated (stack up detaching)', () => {
    const env = scratchEnv();
    registerStack('/tmp/pd-b', { runDir: '/tmp/runs/r2' }, env);
    registerStack('/tmp/pd-b', { detached: true }, env);
    expect(registeredStacks(env)).toEqual([
      expect.objectContaining({ detached: true, runDir: '/tmp/runs/r2' }),
    ]);
  });

  it('tells a dead owner, and a recycled pid, from a live one', () => {
    expect(ownerAlive({ ownerPid: deadPid(), ownerTicks: null })).toBe(false);
    expect(ownerAlive({ ownerPid: process.pid, ownerTicks: '1' })).toBe(false);
  });

  it('lets exactly one sweeper claim a stack', () => {
    const env = scratchEnv();
    registerStack('/tmp/pd-c', {}, env);
    expect(claimStack('/tmp/pd-c', env)).toBe(true);
    expect(claimStack('/tmp/pd-c', env)).toBe(false);
    expect(registeredStacks(env)).toEqual([]);
  });
});
