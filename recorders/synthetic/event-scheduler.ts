// A min-heap of future tasks ordered by (time, insertion order): the clock of
// the discrete-event generator. Ties keep insertion order so output is
// deterministic; memory is the number of pending tasks, not of events.

export class EventScheduler<T> {
  #times: number[] = [];
  #seqs: number[] = [];
  #items: T[] = [];
  #nextSeq = 0;

  get size(): number {
    return this.#items.length;
  }

  push(timeMs: number, item: T): void {
    this.#times.push(timeMs);
    this.#seqs.push(this.#nextSeq++);
    this.#items.push(item);
    this.#up(this.#items.length - 1);
  }

  /** The earliest task, or undefined when none is left. */
  pop(): { timeMs: number; item: T } | undefined {
    const n = this.#items.length;
    if (n === 0) return undefined;
    const result = { timeMs: this.#times[0]!, item: this.#items[0]! };
    const lastTime = this.#times.pop()!;
    const lastSeq = this.#seqs.pop()!;
    const lastItem = this.#items.pop()!;
    if (n > 1) {
      this.#times[0] = lastTime;
      this.#seqs[0] = lastSeq;
      this.#items[0] = lastItem;
      this.#down(0);
    }
    return result;
  }

  #less(a: number, b: number): boolean {
    const ta = this.#times[a]!;
    const tb = this.#times[b]!;
    return ta < tb || (ta === tb && this.#seqs[a]! < this.#seqs[b]!);
  }

  #swap(a: number, b: number): void {
    const time = this.#times[a]!;
    this.#times[a] = this.#times[b]!;
    this.#times[b] = time;
    const seq = this.#seqs[a]!;
    this.#seqs[a] = this.#seqs[b]!;
    this.#seqs[b] = seq;
    const item = this.#items[a]!;
    this.#items[a] = this.#items[b]!;
    this.#items[b] = item;
  }

  #up(index: number): void {
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(index: number): void {
    const n = this.#items.length;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.#less(left, smallest)) smallest = left;
      if (right < n && this.#less(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.#swap(i, smallest);
      i = smallest;
    }
  }
}
