// Event stream: the captured `inventory-events` stream against the authoritative
// region's ledger (the transactional outbox it is published from). Every committed
// entry published exactly once, per SKU in ledger order, and nothing published that
// was never committed. The target's own "published" bookkeeping is not evidence:
// only messages read off the topic count. Duplicates are violations (the contract
// says exactly once) but have their own figure, since an at-least-once relay makes
// them after a crash and consumers that dedupe by ledger id would not care.
// An entry not seen is lost only when it was written relayGraceMs before the
// capture stopped and the capture ended cleanly, caught up; otherwise unknown.
import { z } from 'zod';
import { authoritativeState, type FinalLedgerEntry, wasRead } from '../model/final-state.ts';
import type { CapturedMessage, CapturedStream } from '../streams/captured-stream.ts';
import { type Checker, type CheckResult, EvidenceList, notApplicable, plural } from './checker.ts';

export const EVENT_STREAM = 'event-stream';

export interface EventStreamOptions {
  /** The run's capture of the event topic; undefined when the run directory has none. */
  readonly capture?: CapturedStream | undefined;
  /** Why the run's capture file could not be read, when it could not (the checker then says unknown). */
  readonly captureError?: string | undefined;
  /** The target publishes a ledger event stream (the reference store does). Without one: n/a. */
  readonly targetPublishes?: boolean;
  /** How long the publisher may take from a ledger write to the topic (default 5 s). */
  readonly relayGraceMs?: number;
}

export const DEFAULT_RELAY_GRACE_MS = 5_000;

/** The fields of an event that must match its ledger entry (the reference store's InventoryEvent). */
const eventSchema = z.object({
  ledgerId: z.number().int(),
  sku: z.string(),
  store: z.string(),
  delta: z.number().int(),
  reason: z.string(),
  refType: z.string(),
  refId: z.string(),
});
type StreamEvent = z.infer<typeof eventSchema>;

const MATCHED_FIELDS = ['sku', 'store', 'delta', 'reason', 'refType', 'refId'] as const;

export function eventStreamChecker(options: EventStreamOptions = {}): Checker {
  return {
    name: EVENT_STREAM,
    check(_history, state, checkOptions): CheckResult {
      const capture = options.capture;
      if (options.captureError !== undefined) {
        return unknown(`the capture of the event stream could not be read: ${options.captureError}`);
      }
      if (capture === undefined) {
        return options.targetPublishes === true
          ? unknown(
              'no capture of the event stream is in the run directory (streams/), so publication cannot be judged',
            )
          : notApplicable(EVENT_STREAM, 'the target publishes no event stream');
      }
      const region = authoritativeState(state);
      if (region === undefined || !wasRead(region, 'ledger')) {
        return unknown(
          'the ledger of the authoritative region was not read, so the stream has nothing to match',
        );
      }
      const evidence = new EvidenceList(checkOptions.maxEvidence);
      const ledger = new Map(region.ledger.map((e) => [e.seq, e]));
      const stream = judgeMessages(capture.messages, ledger, evidence);
      const missing = judgeMissing(capture, region.ledger, stream.seen, options, evidence);
      return result(capture, region.ledger.length, stream, missing, evidence);
    },
  };
}

interface StreamFigures {
  readonly seen: Set<number>;
  published: number;
  duplicates: number;
  outOfOrder: number;
  phantom: number;
  mismatched: number;
}

/** Walks the messages per partition in offset order; first deliveries are checked for order per SKU. */
function judgeMessages(
  messages: readonly CapturedMessage[],
  ledger: ReadonlyMap<number, FinalLedgerEntry>,
  evidence: EvidenceList,
): StreamFigures {
  const f: StreamFigures = {
    seen: new Set(),
    published: 0,
    duplicates: 0,
    outOfOrder: 0,
    phantom: 0,
    mismatched: 0,
  };
  const lastOfSku = new Map<string, { ledgerId: number; partition: number }>();
  for (const m of sortByOffset(messages)) {
    f.published++;
    const at = `partition ${m.partition} offset ${m.offset}`;
    const event = parseEvent(m.value);
    const entry = event === undefined ? undefined : ledger.get(event.ledgerId);
    if (event === undefined || entry === undefined) {
      f.phantom++;
      evidence.add({
        what:
          event === undefined
            ? 'unreadable event published'
            : 'event published for no committed ledger entry',
        key: event === undefined ? at : `ledger ${event.ledgerId} (${at})`,
        ...(event === undefined
          ? { actual: String(m.value).slice(0, 200) }
          : { sku: event.sku, store: event.store }),
      });
      continue;
    }
    const diff = differences(event, entry, m.key);
    if (diff !== undefined) {
      f.mismatched++;
      evidence.add({
        what: 'event differs from its ledger entry',
        key: `ledger ${entry.seq} (${at})`,
        sku: entry.sku,
        ...diff,
      });
    }
    if (f.seen.has(event.ledgerId)) {
      f.duplicates++;
      evidence.add({
        what: 'event published again',
        key: `ledger ${entry.seq} (${at})`,
        sku: entry.sku,
        store: entry.store,
      });
      continue;
    }
    f.seen.add(event.ledgerId);
    const last = lastOfSku.get(entry.sku);
    if (last !== undefined && (event.ledgerId < last.ledgerId || m.partition !== last.partition)) {
      f.outOfOrder++;
      evidence.add({
        what:
          m.partition !== last.partition
            ? 'SKU published on two partitions'
            : 'event published out of ledger order',
        key: `ledger ${entry.seq} (${at})`,
        sku: entry.sku,
        expected: `after ledger ${last.ledgerId}${m.partition !== last.partition ? ` on partition ${last.partition}` : ''}`,
        actual: `ledger ${entry.seq}${m.partition !== last.partition ? ` on partition ${m.partition}` : ''}`,
      });
    }
    if (last === undefined || event.ledgerId > last.ledgerId)
      lastOfSku.set(entry.sku, { ledgerId: event.ledgerId, partition: m.partition });
  }
  return f;
}

