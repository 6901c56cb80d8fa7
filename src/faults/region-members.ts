// Which proxies and processes make up a region in the local stack's topology
// (DESIGN.md): losing region a takes edge-a, db-a, store-a and postgres-a.
// Pure, so the membership is tested without a stack.

export interface RegionMembers {
  readonly proxies: string[];
  readonly processes: string[];
}

export function regionMembers(
  region: 'a' | 'b',
  existing: { proxies: readonly string[]; processes: readonly string[] },
): RegionMembers {
  const proxies = [`edge-${region}`, `db-${region}`].filter((p) => existing.proxies.includes(p));
  const processes = [`store-${region}`, `postgres-${region}`].filter((p) => existing.processes.includes(p));
  return { proxies, processes };
}
