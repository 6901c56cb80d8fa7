import { describe, expect, it } from 'vitest';
import { regionMembers } from './region-members.ts';

describe('regionMembers', () => {
  const full = {
    proxies: ['edge-a', 'edge-b', 'db-a', 'db-b', 'repl-ab', 'kafka'],
    processes: ['toxiproxy', 'postgres-a', 'postgres-b', 'kafka', 'store-a', 'store-b'],
  };

  it('region a is its edge, its database link, its store and its primary', () => {
    expect(regionMembers('a', full)).toEqual({
      proxies: ['edge-a', 'db-a'],
      processes: ['store-a', 'postgres-a'],
    });
  });

  it('shared parts (Kafka, Toxiproxy, the replication link) belong to no region', () => {
    const b = regionMembers('b', full);
    expect(b.proxies).not.toContain('kafka');
    expect(b.proxies).not.toContain('repl-ab');
    expect(b.processes).not.toContain('toxiproxy');
  });

  it('only names what the stack has (no stores yet)', () => {
    expect(regionMembers('a', { proxies: ['db-a', 'db-b'], processes: ['postgres-a'] })).toEqual({
      proxies: ['db-a'],
      processes: ['postgres-a'],
    });
  });
});

describe('regionMembers of a third-party target', () => {
  it('a server named for its site (vendure-a) goes with the region, before its database', () => {
    const vendure = {
      proxies: ['edge-a', 'edge-b', 'db-a', 'db-b', 'repl-ab', 'kafka'],
      processes: ['toxiproxy', 'postgres-a', 'postgres-b', 'kafka', 'vendure-a', 'vendure-b'],
    };
    expect(regionMembers('a', vendure)).toEqual({
      proxies: ['edge-a', 'db-a'],
      processes: ['vendure-a', 'postgres-a'],
    });
  });
});
