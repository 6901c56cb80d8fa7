// Which region's final state is the truth after a run: the one taking writes
// at the end. A region the other took over from (fenced) never is, even when
// its database still answers as a primary. Pure: given what each region's
// store said (its state, its /health role), returns the choice and why.
import type { StoreFinalState } from '../reference-store/final-state.ts';

export type RegionName = 'a' | 'b';
export const REGION_NAMES: readonly RegionName[] = ['a', 'b'];

/** What a store's GET /health said about its role; undefined fields when it did not answer. */
export interface StoreRoleReport {
  /** primary, standby or fenced (the store's words). */
  readonly role?: string | undefined;
  /** When this store took over writes (null: it started as the primary, or never did). */
  readonly promotedAt?: string | null | undefined;
}

export interface RegionCandidate {
  readonly region: RegionName;
  readonly state: StoreFinalState;
  readonly health?: StoreRoleReport | undefined;
}

export type AuthoritativeChoice =
  | { readonly region: RegionName; readonly why: string }
  | { readonly region: undefined; readonly why: string };

/**
 * Rank of a region as the writer at the end: 3 its store says primary; 2 its store
 * did not say but its database is not a standby; 1 a standby (it holds what was
 * replicated to it: the survivor when the primary is gone). Fenced regions are out.
 */
function rank(c: RegionCandidate): number {
  const role = c.health?.role;
  if (role === 'primary') return 3;
  if (role === undefined && !c.state.readFromStandby) return 2;
  return 1;
}

/**
 * The latest write a region holds. Same-format ISO-8601 UTC strings (microseconds,
 * from the store's SQL) compare as strings, which keeps the microseconds Date drops.
 */
export function lastWriteAt(state: StoreFinalState): string {
  let last = '';
  for (const e of state.ledger) if (e.at > last) last = e.at;
  for (const o of state.orders) if (o.createdAt > last) last = o.createdAt;
  for (const r of state.returns) if (r.createdAt > last) last = r.createdAt;
  return last;
}

export function chooseAuthoritativeRegion(candidates: readonly RegionCandidate[]): AuthoritativeChoice {
  if (candidates.length === 0) return { region: undefined, why: 'no region could be read' };
  const live = candidates.filter((c) => c.health?.role !== 'fenced');
  if (live.length === 0) {
    const fenced = candidates.map((c) => c.region).join(' and ');
    return {
      region: undefined,
      why: `region ${fenced} was fenced (the other region took over writes), so its state is not the truth`,
    };
  }
  if (live.length === 1) {
    const only = live[0]!;
    const others = candidates.filter((c) => c !== only);
    return {
      region: only.region,
      why:
        others.length > 0
          ? `region ${others[0]!.region} was fenced: region ${only.region} took over writes`
          : `only region ${only.region} was read (${describe(only)})`,
    };
  }
  const sorted = [...live].sort(
    (x, y) =>
      rank(y) - rank(x) ||
      // Two primaries (a restarted region that missed its fence): the later promotion
      // superseded the region that merely started as primary.
      comparePromotion(y.health?.promotedAt, x.health?.promotedAt) ||
      compare(lastWriteAt(y.state), lastWriteAt(x.state)) ||
      compare(x.region, y.region),
  );
  const [first, second] = [sorted[0]!, sorted[1]!];
  const tied = rank(first) === rank(second);
  return {
    region: first.region,
    why: tied
      ? `both regions look like the writer (${describe(first)}; ${describe(second)}): region ${first.region} was ${
          first.health?.promotedAt ? `promoted at ${first.health.promotedAt}` : 'written to last'
        }`
      : `region ${first.region} is the writer (${describe(first)}; region ${second.region}: ${describe(second)})`,
  };
}

function describe(c: RegionCandidate): string {
  const role = c.health?.role ?? 'role unknown';
  return `${role}, database ${c.state.readFromStandby ? 'a standby' : 'writable'}`;
}

function comparePromotion(x: string | null | undefined, y: string | null | undefined): number {
  if (x && y) return compare(x, y);
  return x ? 1 : y ? -1 : 0;
}

function compare(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
