// A scenario as its TypeScript module declares it: traffic, speed, fleets, a
// fault schedule, probes, assertions and abort conditions, in k6's words where
// k6 has them. Durations are strings ('30s'); validation collects every
// problem at once and names its field, and the result carries milliseconds.
import { z } from 'zod';
import { ABILITIES } from './abilities.ts';
import { parseDurationMs } from './duration.ts';
import { PeakdrillError } from './errors.ts';
import { direction, durationFreeFaultSchemas, proxyTarget, toxicity } from './fault-spec.ts';

/**
 * A duration string ('250ms', '30s', '1m30s') checked here and turned into milliseconds;
 * a number is milliseconds already (scenario.json in a run directory stores them so).
 */
const duration = z.union([z.number().min(0), z.string()]).transform((text, ctx) => {
  if (typeof text === 'number') return text;
  try {
    return parseDurationMs(text);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" is not a duration (write '250ms', '30s', '1m30s' or '2h')`,
    });
    return z.NEVER;
  }
});

/** A migration move as a scenario writes it: the freeze window's terms as durations. */
function migrationMove(site: 'a' | 'b') {
  return {
    target: z.enum(['a', 'b']).default(site),
    freeze: duration.default(30_000),
    hold: duration.default(0),
    checkouts: z.enum(['refuse', 'hold']).default('refuse'),
  };
}

/** Faults as a scenario writes them (durations as strings); the planner maps them to FaultSpec. */
export const scenarioFaultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('latency'),
    target: proxyTarget,
    latency: duration,
    jitter: duration.default(0),
    direction,
    toxicity,
  }),
  z.strictObject({
    kind: z.literal('slow-close'),
    target: proxyTarget,
    delay: duration,
    direction,
    toxicity,
  }),
  z.strictObject({ kind: z.literal('timeout'), target: proxyTarget, timeout: duration, direction, toxicity }),
  // freeze: the longest writes may stay frozen before the cutover rolls back; hold: the shortest.
  z.strictObject({ kind: z.literal('migration-cutover'), ...migrationMove('b') }),
  z.strictObject({ kind: z.literal('migration-rollback'), ...migrationMove('a') }),
  z.strictObject({
    kind: z.literal('reset-peer'),
    target: proxyTarget,
    timeout: duration.default(0),
    direction,
    toxicity,
  }),
  ...durationFreeFaultSchemas,
]);

/** When a fault starts and how long it holds: at a time, after another fault ends, or while a condition holds. */
export const faultScheduleSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
    fault: scenarioFaultSchema,
    at: duration.optional(),
    after: z.string().optional(),
    /** With `after`: wait this long once the named fault has healed. */
    delay: duration.default(0),
    for: duration.optional(),
    while: z
      .strictObject({ probe: z.string().min(1), state: z.enum(['failing', 'passing']) })
      .optional()
      .describe('hold the fault while the named probe is in this state (at most `for`)'),
  })
  .superRefine(
    (f, ctx) => {
      const starts = [f.at !== undefined, f.after !== undefined].filter(Boolean).length;
      if (starts !== 1)
        ctx.addIssue({ code: 'custom', path: ['at'], message: 'give exactly one of `at` or `after`' });
      if (f.for === undefined && f.while === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['for'],
          message: 'give `for` (how long) or `while` (a condition), or both',
        });
      }
    },
    // Run even when a field inside is already wrong: every problem is reported at once.
    { when: () => true },
  );

const trafficSchema = z.union([
  z.strictObject({
    profile: z.enum(['steady-day', 'flash-sale', 'holiday-peak', 'returns-wave', 'rfid-cycle-count']),
    duration,
    stores: z.number().int().min(1).default(20),
    skus: z.number().int().min(1).default(2_000),
  }),
  z.strictObject({
    recording: z.string().min(1),
    /** Part of the recording to replay, relative to its start. */
    window: z.strictObject({ from: duration.default(0), to: duration.optional() }).optional(),
    maxIdleGap: duration.optional(),
  }),
]);

