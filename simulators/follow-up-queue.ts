// Ops a device decides on at run time (a retry after a timeout, an offline
// batch upload, a webhook redelivery), queued by due plan time. The fleet's plan
// stream asks each item for its op when it is due; a stale or settled item says no.

/** What a follow-up becomes: an op of the device that asked for it. */
export interface FollowUpOp {
  readonly f: string;
  readonly process: string;
  readonly value: unknown;
}

/** A device-side record that may need an op later (a retry chain, a lane's upload state). */
export interface FollowUpItem {
  /**
   * Called when the entry is due and about to be planned. `gen` is what the item passed to
   * push(): an item bumps its own generation on every attempt and outcome, so an entry
   * queued for an older state answers null and only the newest one plans an op.
   */
  takeFollowUp(gen: number): FollowUpOp | null;
}

interface Entry {
  readonly dueMs: number;
  readonly seq: number;
  readonly item: FollowUpItem;
  readonly gen: number;
}

/** A binary min-heap on (dueMs, push order). */
export class FollowUpQueue {
  private readonly heap: Entry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(item: FollowUpItem, dueMs: number, gen: number): void {
    const heap = this.heap;
    heap.push({ dueMs, seq: this.seq++, item, gen });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  /** Due time of the earliest entry, or +Infinity. */
  peekDueMs(): number {
    return this.heap[0]?.dueMs ?? Number.POSITIVE_INFINITY;
  }

  pop(): { dueMs: number; item: FollowUpItem; gen: number } | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
}

/** An attempt whose outcome may queue a follow-up; closed once it has settled. */
export interface DecisionTicket {
  readonly deadlineMs: number;
  closed: boolean;
}

/**
 * The settle-by times of attempts still out that may queue a follow-up. When nothing else is
 * planned before the earliest of them, the plan stream plans a `fleet-wait` op then, so the
 * scheduler comes back to take whatever those attempts decided.
 */
export class PendingDecisions {
  private readonly heap: DecisionTicket[] = [];

  open(deadlineMs: number): DecisionTicket {
    const ticket: DecisionTicket = { deadlineMs, closed: false };
    const heap = this.heap;
    heap.push(ticket);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.deadlineMs <= heap[i]!.deadlineMs) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
    return ticket;
  }

  /**
   * The earliest deadline of an attempt still open, or +Infinity. Attempts overdue by more
   * than `graceMs` at `nowMs` are given up on (their device has lost track of them).
   */
  earliest(nowMs: number, graceMs: number): number {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined) return Number.POSITIVE_INFINITY;
      if (!top.closed && top.deadlineMs + graceMs >= nowMs) return top.deadlineMs;
      this.popTop();
    }
  }

  private popTop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && heap[l]!.deadlineMs < heap[m]!.deadlineMs) m = l;
      if (r < heap.length && heap[r]!.deadlineMs < heap[m]!.deadlineMs) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  }
}
