// Runs a scenario's fault schedule against the nemesis on the run clock:
// each fault starts `at` a time or `after` another fault healed (plus a
// delay), holds `for` a duration and/or `while` a probe is in a state, and is
// healed. Fault start/stop go into the history. On abort every active fault is
// healed before run() returns; a fault that fails to apply or heal fails the
// run loudly (the error is rethrown after the others are healed).
import { setTimeout as sleep } from 'node:timers/promises';
import type { HistorySink } from '../engines/open-model-scheduler.ts';
import type { RunClock } from '../history/run-clock.ts';
import { isMemberDown } from '../model/errors.ts';
import type { FaultSpec } from '../model/fault-spec.ts';
import type { ScheduledFault } from '../model/scenario-schema.ts';
import type { ProbeState } from '../probes/probe-runner.ts';
import type { ActiveFault, Nemesis } from './nemesis.ts';

/** A scenario's fault (durations as ms under friendly names) as the nemesis's FaultSpec. */
export function toFaultSpec(fault: ScheduledFault['fault']): FaultSpec {
  switch (fault.kind) {
    case 'latency':
      return {
        kind: 'latency',
        target: fault.target,
        latencyMs: fault.latency,
        jitterMs: fault.jitter,
        direction: fault.direction,
        toxicity: fault.toxicity,
      };
    case 'slow-close':
      return {
        kind: 'slow-close',
        target: fault.target,
        delayMs: fault.delay,
        direction: fault.direction,
        toxicity: fault.toxicity,
      };
    case 'timeout':
      return {
        kind: 'timeout',
        target: fault.target,
        timeoutMs: fault.timeout,
        direction: fault.direction,
        toxicity: fault.toxicity,
      };
    case 'reset-peer':
      return {
        kind: 'reset-peer',
        target: fault.target,
        timeoutMs: fault.timeout,
        direction: fault.direction,
        toxicity: fault.toxicity,
      };
    case 'migration-cutover':
    case 'migration-rollback':
      return {
        kind: fault.kind,
        target: fault.target,
        freezeMs: fault.freeze,
        holdMs: fault.hold,
        checkouts: fault.checkouts,
      };
    default:
      return fault;
  }
}

export interface FaultScheduleOptions {
  readonly nemesis: Nemesis;
  readonly clock: RunClock;
  readonly history: HistorySink;
  /** Plan time 0 on the run clock (ns); `at` counts from here. */
  readonly startNs: number;
  /** Divides every time in the schedule, as `speed` divides the traffic's. */
  readonly speed?: number;
  readonly probes?: ReadonlyMap<string, ProbeState>;
  readonly signal?: AbortSignal;
}

export interface FaultWindow {
  readonly name: string;
  readonly startNs: number;
  readonly stopNs: number;
}

function specParams(spec: FaultSpec): Record<string, unknown> {
  const { kind: _kind, target: _target, ...params } = spec;
  return params;
}

async function sleepUntilNs(clock: RunClock, ns: number, signal: AbortSignal): Promise<void> {
  const waitMs = (ns - clock.nowNs()) / 1e6;
  if (waitMs > 0) await sleep(waitMs, undefined, { signal });
}

/**
 * Heals a fault. A member of the target that stays down after its heal is not the
 * schedule failing: it is recorded (a heal-failed entry with PEAKDRILL_ERR_MEMBER_DOWN,
 * which the target-recovery checker reads) and the schedule goes on.
 */
async function stopRecordingMembersDown(
  nemesis: Nemesis,
  fault: ActiveFault,
  name: string,
  history: FaultScheduleOptions['history'],
  clock: RunClock,
): Promise<void> {
  try {
    await nemesis.stop(fault);
  } catch (error) {
    if (!isMemberDown(error)) throw error;
    recordMemberDown(history, name, fault.spec.target, clock, error as Error);
  }
}

function recordMemberDown(
  history: FaultScheduleOptions['history'],
  fault: string,
  target: string,
  clock: RunClock,
  error: Error,
): void {
  history.append({
    type: 'fault',
    phase: 'heal-failed',
    fault,
    target,
    atNs: clock.nowNs(),
    error: { code: 'PEAKDRILL_ERR_MEMBER_DOWN', message: error.message },
  });
}

