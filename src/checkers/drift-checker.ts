// Drift: the books reconcile. In every region the ledger summed per SKU and
// store equals the stock counter; driftRate = SKUs drifted / SKUs in the
// surviving region. Region vs region (stock per SKU and store) is measured as
// regionDriftRate and is a violation only with `regionsMustAgree` (a lost region
// legitimately differs from the survivor after a failover). Only regions whose
// ledger and stock the oracle read are compared; the survivor's unread is unknown.
import { type RegionState, wasRead } from '../model/final-state.ts';
import { type Checker, type CheckResult, EvidenceList, notApplicable, plural } from './checker.ts';
import { PairMap } from './pair-map.ts';
import { regionView } from './region-view.ts';

export const DRIFT = 'drift';

export interface DriftOptions {
  readonly regionsMustAgree?: boolean;
}

export function driftChecker(opts: DriftOptions = {}): Checker {
  return {
    name: DRIFT,
    check(_history, state, options): CheckResult {
      const auth = state?.regions[state.authoritativeRegion];
      if (state === undefined || auth === undefined) {
        return {
          name: DRIFT,
          valid: 'unknown',
          figures: {},
          evidence: [],
          explanation: 'no final state was read, so ledger and stock cannot be compared',
        };
      }
      const readable = (r: RegionState) => wasRead(r, 'ledger') && wasRead(r, 'stock');
      if (!readable(auth)) {
        return {
          name: DRIFT,
          valid: 'unknown',
          figures: {},
          evidence: [],
          explanation: `the ledger or the stock of region ${auth.region} was not read, so they cannot be compared`,
        };
      }
      if (auth.ledger.length === 0 && auth.stock.length === 0) {
        return notApplicable(
          DRIFT,
          `region ${auth.region} holds no stock and no ledger: nothing to reconcile`,
        );
      }
      const evidence = new EvidenceList(options.maxEvidence);
      const figures: Record<string, number> = {};
      let anyRegionDrift = 0;
      for (const region of Object.values(state.regions)) {
        if (!readable(region)) continue;
        const d = ledgerDrift(region, evidence);
        figures[`driftedSkus{${region.region}}`] = d.drifted.size;
        anyRegionDrift += d.drifted.size;
        if (region === auth) {
          figures.driftedSkus = d.drifted.size;
          figures.skus = d.skus;
          figures.driftRate = d.skus === 0 ? 0 : d.drifted.size / d.skus;
          figures.driftUnits = d.units;
        }
      }
      let regionDrifted = 0;
      for (const other of Object.values(state.regions)) {
        if (other === auth || !wasRead(other, 'stock')) continue;
        const skus = stockDiff(auth, other, opts.regionsMustAgree === true ? evidence : undefined);
        regionDrifted = Math.max(regionDrifted, skus);
      }
      figures.regionDriftedSkus = regionDrifted;
      figures.regionDriftRate = figures.skus === 0 ? 0 : regionDrifted / figures.skus!;
      const violation = anyRegionDrift > 0 || (opts.regionsMustAgree === true && regionDrifted > 0);
      return {
        name: DRIFT,
        valid: !violation,
        figures,
        evidence: evidence.items,
        explanation: violation
          ? `${plural(anyRegionDrift, 'SKU')} where the ledger and the stock counter disagree${opts.regionsMustAgree && regionDrifted > 0 ? `, ${plural(regionDrifted, 'SKU')} differing between regions` : ''}`
          : `ledger and stock agree for all ${plural(figures.skus!, 'SKU')} in every region${regionDrifted > 0 ? ` (${plural(regionDrifted, 'SKU')} differ between regions)` : ''}`,
      };
    },
  };
}

function ledgerDrift(region: RegionState, evidence: EvidenceList) {
  const sums = regionView(region).ledgerBalances().sums;
  const skus = new Set(region.skus);
  const drifted = new Set<string>();
  let units = 0;
  const compare = (sku: string, store: string, ledger: number, onHand: number) => {
    if (ledger === onHand) return;
    drifted.add(sku);
    units += Math.abs(ledger - onHand);
    evidence.add({
      what: 'ledger sum differs from stock counter',
      sku,
      store,
      region: region.region,
      expected: ledger,
      actual: onHand,
    });
  };
  const counted = new PairMap<true>();
  for (const s of region.stock) {
    counted.set(s.sku, s.store, true);
    skus.add(s.sku);
    compare(s.sku, s.store, sums.get(s.sku, s.store) ?? 0, s.onHand);
  }
  for (const [sku, store, sum] of sums.entries()) {
    skus.add(sku);
    if (counted.get(sku, store) === undefined) compare(sku, store, sum, 0);
  }
  return { drifted, skus: skus.size, units };
}

function stockDiff(a: RegionState, b: RegionState, evidence: EvidenceList | undefined): number {
  const bStock = new PairMap<number>();
  for (const s of b.stock) bStock.set(s.sku, s.store, s.onHand);
  const seen = new PairMap<true>();
  const drifted = new Set<string>();
  for (const s of a.stock) {
    seen.set(s.sku, s.store, true);
    const other = bStock.get(s.sku, s.store) ?? 0;
    if (other !== s.onHand) {
      if (!drifted.has(s.sku)) {
        evidence?.add({
          what: `stock differs between regions ${a.region} and ${b.region}`,
          sku: s.sku,
          store: s.store,
          expected: s.onHand,
          actual: other,
        });
      }
      drifted.add(s.sku);
    }
  }
  for (const s of b.stock) if (seen.get(s.sku, s.store) === undefined && s.onHand !== 0) drifted.add(s.sku);
  return drifted.size;
}
