// A probe: a small op run on a fixed period (100 ms by default) whose every
// sample goes into the history. Samples are spaced by start time, not by
// completion, so a probe that hangs does not stretch the timeline; a sample
// still running when the next is due is not doubled up, it is skipped and
// the next one starts on its own tick.
import type { HistorySink } from '../engines/open-model-scheduler.ts';
import type { RunClock } from '../history/run-clock.ts';

export interface ProbeResult {
  readonly ok: boolean;
  readonly value?: unknown;
}

export interface ProbeSpec {
  readonly name: string;
  readonly region?: string;
  readonly everyMs: number;
  /** Per-sample deadline: a sample that takes longer is a failure. */
  readonly timeoutMs: number;
  sample(signal: AbortSignal): Promise<ProbeResult>;
}

export interface ProbeState {
  /** The last completed sample's outcome, for `while` fault conditions and live status. */
  lastOk: boolean | undefined;
  samples: number;
  failures: number;
}

export class ProbeRunner {
  private readonly spec: ProbeSpec;
  private readonly clock: RunClock;
  private readonly history: HistorySink;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;
  /** Cuts a sample short when the runner stops, so stopping never waits out a sample's deadline. */
  private readonly stopping = new AbortController();
  readonly state: ProbeState = { lastOk: undefined, samples: 0, failures: 0 };

  constructor(spec: ProbeSpec, clock: RunClock, history: HistorySink) {
    this.spec = spec;
    this.clock = clock;
    this.history = history;
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      if (!this.inFlight) this.inFlight = this.sampleOnce().finally(() => (this.inFlight = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.spec.everyMs);
  }

  private async sampleOnce(): Promise<void> {
    const startNs = this.clock.nowNs();
    let result: ProbeResult;
    try {
      result = await this.spec.sample(
        AbortSignal.any([AbortSignal.timeout(this.spec.timeoutMs), this.stopping.signal]),
      );
    } catch (error) {
      result = { ok: false, value: { error: (error as Error).message } };
    }
    const atNs = this.clock.nowNs();
    // A sample cut short by stop() measured nothing: leave it out rather than record a failure.
    if (this.stopping.signal.aborted) return;
    this.state.samples++;
    if (!result.ok) this.state.failures++;
    this.state.lastOk = result.ok;
    if (this.stopped && atNs < startNs) return;
    this.history.append({
      type: 'probe',
      probe: this.spec.name,
      ...(this.spec.region ? { region: this.spec.region } : {}),
      ok: result.ok,
      latencyMs: Math.round((atNs - startNs) / 1_000) / 1_000,
      atNs,
      ...(result.value === undefined ? {} : { value: result.value }),
    });
  }

  /** Stops scheduling and waits for the sample in flight, so its entry lands before the history closes. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.stopping.abort();
    await this.inFlight;
  }
}