const fleetsSchema = z.strictObject({
  web: z
    .strictObject({
      shoppers: z.number().int().min(1),
      /**
       * Web checkouts sent within `window` before a region loss (or database failover) are
       * sent again, same Idempotency-Key, `after` the loss: a `rate` share of them.
       */
      resubmitAcrossFailover: z
        .strictObject({
          rate: z.number().min(0).max(1).default(0.5),
          window: duration.default(20_000),
          after: duration.default(30_000),
        })
        .optional(),
    })
    .optional(),
  pos: z
    .strictObject({
      lanesPerStore: z.number().int().min(1),
      /** Share of returns a cashier submits twice at once (two transactions, two keys). */
      doubleSubmitRate: z.number().min(0).max(1).default(0),
      offline: z
        .strictObject({
          maxSaleCents: z.number().int().min(0),
          maxSales: z.number().int().min(0),
          cardAllowed: z.boolean().default(true),
          /**
           * Share of offline sales whose tender record comes up short of the total (a card
           * slip without its amount, a split tender half rung up): the goods left the store,
           * so the sale must still be recorded, and the shortfall reconciled.
           */
          incompleteTenderRate: z.number().min(0).max(1).default(0),
        })
        .optional(),
    })
    .optional(),
  rfid: z
    .strictObject({
      readersPerStore: z.number().int().min(1),
      duplicateRate: z.number().min(0).max(1).default(0.1),
      /** Share of a reader's messages sent after its next one for the same SKU. */
      reorderRate: z.number().min(0).max(1).default(0.02),
    })
    .optional(),
  scanners: z.strictObject({ perStore: z.number().int().min(1) }).optional(),
  webhooks: z
    .strictObject({
      duplicateRate: z.number().min(0).max(1).default(0.1),
      reorderRate: z.number().min(0).max(1).default(0.05),
    })
    .optional(),
});

const probesSchema = z.strictObject({
  checkout: z
    .strictObject({ every: duration.default(100), sku: z.string().default('PROBE-0001') })
    .default({ every: 100, sku: 'PROBE-0001' }),
  propagation: z.strictObject({ every: duration.default(500) }).default({ every: 500 }),
  /** Consecutive ok probe samples that count as recovered (RTO). */
  recoveredAfter: z.number().int().min(1).default(5),
});

/** k6-style threshold text: '<60s', '==0', 'p(99)<800', 'rate<0.01'. Parsed fully by the verdict. */
const threshold = z
  .string()
  .regex(
    /^\s*(?:(?:p\(\d+(?:\.\d+)?\)|avg|min|max|med|rate|count|value)\s*)?(?:<=|>=|==|!=|<|>)\s*-?\d+(?:\.\d+)?(?:ms|s|m|h|%)?\s*$/,
    {
      message: "expected a threshold like '<60s', '==0', 'p(99)<800' or 'rate<0.01'",
    },
  );

export const scenarioSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
    description: z.string().min(1),
    traffic: trafficSchema,
    speed: z.number().positive().default(1),
    seed: z.number().int().min(0).default(1),
    fleets: fleetsSchema.default({}),
    faults: z.array(faultScheduleSchema).default([]),
    probes: probesSchema.default({
      checkout: { every: 100, sku: 'PROBE-0001' },
      propagation: { every: 500 },
      recoveredAfter: 5,
    }),
    /** Assertion name → threshold, e.g. { rto: '<60s', oversold_units: '==0', 'checkout_latency{during:fault}': 'p(99)<800' }. */
    assertions: z.record(z.string().min(1), threshold).default({}),
    /** Stop, heal and end as `aborted` when the error rate stays above `errorRate` for `for`. */
    abort: z.strictObject({ errorRate: z.number().min(0).max(1), for: duration }).optional(),
    /**
     * Serve live Prometheus metrics for the run (as `--metrics` does): on `listen`
     * (loopback), kept up `linger` after the verdict so a last scrape reads it.
     */
    metrics: z
      .strictObject({
        listen: z.string().default('127.0.0.1:9464'),
        linger: duration.default(15_000),
        /** Also push to a Prometheus remote-write URL every `every` (credentials: PEAKDRILL_REMOTE_WRITE_*). */
        remoteWrite: z.strictObject({ url: z.url(), every: duration.default(5_000) }).optional(),
      })
      .optional(),
    /**
     * What the scenario cannot run without (abilities a target must have, see
     * abilities.ts); a target lacking one is refused at load.
     * Any other op a target cannot carry is left out and reported as not exercised.
     */
    requires: z.array(z.enum(ABILITIES)).default(['checkout']),
    store: z
      .strictObject({
        replication: z.enum(['sync', 'async']).default('sync'),
        /**
         * regions: region a's database streams to region b's standby; migration: blue (a, the
         * legacy system) and green (b, the new one) each on its own database, green fed by CDC.
         */
        topology: z.enum(['regions', 'migration']).default('regions'),
        failover: z.enum(['auto', 'manual']).default('auto'),
        detection: duration.default(3_000),
      })
      .default({ replication: 'sync', topology: 'regions', failover: 'auto', detection: 3_000 }),
  })
  .superRefine(
    (s, ctx) => {
      if (!Array.isArray(s.faults)) return;
      const names = new Set<string>();
      s.faults.forEach((f, i) => {
        if (names.has(f.name))
          ctx.addIssue({
            code: 'custom',
            path: ['faults', i, 'name'],
            message: `fault name "${f.name}" is used twice`,
          });
        names.add(f.name);
      });
      s.faults.forEach((f, i) => {
        for (const problem of cutoverProblems(s, f.fault)) {
          ctx.addIssue({
            code: 'custom',
            path: ['faults', i, 'fault', ...problem.path],
            message: problem.message,
          });
        }
        if (f.after !== undefined && !names.has(f.after)) {
          ctx.addIssue({
            code: 'custom',
            path: ['faults', i, 'after'],
            message: `no fault named "${f.after}" in this scenario`,
          });
        }
      });
    },
    { when: () => true },
  );

