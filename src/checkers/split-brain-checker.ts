// Split brain: two regions acknowledging writes as primaries in overlapping time.
// Each acknowledged write says which region took it (checkouts and checkout probe
// samples carry `region`). A writer may legitimately change only while a fault is
// in progress (a region loss, a failover, a failback): between faults there is one
// writer. So, within each stretch of the run with no fault active, a write of one
// region that lies provably between two writes of another (the other region's
// write completed before it was sent, and another was sent after it completed)
// means the writer went r1 → r2 → r1 with nothing to move it: two primaries at
// once. A single unexplained change of writer is counted, not condemned (a late
// takeover after a fault healed looks the same).
import { PROBE } from '../model/op-values.ts';
import { atMs, type Checker, type CheckResult, EvidenceList, notApplicable, plural } from './checker.ts';
import type { FaultWindow, HistoryIndex } from './history-index.ts';

export const SPLIT_BRAIN = 'split-brain';

interface Write {
  readonly invNs: number;
  readonly compNs: number;
  readonly region: string;
  /** Op id, or `probe <name>` for a probe sample. */
  readonly what: string;
}

/**
 * Acknowledged writes that name the region that took them. One per idempotency key: a
 * retry or re-send answered from the key's record is a replay of the first write (it names
 * the region that made the order, whoever answers now), not a second one.
 */
function regionalWrites(history: HistoryIndex): { writes: Write[]; withoutRegion: number } {
  const first = new Map<string, Write>();
  let withoutRegion = 0;
  for (const c of history.checkouts) {
    if (c.status !== 'ok') continue;
    if (c.region === undefined) {
      withoutRegion++;
      continue;
    }
    const w = {
      invNs: history.invokeNs[c.op]!,
      compNs: history.completeNs[c.op]!,
      region: c.region,
      what: history.opId(c.op),
    };
    const seen = first.get(c.key);
    if (seen === undefined || w.compNs < seen.compNs) first.set(c.key, w);
  }
  const writes = [...first.values()];
  const probe = history.probes.get(PROBE.checkout);
  for (let i = 0; probe !== undefined && i < probe.count; i++) {
    // The region that said it took the write; the probed site's when the answer did not say.
    const region = probe.regions[probe.writer?.[i] || probe.region[i]!];
    if (probe.ok[i] !== 1 || !region) continue;
    const compNs = probe.atNs[i]!;
    writes.push({
      invNs: compNs - probe.latencyMs[i]! * 1e6,
      compNs,
      region,
      what: `probe ${PROBE.checkout}`,
    });
  }
  return { writes, withoutRegion };
}

/** The stretches between fault windows: [from, to) in run-clock ns. */
function quietStretches(faults: readonly FaultWindow[]): [number, number][] {
  const windows = faults.map((f) => [f.startNs, f.stopped ? f.stopNs : Number.POSITIVE_INFINITY] as const);
  windows.sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  let from = Number.NEGATIVE_INFINITY;
  for (const [start, stop] of windows) {
    if (start > from) out.push([from, start]);
    from = Math.max(from, stop);
  }
  if (from < Number.POSITIVE_INFINITY) out.push([from, Number.POSITIVE_INFINITY]);
  return out;
}

interface Bounds {
  /** The write of this region that completed first, and the one sent last. */
  firstDone: Write;
  lastSent: Write;
}

/** Per region, the earliest completion and the latest send in one quiet stretch. */
function boundsByRegion(writes: readonly Write[]): Map<string, Bounds> {
  const bounds = new Map<string, Bounds>();
  for (const w of writes) {
    const b = bounds.get(w.region);
    if (b === undefined) bounds.set(w.region, { firstDone: w, lastSent: w });
    else {
      if (w.compNs < b.firstDone.compNs) b.firstDone = w;
      if (w.invNs > b.lastSent.invNs) b.lastSent = w;
    }
  }
  return bounds;
}

/** Writes of `region` in `writes` that provably came just before and just after `w`. */
function neighbours(writes: readonly Write[], region: string, w: Write): [Write, Write] {
  let before: Write | undefined;
  let after: Write | undefined;
  for (const x of writes) {
    if (x.region !== region) continue;
    if (x.compNs < w.invNs && (before === undefined || x.compNs > before.compNs)) before = x;
    if (x.invNs > w.compNs && (after === undefined || x.invNs < after.invNs)) after = x;
  }
  return [before!, after!];
}

