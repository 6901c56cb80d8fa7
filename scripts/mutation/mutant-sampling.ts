// The seeded, stratified sample: N mutants shared across the module groups
// as evenly as possible (a group with few candidates gives its unused share
// to the others), uniform within a group. The same seed, HEAD and N always
// pick the same mutants, so a sample can be rerun and compared.

import { seededRandom } from '../../simulators/seeded-draw.ts';

export { seededRandom };

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * How many mutants each group gets: equal shares, the remainder to groups in
 * a seeded order, and a group's share never above its candidate count (what
 * it cannot use is dealt again to those with candidates left).
 */
export function allocate(
  available: ReadonlyMap<string, number>,
  total: number,
  random: () => number,
): Map<string, number> {
  const shares = new Map([...available.keys()].map((g) => [g, 0]));
  const order = shuffled([...available.keys()], random);
  let left = total;
  while (left > 0) {
    const open = order.filter((g) => shares.get(g)! < available.get(g)!);
    if (open.length === 0) break;
    for (const g of open) {
      if (left === 0) break;
      shares.set(g, shares.get(g)! + 1);
      left--;
    }
  }
  return shares;
}

/**
 * Picks `total` candidates stratified by `groupOf`, in run order: round-robin
 * over the groups, so a sample stopped half-way has still visited every group.
 */
export function sampleMutants<T>(
  candidates: readonly T[],
  total: number,
  seed: number,
  groupOf: (c: T) => string,
): T[] {
  const random = seededRandom(seed);
  const byGroup = new Map<string, T[]>();
  for (const c of candidates) {
    const list = byGroup.get(groupOf(c)) ?? [];
    list.push(c);
    byGroup.set(groupOf(c), list);
  }
  // Shuffle each group once, in a fixed group order, so the seed alone decides.
  const groups = [...byGroup.keys()].sort();
  const queues = new Map(groups.map((g) => [g, shuffled(byGroup.get(g)!, random)]));
  const shares = allocate(new Map(groups.map((g) => [g, byGroup.get(g)!.length])), total, random);
  const picked: T[] = [];
  for (let round = 0; picked.length < total; round++) {
    const before = picked.length;
    for (const g of groups) if (round < shares.get(g)!) picked.push(queues.get(g)![round]!);
    if (picked.length === before) break;
  }
  return picked;
}
