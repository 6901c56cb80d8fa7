// `peakdrill check`: the checkers and the verdict from a run directory alone
// (every history in it merged, the oracle's state.json, the catalog the run
// seeded, the scenario's assertions), so a stored run can be judged again after
// a checker changes.

import { z } from 'zod';
import { checkAll } from '../checkers/all-checkers.ts';
import type { CheckResult } from '../checkers/checker.ts';
import { type HistoryIndex, indexHistoryAsync, indexHistoryFile } from '../checkers/history-index.ts';
import { mergeHistories } from '../history/history-merge.ts';
import { PeakdrillError } from '../model/errors.ts';
import { type FinalState, finalStateFileSchema } from '../model/final-state.ts';
import { validateScenario } from '../model/scenario-schema.ts';
import { INVENTORY_EVENTS_TOPIC } from '../reference-store/outbox-relay.ts';
import { type CapturedStream, readCapturedStream } from '../streams/captured-stream.ts';
import { writeFileAtomically } from '../support/atomic-write.ts';
import { REFERENCE_STORE_REJECTIONS } from '../targets/reference-store/reference-store-target.ts';
import { DEFAULT_TARGET, findTarget, targetNames } from '../targets/target-registry.ts';
import { checkerSettingsFor } from '../verdict/checker-settings.ts';
import { buildVerdict, runOutcome } from '../verdict/verdict.ts';
import type { Verdict } from '../verdict/verdict-schema.ts';
import {
  type CatalogFile,
  catalogFileSchema,
  historyPaths,
  oracleFileSchema,
  RUN_FILES,
  type RunInfo,
  readRunJson,
  runFile,
  runInfoSchema,
} from './run-directory.ts';

/**
 * The reference store's answers that are the business saying no (the default for
 * runs from before targets); a run's target names its own (TargetModule.businessRejections).
 */
export const BUSINESS_REJECTION_CODES: readonly string[] = REFERENCE_STORE_REJECTIONS;

export interface CheckedRun {
  readonly verdict: Verdict;
  readonly results: readonly CheckResult[];
  readonly history: HistoryIndex;
  readonly state: FinalState | undefined;
}

/** Indexes every history of a run: one file directly, several through a time-ordered merge. */
export async function indexRunHistories(paths: readonly string[]): Promise<HistoryIndex> {
  if (paths.length === 1) return indexHistoryFile(paths[0]!);
  const merge = mergeHistories(paths, { onDamage: 'record' });
  const ends = new Map<number, { status: EndStatus; reason: string | undefined }>();
  const index = await indexHistoryAsync(
    (async function* () {
      for await (const { source, entry } of merge) {
        if (entry.type === 'end') ends.set(source, { status: entry.status, reason: entry.reason });
        yield entry;
      }
    })(),
  );
  const at = merge.damages.findIndex((d) => d.damage !== undefined);
  const damage =
    at === -1
      ? undefined
      : { file: paths[at]!, ...merge.damages[at]!.damage!, damagedLines: merge.damages[at]!.damagedLines };
  // The index keeps the last `end` it sees; a run of several histories finished only if each did.
  if (ends.size < paths.length) return { ...index, damage, endStatus: undefined, endReason: undefined };
  const worst = [...ends.values()].reduce((a, b) => (END_RANK[b.status] > END_RANK[a.status] ? b : a));
  return { ...index, damage, endStatus: worst.status, endReason: worst.reason };
}

type EndStatus = 'completed' | 'aborted' | 'error';
const END_RANK: Record<EndStatus, number> = { completed: 0, aborted: 1, error: 2 };

/**
 * Runs the checkers over `dir` and writes verdict.json. `histories` overrides the
 * run directory's own (e.g. shard histories from other machines).
 */