/**
 * A migration cutover needs the migration topology, and its freeze window (wall-clock:
 * a drain does not go faster with the replay) must fit the run and hold no longer than it may last.
 */
function cutoverProblems(
  s: { speed: number; traffic: unknown; store: { topology: string } },
  fault: { kind: string; freeze?: number; hold?: number },
): { path: string[]; message: string }[] {
  if (fault.kind !== 'migration-cutover' && fault.kind !== 'migration-rollback') return [];
  const out: { path: string[]; message: string }[] = [];
  if (s.store.topology !== 'migration') {
    out.push({
      path: ['kind'],
      message: `a ${fault.kind} needs store.topology: migration (blue and green joined by CDC)`,
    });
  }
  const freeze = fault.freeze ?? 0;
  const hold = fault.hold ?? 0;
  if (hold > freeze) {
    out.push({
      path: ['hold'],
      message: `hold (${hold} ms) is longer than the freeze window may last (${freeze} ms)`,
    });
  }
  const duration = (s.traffic as { duration?: unknown }).duration;
  if (typeof duration === 'number' && freeze > duration / s.speed) {
    out.push({
      path: ['freeze'],
      message: `the freeze window (${freeze / 1_000} s of wall clock) is longer than the whole run (${Math.round(duration / s.speed) / 1_000} s at speed ${s.speed}); shorten it or lower the speed`,
    });
  }
  return out;
}

/** What a scenario module's author writes (durations as strings). */
export type ScenarioInput = z.input<typeof scenarioSchema>;
/** The validated scenario every phase reads (durations in ms, defaults filled in). */
export type Scenario = z.output<typeof scenarioSchema>;
export type ScheduledFault = Scenario['faults'][number];

/** Identity with types: scenario modules export `defineScenario({...})` so editors check them as they are written. */
export function defineScenario(input: ScenarioInput): ScenarioInput {
  return input;
}

export interface ScenarioProblem {
  readonly field: string;
  readonly message: string;
}

function fieldPath(path: readonly PropertyKey[]): string {
  return (
    path.reduce<string>(
      (out, key) =>
        typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key),
      '',
    ) || '(scenario)'
  );
}

/** Validates a scenario; on failure throws one error listing every problem with its field. */
export function validateScenario(input: unknown, source = 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ScenarioValidationError(source, flattenIssues(result.error.issues, []));
}

type Issue = z.core.$ZodIssue;

/**
 * "Invalid input" for a union helps nobody: report the problems of the
 * alternative that came closest (fewest problems), under the union's path.
 */
function flattenIssues(issues: readonly Issue[], prefix: readonly PropertyKey[]): ScenarioProblem[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
      return flattenIssues(closest, path);
    }
    return [{ field: fieldPath(path), message: issue.message }];
  });
}

export class ScenarioValidationError extends PeakdrillError {
  readonly problems: readonly ScenarioProblem[];

  constructor(source: string, problems: readonly ScenarioProblem[]) {
    super(
      'PEAKDRILL_ERR_INVALID_SCENARIO',
      `${source} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p.field}: ${p.message}`).join('\n')}`,
      { hint: 'fix the fields above; the built-in scenarios in scenarios/ are complete examples' },
    );
    this.problems = problems;
  }
}