interface StretchFindings {
  between: number;
  twoWriters: boolean;
  writerChanges: number;
}

function judgeStretch(writes: readonly Write[], evidence: EvidenceList): StretchFindings {
  const bounds = boundsByRegion(writes);
  if (bounds.size < 2) return { between: 0, twoWriters: false, writerChanges: 0 };
  let between = 0;
  for (const w of writes) {
    for (const [region, b] of bounds) {
      if (region === w.region || !(b.firstDone.compNs < w.invNs && b.lastSent.invNs > w.compNs)) continue;
      between++;
      if (evidence.full) evidence.total++;
      else {
        const [before, after] = neighbours(writes, region, w);
        evidence.add({
          what: `write acknowledged by region ${w.region} while region ${region} was taking writes, with no fault in progress`,
          ops: [before.what, w.what, after.what],
          region: w.region,
          atMs: atMs(w.compNs),
          expected: `one writer (region ${region} acknowledged writes at ${atMs(before.compNs)} ms and again from ${atMs(after.invNs)} ms)`,
          actual: `region ${w.region} acknowledged ${w.what}`,
        });
      }
      break;
    }
  }
  return { between, twoWriters: between > 0, writerChanges: between > 0 ? 0 : bounds.size - 1 };
}

export interface SplitBrainOptions {
  /** The target takes writes in one region at a time (default). A multi-writer target is not judged. */
  readonly singleWriter?: boolean;
}

export function splitBrainChecker(opts: SplitBrainOptions = {}): Checker {
  return {
    name: SPLIT_BRAIN,
    check(history, _state, options): CheckResult {
      if (opts.singleWriter === false) {
        return notApplicable(
          SPLIT_BRAIN,
          'the target takes writes in every region (multi-writer), so two writers are its design',
        );
      }
      const { writes, withoutRegion } = regionalWrites(history);
      if (writes.length === 0) {
        return withoutRegion === 0
          ? notApplicable(SPLIT_BRAIN, 'no write was acknowledged, so no two writers could be seen')
          : {
              name: SPLIT_BRAIN,
              valid: 'unknown',
              figures: { writesWithoutRegion: withoutRegion },
              evidence: [],
              explanation: `${plural(withoutRegion, 'acknowledged write')} did not say which region took them, so two writers cannot be ruled out`,
            };
      }
      const evidence = new EvidenceList(options.maxEvidence);
      let judged = 0;
      let between = 0;
      let stretchesWithTwoWriters = 0;
      let writerChanges = 0;
      for (const [from, to] of quietStretches(history.faults)) {
        const inside = writes.filter((w) => w.invNs >= from && w.compNs < to);
        judged += inside.length;
        const found = judgeStretch(inside, evidence);
        between += found.between;
        if (found.twoWriters) stretchesWithTwoWriters++;
        writerChanges += found.writerChanges;
      }
      const figures = {
        writesJudged: judged,
        writesDuringFaults: writes.length - judged,
        writesWithoutRegion: withoutRegion,
        writesBetweenOtherWriters: between,
        stretchesWithTwoWriters,
        unplannedWriterChanges: writerChanges,
      };
      if (between > 0) {
        return {
          name: SPLIT_BRAIN,
          valid: false,
          figures,
          evidence: evidence.items,
          explanation: `two regions took writes at once: ${plural(between, 'acknowledged write')} fell between another region's writes in ${plural(stretchesWithTwoWriters, 'stretch', 'stretches')} with no fault in progress`,
        };
      }
      if (judged === 0) {
        return {
          name: SPLIT_BRAIN,
          valid: 'unknown',
          figures,
          evidence: [],
          explanation:
            'every acknowledged write was taken while a fault was in progress, so none shows who the writer was',
        };
      }
      return {
        name: SPLIT_BRAIN,
        valid: true,
        figures,
        evidence: [],
        explanation: `one writer at a time: ${plural(judged, 'acknowledged write')} between faults, none taken by a second region in the same stretch${writerChanges > 0 ? ` (${plural(writerChanges, 'writer change')} outside a fault, counted)` : ''}`,
      };
    },
  };
}