export async function checkRunDirectory(
  dir: string,
  options: { histories?: readonly string[]; write?: boolean } = {},
): Promise<CheckedRun> {
  const scenarioJson = readRunJson(dir, 'scenario', z.unknown());
  if (scenarioJson === undefined) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `${dir} has no ${RUN_FILES.scenario}`, {
      hint: 'pass the directory `peakdrill run` wrote',
    });
  }
  const scenario = validateScenario(scenarioJson, runFile(dir, 'scenario'));
  const info = readRunJson(dir, 'run', runInfoSchema);
  const state = readRunJson(dir, 'state', finalStateFileSchema);
  const catalog = readRunJson(dir, 'catalog', catalogFileSchema);
  const oracle = readRunJson(dir, 'oracle', oracleFileSchema);
  const stateUnreadable = oracle?.readable === false ? oracle.reason : undefined;
  const target = targetFacts(info);
  const paths = options.histories ?? historyPaths(dir);
  const history = await indexRunHistories(paths);
  const results = checkAll(history, state, {
    ...checkerSettingsFor({
      assertions: scenario.assertions,
      recoveredAfter: scenario.probes.recoveredAfter,
      expectedErrorCodes: target.businessRejections,
    }),
    ...(catalog === undefined ? {} : { oversell: { initialStock: initialStockOf(catalog) } }),
    ...(stateUnreadable === undefined ? {} : { targetRecovery: { stateUnreadable } }),
    eventStream: { ...eventCapture(dir), targetPublishes: target.publishesEvents },
    splitBrain: { singleWriter: target.singleWriter },
  });
  const outcome = runOutcome(history);
  const verdict = buildVerdict({
    scenario: scenario.name,
    seed: info?.seed ?? scenario.seed,
    versions: info?.versions ?? {},
    results,
    assertions: scenario.assertions,
    target: target.name,
    notExercised: info?.notExercised,
    migration: scenario.faults.some((f) => f.fault.kind === 'migration-cutover'),
    run:
      // A run whose oracle could not read the final state did not finish, whatever the history
      // says, unless the target itself is why (oracle.json): that is a finding, judged above.
      state === undefined && stateUnreadable === undefined && outcome.endStatus === 'completed'
        ? { ...outcome, endStatus: 'error', endReason: 'no final state (state.json) was read' }
        : outcome,
  });
  if (options.write !== false) await writeJsonAtomically(runFile(dir, 'verdict'), verdict);
  return { verdict, results, history, state };
}

/**
 * What judging needs of the run's target: from run.json, else (runs from before
 * run.json said) the registered target of that name, else the reference store.
 */
function targetFacts(info: RunInfo | undefined) {
  const registered = targetNames().includes(info?.target ?? DEFAULT_TARGET)
    ? findTarget(info?.target ?? DEFAULT_TARGET)
    : undefined;
  return {
    name: info?.target ?? DEFAULT_TARGET,
    businessRejections:
      info?.businessRejections ?? registered?.businessRejections ?? REFERENCE_STORE_REJECTIONS,
    publishesEvents: info?.publishesEvents ?? registered?.publishesEvents ?? false,
    singleWriter: info?.singleWriter ?? registered?.singleWriter ?? true,
  };
}

/** The run's capture of inventory-events; a file that cannot be read is the checker's unknown, not check's crash. */
function eventCapture(dir: string): { capture?: CapturedStream; captureError?: string } {
  try {
    return { capture: readCapturedStream(dir, INVENTORY_EVENTS_TOPIC) };
  } catch (error) {
    return { captureError: (error as Error).message };
  }
}

/** The catalog's stock per SKU and store: the oversell checker's initial stock. */
export function initialStockOf(catalog: CatalogFile): { sku: string; store: string; qty: number }[] {
  return catalog.skus.flatMap((s) =>
    Object.entries(s.stock).map(([store, qty]) => ({ sku: s.sku, store, qty })),
  );
}

/** Writes through a temp file and a rename, so a reader never sees half a file. */
export async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  await writeFileAtomically(path, `${JSON.stringify(value, null, 2)}\n`);
}