export async function runFaultSchedule(
  schedule: readonly ScheduledFault[],
  options: FaultScheduleOptions,
): Promise<FaultWindow[]> {
  const { nemesis, clock, history, startNs } = options;
  const speed = options.speed ?? 1;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) controller.abort();
  const healed = new Map<string, Promise<number>>();
  const resolvers = new Map<string, (ns: number) => void>();
  for (const f of schedule) healed.set(f.name, new Promise((resolve) => resolvers.set(f.name, resolve)));
  const windows: FaultWindow[] = [];
  const active = new Map<ActiveFault, string>();
  let failure: unknown;

  const runOne = async (f: ScheduledFault) => {
    const signal = controller.signal;
    try {
      if (f.at !== undefined) await sleepUntilNs(clock, startNs + (f.at * 1e6) / speed, signal);
      else {
        const afterNs = await Promise.race([
          healed.get(f.after!)!,
          new Promise<number>((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
          ),
        ]);
        await sleepUntilNs(clock, afterNs + (f.delay * 1e6) / speed, signal);
      }
      if (signal.aborted) return;
      const spec = toFaultSpec(f.fault);
      // The start entry is written before the fault is applied (and journaled before that).
      history.append({
        type: 'fault',
        phase: 'start',
        fault: f.name,
        target: spec.target,
        params: { kind: spec.kind, ...specParams(spec) },
        atNs: clock.nowNs(),
      });
      const fault = await nemesis.start(spec).catch((error: unknown) => {
        if (!isMemberDown(error)) throw error;
        // A member the fault needed was down (a failback to a region that never came back):
        // recorded for target-recovery, and the schedule goes on.
        recordMemberDown(history, f.name, spec.target, clock, error as Error);
        return undefined;
      });
      if (fault === undefined) {
        const stopNs = clock.nowNs();
        history.append({ type: 'fault', phase: 'stop', fault: f.name, target: spec.target, atNs: stopNs });
        resolvers.get(f.name)!(stopNs);
        return;
      }
      active.set(fault, f.name);
      const faultStartNs = clock.nowNs();
      const untilNs = f.for === undefined ? Number.POSITIVE_INFINITY : faultStartNs + (f.for * 1e6) / speed;
      if (f.while) {
        const state = options.probes?.get(f.while.probe);
        const wanted = f.while.state === 'passing';
        // The probe's last sample may predate the fault: wait for two samples taken after it
        // started (at most 2 s) before the condition can end the fault.
        const seen = state?.samples ?? 0;
        const graceEnd = performance.now() + 2_000;
        while (!signal.aborted && (state?.samples ?? 0) < seen + 2 && performance.now() < graceEnd) {
          await sleep(10, undefined, { signal }).catch(() => {});
        }
        while (!signal.aborted && clock.nowNs() < untilNs && (state?.lastOk ?? !wanted) === wanted) {
          await sleep(20, undefined, { signal }).catch(() => {});
        }
      } else {
        await sleepUntilNs(clock, untilNs, signal).catch(() => {});
      }
      active.delete(fault);
      await stopRecordingMembersDown(nemesis, fault, f.name, history, clock);
      const stopNs = clock.nowNs();
      history.append({
        type: 'fault',
        phase: 'stop',
        fault: f.name,
        target: spec.target,
        atNs: stopNs,
        ...(fault.outcome === undefined ? {} : { outcome: { ...fault.outcome } }),
      });
      windows.push({ name: f.name, startNs: faultStartNs, stopNs });
      resolvers.get(f.name)!(stopNs);
    } catch (error) {
      if (!controller.signal.aborted || (error as Error).name !== 'AbortError') {
        failure ??= error;
        history.append({
          type: 'fault',
          phase: 'heal-failed',
          fault: f.name,
          target: f.fault.target,
          atNs: clock.nowNs(),
          error: { code: (error as { code?: string }).code ?? 'ERROR', message: (error as Error).message },
        });
        controller.abort();
      }
    }
  };

  try {
    await Promise.all(schedule.map(runOne));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    // Whatever is still applied (abort, failure) is healed before returning.
    for (const [fault, name] of [...active].reverse()) {
      await stopRecordingMembersDown(nemesis, fault, name, history, clock).then(
        () =>
          history.append({
            type: 'fault',
            phase: 'stop',
            fault: name,
            target: fault.spec.target,
            atNs: clock.nowNs(),
          }),
        (error: Error) => {
          failure ??= error;
        },
      );
    }
  }
  if (failure) throw failure;
  return windows;
}
