// The run's monotonic clock: nanoseconds since t0 as a plain number, the unit
// of every `…Ns` history field. CLOCK_MONOTONIC is process-wide, so worker
// threads given the same t0 share one timeline exactly.

export class RunClock {
  readonly t0: bigint;
  /** Wall-clock time at t0, for the run header and invoke `wallTime`. */
  readonly startedAt: Date;

  private readonly startMs: number;
  private secondMs = Number.NaN;
  private secondIso = '';

  constructor(t0: bigint = process.hrtime.bigint(), startedAt: Date = new Date()) {
    this.t0 = t0;
    this.startedAt = startedAt;
    this.startMs = startedAt.getTime();
  }

  /** Rebuilds a clock another thread created, from its header fields. */
  static from(t0: string, startedAt: string): RunClock {
    return new RunClock(BigInt(t0), new Date(startedAt));
  }

  nowNs(): number {
    return Number(process.hrtime.bigint() - this.t0);
  }

  /** ISO wall time for a run-clock reading (ms precision; the monotonic fields are the exact ones). */
  wallTime(ns: number): string {
    // As new Date(t).toISOString(), which truncates t to the millisecond; the text up to the
    // seconds is kept from the last call, so an op pays for three digits, not a Date.
    const t = Math.trunc(this.startMs + ns / 1e6);
    const ms = t - this.secondMs;
    if (ms >= 0 && ms < 1_000) return `${this.secondIso}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
    const iso = new Date(t).toISOString();
    // Only the common form (four-digit year) is cached; others are rare enough to build each time.
    if (iso.length === 24) {
      this.secondMs = t - (((t % 1_000) + 1_000) % 1_000);
      this.secondIso = iso.slice(0, 20);
    }
    return iso;
  }
}
