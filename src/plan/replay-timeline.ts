// Recording time → plan time. Pure arithmetic over event times given in
// non-decreasing order: keep the window [fromMs, toMs), shorten idle gaps to
// maxIdleGapMs (recording ms), divide by speed, add startOffsetMs.
import { PeakdrillError } from '../model/errors.ts';

export interface TimelineOptions {
  /** Replay this many times faster than recorded (2 = twice as fast). Default 1. */
  readonly speed?: number;
  /** Part of the recording to replay, in ms after its startTime; `toMs` is exclusive. */
  readonly window?: { readonly fromMs?: number; readonly toMs?: number };
  /** Plan time of the window's start. Default 0. */
  readonly startOffsetMs?: number;
  /** Longest stretch without events, in recording ms; longer ones are cut to this. */
  readonly maxIdleGapMs?: number;
}

/** Plan times are rounded to the microsecond, as the scheduler honours them. */
export function roundToMicros(ms: number): number {
  return Math.round(ms * 1_000) / 1_000;
}

export class ReplayTimeline {
  readonly speed: number;
  readonly fromMs: number;
  readonly toMs: number;
  readonly startOffsetMs: number;
  readonly maxIdleGapMs: number;
  /** Compressed recording ms since fromMs, up to the last event mapped. */
  private compressedMs = 0;
  private lastMs: number;

  constructor(options: TimelineOptions = {}) {
    this.speed = options.speed ?? 1;
    this.fromMs = options.window?.fromMs ?? 0;
    this.toMs = options.window?.toMs ?? Number.POSITIVE_INFINITY;
    this.startOffsetMs = options.startOffsetMs ?? 0;
    this.maxIdleGapMs = options.maxIdleGapMs ?? Number.POSITIVE_INFINITY;
    const problems: string[] = [];
    if (!(this.speed > 0) || !Number.isFinite(this.speed))
      problems.push(`speed must be > 0, not ${this.speed}`);
    if (!(this.fromMs >= 0) || !Number.isFinite(this.fromMs))
      problems.push(`window.fromMs must be a finite number ≥ 0, not ${this.fromMs}`);
    if (!(this.toMs > this.fromMs))
      problems.push(`window.toMs (${this.toMs}) must be after window.fromMs (${this.fromMs})`);
    if (!(this.startOffsetMs >= 0) || !Number.isFinite(this.startOffsetMs))
      problems.push(`startOffsetMs must be a finite number ≥ 0, not ${this.startOffsetMs}`);
    if (!(this.maxIdleGapMs > 0)) problems.push(`maxIdleGapMs must be > 0, not ${this.maxIdleGapMs}`);
    if (problems.length > 0) {
      throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `replay plan options: ${problems.join('; ')}`);
    }
    this.lastMs = this.fromMs;
  }

  includes(tMs: number): boolean {
    return tMs >= this.fromMs && tMs < this.toMs;
  }

  /** Plan time of the next event; call with the window's event times in non-decreasing order. */
  next(tMs: number): number {
    if (tMs < this.lastMs) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_USAGE',
        `replay timeline: event time ${tMs} ms comes after ${this.lastMs} ms; sort events first`,
      );
    }
    this.compressedMs += Math.min(tMs - this.lastMs, this.maxIdleGapMs);
    this.lastMs = tMs;
    return this.planMs(this.compressedMs);
  }

  /** Plan time at which a recording that ends at `endMs` (clipped to the window) is over. */
  endAt(endMs: number): number {
    const end = Math.max(this.lastMs, Math.min(endMs, this.toMs));
    return this.planMs(this.compressedMs + Math.min(end - this.lastMs, this.maxIdleGapMs));
  }

  private planMs(compressedMs: number): number {
    return roundToMicros(this.startOffsetMs + compressedMs / this.speed);
  }
}
