// Which proxies and processes make up a region in a local stack's topology
// (DESIGN.md): losing region a takes edge-a, db-a, every member of site a
// (store-a, or a third-party server such as vendure-a) and postgres-a.
// Members are named `<name>-<region>`; the database is listed last so the
// heal, which runs in reverse, restarts it before the servers that need it.
// Pure, so the membership is tested without a stack.

export interface RegionMembers {
  readonly proxies: string[];
  readonly processes: string[];
}

export function regionMembers(
  region: string,
  existing: { proxies: readonly string[]; processes: readonly string[] },
): RegionMembers {
  const proxies = [`edge-${region}`, `db-${region}`].filter((p) => existing.proxies.includes(p));
  const database = `postgres-${region}`;
  const servers = existing.processes.filter((p) => p.endsWith(`-${region}`) && p !== database);
  const processes = [...servers, ...(existing.processes.includes(database) ? [database] : [])];
  return { proxies, processes };
}
