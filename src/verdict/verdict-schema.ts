// The shape of verdict.json, in zod; verdict-schema.json beside it is generated
// from this (z.toJSONSchema) and a test keeps the two identical, so the JSON
// Schema published for CI tools and the validation used here cannot drift apart.
import { z } from 'zod';

export const VERDICT_SCHEMA_VERSION = 1;

export const evidenceItemSchema = z
  .strictObject({
    what: z.string(),
    op: z.string().optional(),
    ops: z.array(z.string()).optional(),
    sku: z.string().optional(),
    store: z.string().optional(),
    region: z.string().optional(),
    key: z.string().optional(),
    atMs: z.number().optional(),
    expected: z.union([z.number(), z.string()]).optional(),
    actual: z.union([z.number(), z.string()]).optional(),
  })
  .meta({ id: 'EvidenceItem' });

export const checkResultSchema = z
  .strictObject({
    name: z.string(),
    valid: z.union([z.boolean(), z.literal('unknown')]),
    figures: z.record(z.string(), z.number()),
    evidence: z.array(evidenceItemSchema),
    explanation: z.string(),
    notApplicable: z
      .literal(true)
      .optional()
      .meta({ description: 'The run held nothing this checker judges; valid is then unknown' }),
  })
  .meta({ id: 'CheckResult' });

export const ASSERTION_RESULTS = ['pass', 'fail', 'unknown', 'error'] as const;

export const assertionResultSchema = z
  .strictObject({
    name: z.string().meta({ description: "The assertion's name in the scenario, e.g. rto" }),
    threshold: z.string().meta({ description: "As the scenario wrote it, e.g. '<60s'" }),
    checker: z.string().nullable(),
    figure: z.string().nullable(),
    measured: z.number().nullable(),
    unit: z.enum(['ms', 'ratio']).nullable(),
    result: z.enum(ASSERTION_RESULTS),
    explanation: z.string(),
    evidence: z.array(evidenceItemSchema),
  })
  .meta({ id: 'AssertionResult' });

export const verdictSchema = z
  .strictObject({
    schemaVersion: z.literal(VERDICT_SCHEMA_VERSION),
    scenario: z.string(),
    seed: z.int(),
    runId: z.string().nullable(),
    versions: z.record(z.string(), z.string()),
    generatedAt: z.iso.datetime({ offset: true }),
    status: z.enum(['pass', 'fail', 'error']),
    summary: z.string(),
    run: z.strictObject({
      endStatus: z.enum(['completed', 'aborted', 'error', 'missing']),
      endReason: z.string().optional(),
      /** A damaged history line (torn, not an entry, after the end): the run could not be judged. */
      damage: z
        .strictObject({ file: z.string(), line: z.int().min(1), reason: z.string() })
        .optional()
        .meta({
          description: 'The first damaged history line: the verdict is error whatever the checkers say',
        }),
    }),
    assertions: z.array(assertionResultSchema),
    checkers: z.array(checkResultSchema),
    /** The system rehearsed (a target name: reference-store, vendure, …); absent in verdicts before targets. */
    target: z.string().optional(),
    /** Traffic the run left out because the target has no notion of it: never silently. */
    notExercised: z
      .array(z.strictObject({ op: z.string(), ops: z.int().min(0).optional(), why: z.string() }))
      .optional(),
    /** A migration cutover's rollback criteria, judged from the checkers' figures (runs with a cutover only). */
    rollback: z
      .strictObject({
        rollBack: z.boolean(),
        because: z.array(z.string()),
        criteria: z.array(
          z.strictObject({
            name: z.string(),
            limit: z.number(),
            measured: z.number().nullable(),
            breached: z.boolean(),
          }),
        ),
      })
      .optional(),
  })
  .meta({
    $id: 'https://peakdrill.dev/schemas/verdict.json',
    title: 'peakdrill verdict',
    description:
      'verdict.json: every assertion with threshold, measured value, result and evidence, and every checker result',
  });

export type AssertionResult = z.infer<typeof assertionResultSchema>;
export type Verdict = z.infer<typeof verdictSchema>;
export type VerdictStatus = Verdict['status'];

/** The JSON Schema of verdict.json (what verdict-schema.json holds). */
export function verdictJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(verdictSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}
