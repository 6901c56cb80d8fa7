// The plan a fleet hands the scheduler: the prepared ops in order, each finished
// by its fleet as it is taken (or left out), merged with the follow-ups devices
// queue at run time. The scheduler pulls one op ahead, so this is a lazy iterator.
//
// The scheduler takes its next op only when it sends one, so a follow-up queued in
// a quiet stretch (or after the last op) would wait for the next op or never be
// planned. When attempts that may queue one are still out and nothing else is
// planned before they must have settled, the stream plans `fleet-wait` ops: no-ops
// the fleet client answers at once (recorded like any op), 50 ms apart and
// doubling, until those attempts have settled. A run's end usually costs one.
import type { PlannedOp } from '../src/model/planned-op.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';
import type { FollowUpQueue, PendingDecisions } from './follow-up-queue.ts';

/** f and process of the stream's own no-op (see above); checkers pass over it. */
export const FLEET_WAIT_F = 'fleet-wait';
export const FLEET_PROCESS = 'fleet';

/** Device timeouts fire late by up to ~0.5 s (undici's coarse timers): look that much later too. */
const WAIT_SLACK_MS = 250;
const FIRST_WAIT_MS = 50;
/** Attempts still out this long after their deadline are given up on. */
const WAIT_GRACE_MS = 10_000;
/** An op its fleet cannot finish yet (its order still in flight) is asked again for this long. */
const DEFER_LIMIT_MS = 30_000;

/** What a fleet makes of a planned op when it is taken: the op to send, a reason to leave it out, or null for "not yet". */
export type ResolvedOp = ReplayOp | string | null;

export interface PlanStreamCounts {
  /** Planned ops handed over, follow-ups included. */
  emitted: number;
  followUps: number;
  /** Follow-ups due after the plan's last op + tailMs: not sent. */
  followUpsPastTail: number;
  /** fleet-wait ops planned. */
  waits: number;
  /** Planned ops left out when taken, by the fleet's reason (e.g. a return of an unknown order). */
  leftOut: Record<string, number>;
}

export class FleetPlanStream implements Iterable<PlannedOp>, Iterator<PlannedOp> {
  private readonly ops: readonly ReplayOp[];
  private readonly queue: FollowUpQueue;
  private readonly decisions: PendingDecisions;
  private readonly nowPlanMs: () => number;
  private readonly resolve: (op: ReplayOp) => ResolvedOp;
  /** Ops whose fleet said "not yet", oldest first, with when they were first taken. */
  private deferred: { readonly op: ReplayOp; readonly sinceMs: number }[] = [];
  private readonly horizonMs: number;
  private index = 0;
  private lastAtMs = 0;
  /** fleet-wait ops in a row: each waits twice as long as the one before. */
  private waitsInARow = 0;
  private iterated = false;
  readonly counts: PlanStreamCounts = {
    emitted: 0,
    followUps: 0,
    followUpsPastTail: 0,
    waits: 0,
    leftOut: {},
  };

  /** `ops` sorted by atMs; follow-ups are planned up to `tailMs` after the last of them. */
  constructor(
    ops: readonly ReplayOp[],
    queue: FollowUpQueue,
    decisions: PendingDecisions,
    nowPlanMs: () => number,
    resolve: (op: ReplayOp) => ResolvedOp,
    tailMs: number,
  ) {
    this.ops = ops;
    this.queue = queue;
    this.decisions = decisions;
    this.nowPlanMs = nowPlanMs;
    this.resolve = resolve;
    this.horizonMs = (ops.at(-1)?.atMs ?? 0) + tailMs;
  }

  [Symbol.iterator](): Iterator<PlannedOp> {
    if (this.iterated) throw new Error('a fleet plan stream can be run once');
    this.iterated = true;
    return this;
  }

  next(): IteratorResult<PlannedOp> {
    if (this.deferred.length > 0) {
      const ready = this.takeDeferred();
      if (ready !== undefined) return { done: false, value: ready };
    }
    for (;;) {
      const op = this.ops[this.index];
      const dueMs = this.queue.peekDueMs();
      if (dueMs !== Number.POSITIVE_INFINITY && (op === undefined || dueMs <= op.atMs)) {
        const entry = this.queue.pop()!;
        if (entry.dueMs > this.horizonMs) {
          this.counts.followUpsPastTail++;
          continue;
        }
        const follow = entry.item.takeFollowUp(entry.gen);
        if (follow === null) continue;
        // Queued late (after a later op was already taken): it goes right after that one.
        const atMs = Math.max(entry.dueMs, this.lastAtMs);
        this.lastAtMs = atMs;
        this.waitsInARow = 0;
        this.counts.emitted++;
        this.counts.followUps++;
        return { done: false, value: { atMs, f: follow.f, process: follow.process, value: follow.value } };
      }
      const staticAtMs = op?.atMs ?? Number.POSITIVE_INFINITY;
      const now = this.nowPlanMs();
      // Deferred ops are looked at on every pull: poll while there are any.
      const settleBy =
        this.deferred.length > 0 ? now : this.decisions.earliest(now, WAIT_GRACE_MS) + WAIT_SLACK_MS;
      if (settleBy < staticAtMs) {
        const poll = Math.max(now, this.lastAtMs) + FIRST_WAIT_MS * 2 ** Math.min(this.waitsInARow, 10);
        const waitAtMs = Math.max(this.lastAtMs, Math.min(poll, Math.max(settleBy, now + WAIT_SLACK_MS)));
        // Past the tail nothing they queue would be planned anyway.
        if (waitAtMs < staticAtMs && waitAtMs <= this.horizonMs) {
          this.waitsInARow++;
          this.lastAtMs = waitAtMs;
          this.counts.emitted++;
          this.counts.waits++;
          return {
            done: false,
            value: { atMs: waitAtMs, f: FLEET_WAIT_F, process: FLEET_PROCESS, value: null },
          };
        }
      }
      if (op === undefined) return { done: true, value: undefined };
      this.index++;
      const resolved = this.resolve(op);
      if (resolved === null) {
        this.deferred.push({ op, sinceMs: now });
        continue;
      }
      if (typeof resolved === 'string') {
        this.counts.leftOut[resolved] = (this.counts.leftOut[resolved] ?? 0) + 1;
        continue;
      }
      this.lastAtMs = Math.max(this.lastAtMs, resolved.atMs);
      this.waitsInARow = 0;
      this.counts.emitted++;
      return { done: false, value: resolved };
    }
  }

  /** The first deferred op its fleet can now finish; drops those it gave up on or waited too long for. */
  private takeDeferred(): PlannedOp | undefined {
    const now = this.nowPlanMs();
    for (let i = 0; i < this.deferred.length; i++) {
      const { op, sinceMs } = this.deferred[i]!;
      const resolved = this.resolve(op);
      if (resolved === null && now - sinceMs < DEFER_LIMIT_MS) continue;
      this.deferred.splice(i--, 1);
      if (resolved === null || typeof resolved === 'string') {
        const reason = resolved ?? 'unresolved';
        this.counts.leftOut[reason] = (this.counts.leftOut[reason] ?? 0) + 1;
        continue;
      }
      // It goes out now, after whatever was planned while it waited.
      const atMs = Math.max(resolved.atMs, this.lastAtMs);
      this.lastAtMs = atMs;
      this.waitsInARow = 0;
      this.counts.emitted++;
      return atMs === resolved.atMs ? resolved : { ...resolved, atMs };
    }
    return undefined;
  }
}
