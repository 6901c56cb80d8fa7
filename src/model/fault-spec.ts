// What a fault is, as a scenario states it: a kind, a target the stack or
// config declares, and the kind's parameters. Validated with zod so a bad
// fault names its field. Durations here are already numbers (ms); scenarios
// write strings ('30s') and the planner converts them. Objects are strict: a
// misspelt parameter is an error, not a silently ignored default.
import { z } from 'zod';

export const direction = z.enum(['upstream', 'downstream']).default('downstream');
export const toxicity = z.number().min(0).max(1).default(1);
export const proxyTarget = z.string().min(1).describe('a Toxiproxy proxy name, e.g. db-a');

/**
 * Faults whose parameters carry no duration: scenarios write them exactly as
 * the nemesis takes them, so both schemas share these.
 */
export const durationFreeFaultSchemas = [
  z.strictObject({
    kind: z.literal('bandwidth'),
    target: proxyTarget,
    rateKBps: z.number().int().min(0),
    direction,
    toxicity,
  }),
  z.strictObject({
    kind: z.literal('slicer'),
    target: proxyTarget,
    averageSize: z.number().int().min(1),
    sizeVariation: z.number().int().min(0).default(0),
    delayUs: z.number().int().min(0).default(0),
    direction,
    toxicity,
  }),
  z.strictObject({
    kind: z.literal('limit-data'),
    target: proxyTarget,
    bytes: z.number().int().min(0),
    direction,
    toxicity,
  }),
  z.strictObject({ kind: z.literal('partition'), target: proxyTarget }),
  z.strictObject({
    kind: z.literal('cutover'),
    target: proxyTarget,
    upstream: z
      .string()
      .regex(
        /^(?:[\w.-]+:\d+|\[[0-9a-fA-F:]+\]:\d+|[a-z][a-z0-9-]*)$/,
        'expected host:port or the name of a declared endpoint (e.g. postgres-b)',
      ),
  }),
  z.strictObject({
    kind: z.literal('process-kill'),
    target: z.string().min(1).describe('a stack process, e.g. store-a'),
  }),
  z.strictObject({ kind: z.literal('process-pause'), target: z.string().min(1) }),
  z.strictObject({ kind: z.literal('region-loss'), target: z.enum(['a', 'b']) }),
  // The region that becomes the writer again (resynchronised from the other, then promoted).
  z.strictObject({ kind: z.literal('failback'), target: z.enum(['a', 'b']) }),
  z.strictObject({ kind: z.literal('db-failover'), target: z.literal('postgres-b').default('postgres-b') }),
  z.strictObject({ kind: z.literal('replication-pause'), target: z.literal('repl-ab').default('repl-ab') }),
] as const;

/** What both moves of a migration take: the site writes go to, and the freeze window's terms. */
function migrationMove(site: 'a' | 'b') {
  return {
    target: z.enum(['a', 'b']).default(site),
    freezeMs: z.number().int().min(1_000).max(600_000).default(30_000),
    holdMs: z.number().int().min(0).max(600_000).default(0),
    /** What the frozen writer does with a checkout: refuse it (503 frozen, send again) or hold it until the freeze ends. */
    checkouts: z.enum(['refuse', 'hold']).default('refuse'),
  };
}

export const faultSpecSchema = z.discriminatedUnion('kind', [
  // The site a migration moves to (green: b), from the other (blue: a), within a freeze
  // window of at most freezeMs (past it the cutover rolls back) and at least holdMs.
  z.strictObject({ kind: z.literal('migration-cutover'), ...migrationMove('b') }),
  // After a cutover: writes go back to the site it left (blue: a), by the same playbook.
  z.strictObject({ kind: z.literal('migration-rollback'), ...migrationMove('a') }),
  z.strictObject({
    kind: z.literal('latency'),
    target: proxyTarget,
    latencyMs: z.number().int().min(0),
    jitterMs: z.number().int().min(0).default(0),
    direction,
    toxicity,
  }),
  z.strictObject({
    kind: z.literal('slow-close'),
    target: proxyTarget,
    delayMs: z.number().int().min(0),
    direction,
    toxicity,
  }),
  z.strictObject({
    kind: z.literal('timeout'),
    target: proxyTarget,
    timeoutMs: z.number().int().min(0),
    direction,
    toxicity,
  }),
  z.strictObject({
    kind: z.literal('reset-peer'),
    target: proxyTarget,
    timeoutMs: z.number().int().min(0).default(0),
    direction,
    toxicity,
  }),
  ...durationFreeFaultSchemas,
]);

export type FaultSpec = z.infer<typeof faultSpecSchema>;
export type FaultKind = FaultSpec['kind'];
export type ToxicFaultSpec = Extract<
  FaultSpec,
  { kind: 'latency' | 'bandwidth' | 'slow-close' | 'timeout' | 'reset-peer' | 'slicer' | 'limit-data' }
>;

export const TOXIC_KINDS = [
  'latency',
  'bandwidth',
  'slow-close',
  'timeout',
  'reset-peer',
  'slicer',
  'limit-data',
] as const;

export function isToxicFault(spec: FaultSpec): spec is ToxicFaultSpec {
  return (TOXIC_KINDS as readonly string[]).includes(spec.kind);
}