/** Partition by partition, offsets as numbers: Kafka orders within a partition only. */
function sortByOffset(messages: readonly CapturedMessage[]): CapturedMessage[] {
  return [...messages].sort((a, b) => a.partition - b.partition || compareOffsets(a.offset, b.offset));
}

function compareOffsets(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function parseEvent(value: string | null): StreamEvent | undefined {
  if (value === null) return undefined;
  try {
    const parsed = eventSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function differences(event: StreamEvent, entry: FinalLedgerEntry, key: string | null) {
  const fields: string[] = MATCHED_FIELDS.filter((k) => event[k] !== entry[k]);
  // Keyed by SKU, so one SKU's events share a partition: that is what orders them.
  if (key !== entry.sku) fields.push('key');
  if (fields.length === 0) return undefined;
  const show = (o: Record<string, unknown>) => fields.map((k) => `${k}=${String(o[k])}`).join(' ');
  return { expected: show({ ...entry, key: entry.sku }), actual: show({ ...event, key }) };
}

interface MissingFigures {
  lost: number;
  /** Not seen, but too recent (or the capture too incomplete) to call lost. */
  unsettled: number;
  why: string | undefined;
}

/** Committed entries never seen on the stream: lost when the publisher had its time, else unknown. */
function judgeMissing(
  capture: CapturedStream,
  entries: readonly FinalLedgerEntry[],
  seen: ReadonlySet<number>,
  options: EventStreamOptions,
  evidence: EvidenceList,
): MissingFigures {
  const out: MissingFigures = { lost: 0, unsettled: 0, why: undefined };
  const end = capture.end;
  const incomplete =
    end === undefined
      ? 'the capture has no end line (the run was killed), so it may have stopped early'
      : !end.caughtUp
        ? 'the capture stopped before it had read all the topic held'
        : capture.unreadableLines > 0
          ? `the capture file has ${plural(capture.unreadableLines, 'unreadable line')}`
          : undefined;
  const cutoff =
    end === undefined
      ? Number.NaN
      : Date.parse(end.stoppedAt) - (options.relayGraceMs ?? DEFAULT_RELAY_GRACE_MS);
  for (const e of entries) {
    if (seen.has(e.seq)) continue;
    const writtenAt = e.at === undefined ? Number.NaN : Date.parse(e.at);
    if (incomplete !== undefined || !(writtenAt <= cutoff)) {
      out.unsettled++;
      out.why ??=
        incomplete ??
        (e.at === undefined
          ? 'the ledger does not say when entries were written'
          : 'entries written shortly before the capture stopped were not yet published');
      continue;
    }
    out.lost++;
    evidence.add({
      what: 'committed ledger entry never published',
      key: `ledger ${e.seq}`,
      sku: e.sku,
      store: e.store,
      expected: 'published once',
      actual: `not on the stream ${Math.round((Date.parse(end!.stoppedAt) - writtenAt) / 1_000)} s after it was written`,
    });
  }
  return out;
}

function result(
  capture: CapturedStream,
  committed: number,
  s: StreamFigures,
  m: MissingFigures,
  evidence: EvidenceList,
): CheckResult {
  const figures = {
    published: s.published,
    committed,
    duplicates: s.duplicates,
    outOfOrder: s.outOfOrder,
    phantom: s.phantom,
    mismatched: s.mismatched,
    lost: m.lost,
    unsettled: m.unsettled,
  };
  const broken: string[] = [];
  if (m.lost > 0) broken.push(`${plural(m.lost, 'committed entry', 'committed entries')} never published`);
  if (s.phantom > 0) broken.push(`${plural(s.phantom, 'event')} published that no committed entry explains`);
  if (s.mismatched > 0) broken.push(`${plural(s.mismatched, 'event')} that differ from their ledger entry`);
  if (s.outOfOrder > 0) broken.push(`${plural(s.outOfOrder, 'event')} out of ledger order for their SKU`);
  if (s.duplicates > 0) broken.push(`${plural(s.duplicates, 'event')} published more than once (duplicates)`);
  const base = { name: EVENT_STREAM, figures, evidence: evidence.items };
  if (broken.length > 0)
    return { ...base, valid: false, explanation: `${capture.header.topic}: ${broken.join('; ')}` };
  if (m.unsettled > 0) {
    return {
      ...base,
      valid: 'unknown',
      explanation: `${plural(m.unsettled, 'committed entry', 'committed entries')} not seen on ${capture.header.topic}, and ${m.why}`,
    };
  }
  if (committed === 0) {
    return { ...notApplicable(EVENT_STREAM, 'the ledger holds no committed entry to publish', figures) };
  }
  return {
    ...base,
    valid: true,
    explanation: `all ${plural(committed, 'committed entry', 'committed entries')} published on ${capture.header.topic} exactly once, in ledger order per SKU, and nothing else`,
  };
}

function unknown(explanation: string): CheckResult {
  return { name: EVENT_STREAM, valid: 'unknown', figures: {}, evidence: [], explanation };
}
