// The run directory: everything one run leaves behind, under fixed names, so
// `peakdrill check` and `peakdrill report` can redo their part from disk alone
// and a person can find the evidence after a game day.
//
//   run.json        what ran (scenario, seed, defect, engine, speed, versions, times, status)
//   scenario.json   the validated scenario (durations in ms)
//   catalog.json    what was seeded: SKUs with price and stock per store, the probe and hot SKUs
//   history.ndjson  the history; shards and engines may add history-<name>.ndjson beside it
//   state.json      the oracle's final state (FinalState)
//   oracle.json     whether the oracle could read it, and if not, why (a finding about the target)
//   verdict.json    the verdict (src/verdict/verdict-schema.json)
//   junit.xml, summary.md, report.html   the reports
//   logs/           the stores' and engines' own logs
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PeakdrillError } from '../model/errors.ts';

export const RUN_FILES = {
  run: 'run.json',
  scenario: 'scenario.json',
  catalog: 'catalog.json',
  history: 'history.ndjson',
  state: 'state.json',
  oracle: 'oracle.json',
  verdict: 'verdict.json',
  junit: 'junit.xml',
  summary: 'summary.md',
  report: 'report.html',
  logs: 'logs',
} as const;

export const RUN_STATUSES = ['running', 'completed', 'aborted', 'error'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const runInfoSchema = z.object({
  runId: z.string().min(1),
  scenario: z.string().min(1),
  seed: z.int(),
  speed: z.number().positive(),
  /** The target rehearsed (absent in runs from before targets: the reference store). */
  target: z.string().optional(),
  /** The target's answers that are the business saying no, and whether it publishes an event stream. */
  businessRejections: z.array(z.string()).optional(),
  publishesEvents: z.boolean().optional(),
  /** Whether the target takes writes in one region at a time (absent: it does). */
  singleWriter: z.boolean().optional(),
  /** Traffic left out because the target has no notion of it. */
  notExercised: z
    .array(z.object({ op: z.string(), ops: z.int().min(0).optional(), why: z.string() }))
    .optional(),
  /** The reference store's seeded defect; null for the correct store or a foreign target. */
  defect: z.string().nullable(),
  engine: z.enum(['node', 'k6']),
  /** local: the stack this run started; existing: one already up. */
  stack: z.enum(['local', 'existing']),
  /** Where the stack ran, so a later peakdrill (or a person) can find and clean up after a dead run. */
  stackDir: z.string().optional(),
  versions: z.record(z.string(), z.string()),
  startedAt: z.iso.datetime({ offset: true }),
  /** A sharded run: plan time 0 as a wall-clock time, set by shard 1 for every shard. */
  planStartAt: z.iso.datetime({ offset: true }).optional(),
  endedAt: z.iso.datetime({ offset: true }).optional(),
  status: z.enum(RUN_STATUSES),
  /** Why the run ended early (aborted or error). */
  reason: z.string().optional(),
});
export type RunInfo = z.infer<typeof runInfoSchema>;

export const catalogFileSchema = z.object({
  /** The SKU the checkout probe buys (its stock is topped up, not part of the sale). */
  probeSku: z.string(),
  /** SKUs that carry most of the demand, hottest first (reports chart their stock). */
  hotSkus: z.array(z.string()),
  skus: z.array(
    z.object({
      sku: z.string(),
      priceCents: z.int().min(0),
      stock: z.record(z.string(), z.int().min(0)),
    }),
  ),
});
export type CatalogFile = z.infer<typeof catalogFileSchema>;

/** What the oracle could do after the run: read the target's state, or why it could not. */
export const oracleFileSchema = z.object({
  readable: z.boolean(),
  reason: z.string().optional(),
  at: z.iso.datetime({ offset: true }),
});
export type OracleFile = z.infer<typeof oracleFileSchema>;

export function runFile(dir: string, name: keyof typeof RUN_FILES): string {
  return join(dir, RUN_FILES[name]);
}

/** Every history of a run: history.ndjson first, then history-*.ndjson (shards, engines) by name. */
export function historyPaths(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `cannot read run directory ${dir}: ${String(error)}`, {
      hint: 'pass the directory `peakdrill run` wrote (it holds run.json and history.ndjson)',
    });
  }
  const shards = names.filter((n) => /^history-.+\.ndjson$/.test(n)).sort();
  const all = names.includes(RUN_FILES.history) ? [RUN_FILES.history, ...shards] : shards;
  if (all.length === 0) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `${dir} holds no history (history.ndjson)`, {
      hint: 'pass the directory `peakdrill run` wrote, or a directory with history*.ndjson files',
    });
  }
  return all.map((n) => join(dir, n));
}

/** Reads and validates one JSON file of the run directory; undefined when it is absent. */
export function readRunJson<T>(
  dir: string,
  name: keyof typeof RUN_FILES,
  schema: z.ZodType<T>,
): T | undefined {
  const path = runFile(dir, name);
  let text: string;
  try {
    // A device or FIFO in place of a run file would never finish reading (or opening).
    if (!statSync(path).isFile()) throw notARunFile(path, 'it is not a regular file');
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') {
      throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `${dir} is not a directory`, {
        hint: 'pass the directory `peakdrill run` wrote (reports/<run-id>), not a file in it',
      });
    }
    if (error instanceof PeakdrillError) throw error;
    throw notARunFile(path, (error as Error).message);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      `${path} is not valid JSON: ${(error as Error).message}`,
      {
        hint: 'restore it from the run, or run the scenario again',
      },
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      `${path} is not a valid ${RUN_FILES[name]}: ${first?.path.join('.') || '(root)'}: ${first?.message}`,
      { hint: 'restore it from the run, or run the scenario again' },
    );
  }
  return parsed.data;
}

function notARunFile(path: string, why: string): PeakdrillError {
  return new PeakdrillError('PEAKDRILL_ERR_USAGE', `cannot read ${path}: ${why}`, {
    hint: 'check the run directory (permissions, a file replaced by something else); restore the file from the run or run the scenario again',
  });
}
