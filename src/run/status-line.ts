// The live status line of `peakdrill run`: one line rewritten in place on a
// terminal (phase, elapsed, ops/s, errors, active faults); on a pipe or in CI
// only phase changes are printed, so logs stay readable.

export type RunPhase =
  | 'preparing'
  | 'starting stack'
  | 'seeding'
  | 'running'
  | 'healing'
  | 'settling'
  | 'reading state'
  | 'checking'
  | 'reporting'
  | 'stopping stack'
  | 'done';

export interface StatusFigures {
  readonly phase: RunPhase;
  readonly elapsedMs: number;
  readonly opsPerSecond: number;
  readonly errors: number;
  readonly completions: number;
  readonly activeFaults: readonly string[];
}

export function formatStatus(s: StatusFigures): string {
  const seconds = Math.floor(s.elapsedMs / 1_000);
  const clock = `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
  const faults = s.activeFaults.length === 0 ? 'none' : s.activeFaults.join(', ');
  return `${s.phase.padEnd(14)} ${clock}  ${String(Math.round(s.opsPerSecond)).padStart(5)} ops/s  ${s.completions} ops  ${s.errors} errors  faults: ${faults}`;
}

export class StatusLine {
  private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  private readonly live: boolean;
  private lastPhase: RunPhase | undefined;
  private drawn = false;

  constructor(out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, live = out.isTTY === true) {
    this.out = out;
    this.live = live;
  }

  update(s: StatusFigures): void {
    if (this.live) {
      const width = Math.max(20, (this.out.columns ?? 120) - 1);
      this.out.write(`\r\x1b[2K${formatStatus(s).slice(0, width)}`);
      this.drawn = true;
    } else if (s.phase !== this.lastPhase) {
      this.out.write(`${formatStatus(s)}\n`);
    }
    this.lastPhase = s.phase;
  }

  /** Ends the line so whatever is printed next starts on a fresh one. */
  finish(): void {
    if (this.live && this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
