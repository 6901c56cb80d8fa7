import { describe, expect, it } from 'vitest';
import {
  assertFaultTargets,
  faultTargetProblems,
  isLoopback,
  localStackDeclaration,
  type TargetDeclaration,
} from './fault-targets.ts';

const local = localStackDeclaration({ store: true });
const existing: TargetDeclaration = {
  source: 'the stack in /tmp/s',
  proxies: ['edge-a', 'db-a', 'db-b'],
  processes: ['store-a', 'postgres-b'],
  regions: ['a', 'b'],
  endpoints: new Map([['postgres-b', '127.0.0.1:5433']]),
};

describe('declared fault targets', () => {
  it('accepts every proxy, process and region the local stack declares', () => {
    expect(
      faultTargetProblems(
        [
          { kind: 'latency', target: 'db-a' },
          { kind: 'partition', target: 'pos-uplink-3' },
          { kind: 'replication-pause', target: 'repl-ab' },
          { kind: 'process-kill', target: 'store-b' },
          { kind: 'db-failover', target: 'postgres-b' },
          { kind: 'region-loss', target: 'a' },
          { kind: 'cutover', target: 'db-a', upstream: '127.0.0.1:6543' },
        ],
        local,
      ),
    ).toEqual([]);
  });

  it('names the field, the undeclared target and what is declared', () => {
    const problems = faultTargetProblems(
      [
        { kind: 'latency', target: 'db-a' },
        { kind: 'partition', target: 'edge-c' },
        { kind: 'process-kill', target: 'postgres-z' },
      ],
      local,
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^faults\[1\]: partition targets proxy "edge-c", which the local stack does not declare/,
    );
    expect(problems[0]).toMatch(/declared: edge-a, edge-b/);
    expect(problems[1]).toMatch(/^faults\[2\]: process-kill targets process "postgres-z"/);
  });

  it('refuses a cutover to an address outside this machine, even to a private range', () => {
    for (const upstream of ['10.255.255.1:5432', '192.168.1.10:80', 'db.example.com:5432', '0.0.0.0:5432']) {
      const problems = faultTargetProblems([{ kind: 'cutover', target: 'db-a', upstream }], local);
      expect(problems, upstream).toHaveLength(1);
      expect(problems[0]).toMatch(/only points traffic at declared members or at 127\.0\.0\.1/);
    }
  });

  it('lets a cutover name a declared endpoint, or its address', () => {
    expect(
      faultTargetProblems([{ kind: 'cutover', target: 'db-a', upstream: 'postgres-b' }], existing),
    ).toEqual([]);
    expect(
      faultTargetProblems([{ kind: 'cutover', target: 'db-a', upstream: 'postgres-c' }], existing),
    ).toHaveLength(1);
  });

  it('throws one usage error with every problem and a fix', () => {
    expect(() =>
      assertFaultTargets(
        [
          { kind: 'partition', target: 'nope' },
          { kind: 'cutover', target: 'db-a', upstream: '10.0.0.1:1' },
        ],
        local,
      ),
    ).toThrow(/faults name targets outside the local stack:\n {2}- faults\[0\].*\n {2}- faults\[1\]/);
  });

  it('knows loopback from everything else', () => {
    expect(['127.0.0.1', '127.3.2.1', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['10.0.0.1', '128.0.0.1', '::', 'example.com', '0.0.0.0'].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
