// The checker contract (Jepsen's): a pure function of the history index and the
// oracle's final state that says valid true | false | 'unknown', with figures,
// evidence and one plain-English line. Composition: false beats unknown beats
// true; a checker that throws is `unknown` with the error as evidence.
import type { FinalState } from '../model/final-state.ts';
import type { HistoryIndex } from './history-index.ts';

export type Validity = true | false | 'unknown';

/** One fact that backs a result: the ops, SKUs, keys and times a reader can look up. */
export interface EvidenceItem {
  /** A short phrase: 'acknowledged sale missing', 'EPC sold twice'. */
  readonly what: string;
  readonly op?: string;
  readonly ops?: string[];
  readonly sku?: string;
  readonly store?: string;
  readonly region?: string;
  /** The id the fact is about: idempotency key, event id, sale id, order id, EPC. */
  readonly key?: string;
  /** Run-clock milliseconds. */
  readonly atMs?: number;
  readonly expected?: number | string;
  readonly actual?: number | string;
}

export interface CheckResult {
  readonly name: string;
  readonly valid: Validity;
  readonly figures: Record<string, number>;
  readonly evidence: readonly EvidenceItem[];
  /** One plain-English line. */
  readonly explanation: string;
  /**
   * The history held nothing this checker judges (no fault to recover from, no
   * offline sale, no refund…). `valid` is then 'unknown' — nothing was proven — but
   * it is no sign of trouble: composeCheckers leaves it out of the combined
   * validity, and an assertion on it stays undecided. Never set alongside false.
   */
  readonly notApplicable?: true;
}

/** Run-wide options every checker reads; a checker's own settings are given to its factory. */
export interface CheckOptions {
  /** Evidence items kept per checker (the figures still count all). */
  readonly maxEvidence: number;
}

export const defaultCheckOptions: CheckOptions = { maxEvidence: 25 };

export interface Checker {
  readonly name: string;
  check(history: HistoryIndex, state: FinalState | undefined, options: CheckOptions): CheckResult;
}

/** A result for a checker with nothing to judge in this run; `why` says what was missing. */
export function notApplicable(name: string, why: string, figures: Record<string, number> = {}): CheckResult {
  return { name, valid: 'unknown', figures, evidence: [], explanation: why, notApplicable: true };
}

/** false beats unknown beats true. */
export function combineValidity(values: Iterable<Validity>): Validity {
  let out: Validity = true;
  for (const v of values) {
    if (v === false) return false;
    if (v === 'unknown') out = 'unknown';
  }
  return out;
}

/** Wraps a checker so a thrown error becomes `unknown` with the error as evidence, not a crashed run. */
export function safeChecker(checker: Checker): Checker {
  return {
    name: checker.name,
    check(history, state, options) {
      try {
        return checker.check(history, state, options);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return {
          name: checker.name,
          valid: 'unknown',
          figures: {},
          evidence: [{ what: 'checker threw', actual: message }],
          explanation: `the ${checker.name} checker failed to run (${message}), so it cannot say`,
        };
      }
    },
  };
}

/** Runs every checker (each made safe) and returns their results in order. */
export function runCheckers(
  checkers: readonly Checker[],
  history: HistoryIndex,
  state: FinalState | undefined,
  options: CheckOptions = defaultCheckOptions,
): CheckResult[] {
  return checkers.map((c) => safeChecker(c).check(history, state, options));
}

/**
 * One checker out of many: validity combined, figures as `<checker>.<figure>`,
 * evidence concatenated, and the explanation of those that did not pass.
 */
export function composeCheckers(name: string, checkers: readonly Checker[]): Checker {
  return {
    name,
    check(history, state, options) {
      const results = runCheckers(checkers, history, state, options);
      const figures: Record<string, number> = {};
      for (const r of results) for (const [k, v] of Object.entries(r.figures)) figures[`${r.name}.${k}`] = v;
      // Checks with nothing to judge do not drag the others to unknown; all of them n/a is n/a.
      const applicable = results.filter((r) => r.notApplicable !== true);
      const valid = applicable.length === 0 ? 'unknown' : combineValidity(applicable.map((r) => r.valid));
      const notPassing = applicable.filter((r) => r.valid !== true);
      return {
        name,
        valid,
        figures,
        evidence: results.flatMap((r) => r.evidence).slice(0, options.maxEvidence),
        explanation:
          applicable.length === 0
            ? `nothing to check: ${results.map((r) => `${r.name}: ${r.explanation}`).join('; ')}`
            : notPassing.length === 0
              ? `all ${applicable.length} checks passed`
              : notPassing.map((r) => `${r.name}: ${r.explanation}`).join('; '),
        ...(applicable.length === 0 && results.length > 0 ? { notApplicable: true as const } : {}),
      };
    },
  };
}

/** Collects evidence up to a cap while counting everything offered. */
export class EvidenceList {
  readonly items: EvidenceItem[] = [];
  total = 0;
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** No more items are kept: count the rest without building them. */
  get full(): boolean {
    return this.items.length >= this.max;
  }

  add(item: EvidenceItem): void {
    this.total++;
    if (this.items.length < this.max) this.items.push(item);
  }
}

/** Nanoseconds on the run clock to milliseconds rounded to the microsecond, for evidence. */
export function atMs(ns: number): number {
  return Math.round(ns / 1_000) / 1_000;
}

/** "1 order" / "3 orders". */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}
