// The run's monotonic clock: nanoseconds since t0 as a plain number, the unit
// of every `…Ns` history field. CLOCK_MONOTONIC is process-wide, so worker
// threads given the same t0 share one timeline exactly.

export class RunClock {
  readonly t0: bigint;
  /** Wall-clock time at t0, for the run header and invoke `wallTime`. */
  readonly startedAt: Date;

  constructor(t0: bigint = process.hrtime.bigint(), startedAt: Date = new Date()) {
    this.t0 = t0;
    this.startedAt = startedAt;
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
    return new Date(this.startedAt.getTime() + ns / 1e6).toISOString();
  }
}
