// `peakdrill run`: one rehearsal from scenario to verdict. Brings up the local
// stack (or uses one that is up), seeds the catalog, replays the traffic while
// the fault schedule and the probes run on the same clock, heals, reads the
// final state back through the oracle, runs the checkers and writes the run
// directory. Whatever happens — a failed fault, an abort condition, SIGINT —
// faults are healed, the history gets its end entry, and the stack this run
// started is stopped.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FailoverBoundary } from '../../simulators/failover-resubmits.ts';
import { FleetClient } from '../../simulators/fleet-client.ts';
import { FLEET_WAIT_F } from '../../simulators/fleet-plan-stream.ts';
import { runK6Engine } from '../engines/k6/k6-engine.ts';
import { buildK6Plan, splitByEngine } from '../engines/k6/k6-plan.ts';
import { OpenModelScheduler, type SchedulerStats } from '../engines/open-model-scheduler.ts';
import { runFaultSchedule } from '../faults/fault-schedule.ts';
import { assertFaultTargets, stackStateDeclaration } from '../faults/fault-targets.ts';
import { Nemesis } from '../faults/nemesis.ts';
import { HistoryWriter } from '../history/history-writer.ts';
import { RunClock } from '../history/run-clock.ts';
import type { RemoteWriteTarget } from '../metrics/remote-write.ts';
import type { RunMetrics } from '../metrics/run-metrics.ts';
import { isMemberDown, isPeakdrillError, PeakdrillError } from '../model/errors.ts';
import type { FinalState } from '../model/final-state.ts';
import { runHeader, type Shard } from '../model/history-entry.ts';
import type { Scenario } from '../model/scenario-schema.ts';
import { planScenario } from '../plan/scenario-plan.ts';
import { formatShard, shardPlan } from '../plan/shard-plan.ts';
import { ProbeRunner, type ProbeState } from '../probes/probe-runner.ts';
import { renderReports } from '../report/render-reports.ts';
import { defaultStackDir, stackIsRunning } from '../stack/local-stack.ts';
import { stackLayout } from '../stack/stack-context.ts';
import { readStackState } from '../stack/stack-state.ts';
import { kafkaRelease, TOOLCHAIN } from '../stack/toolchain/toolchain-versions.ts';
import { assertTargetServes, exercisablePlan, unexercisedFollowUps } from '../targets/scenario-needs.ts';
import type { StartedTarget, TargetModule, TargetProbes } from '../targets/target.ts';
import { assertEngineDrives, DEFAULT_TARGET, resolveTarget } from '../targets/target-registry.ts';
import type { Verdict } from '../verdict/verdict-schema.ts';
import { sweepAbandonedStacks } from './abandoned-stacks.ts';
import { AbortWatch } from './abort-rule.ts';
import { checkRunDirectory, writeJsonAtomically } from './check-run.ts';
import type { EventCapture } from './event-capture-phase.ts';
import { recordJudgementError } from './judgement-error.ts';
import { PROBE_PRICE_CENTS, PROBE_STORE } from './run-catalog.ts';
import {
  type OracleFile,
  type RunInfo,
  type RunStatus,
  readRunJson,
  runFile,
  runInfoSchema,
} from './run-directory.ts';
import { validateRunId } from './run-id.ts';
import { RunTally } from './run-tally.ts';
import type { RunPhase, StatusFigures } from './status-line.ts';

export interface RunScenarioOptions {
  readonly scenario: Scenario;
  /** The system rehearsed: a registered name, a config or module path, or the module itself (default: the reference store). */
  readonly target?: string | TargetModule | undefined;
  /** The reference store's seeded defect (local stack only); undefined = the correct store. */
  readonly defect?: string | undefined;
  readonly speed?: number | undefined;
  readonly seed?: number | undefined;
  /** local: start a stack for this run and stop it after; existing: use the one up in stackDir. */
  readonly stack: 'local' | 'existing';
  readonly stackDir?: string | undefined;
  /** Runs land in <outDir>/<run-id>/ (default ./reports). */
  readonly outDir?: string | undefined;
  readonly runId?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onStatus?: ((status: StatusFigures) => void) | undefined;
  readonly log?: ((line: string) => void) | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** node (default): every device on the node engine; k6: HTTP devices on k6, Kafka ones on node. */
  readonly engine?: 'node' | 'k6';
  /**
   * This process's part of a run spread over several (0-based). Shard 0 coordinates: it seeds,
   * runs the faults and probes, waits for the other shards' histories and judges them all; the
   * others only send their devices' traffic. Every shard needs the same runId, outDir and stack.
   */
  readonly shard?: Shard | undefined;
  /** Told where the stack is as soon as it is known (a second Ctrl-C reaps it from there). */
  readonly onStackDir?: ((dir: string, kind: 'local' | 'existing') => void) | undefined;
  /** Live figures for Prometheus: fed every history entry, the phase and, at the end, the verdict. */
  readonly metrics?: RunMetrics | undefined;
  /** Where the live metrics are pushed; a k6 engine pushes its own metrics there too. */
  readonly remoteWrite?: RemoteWriteTarget | undefined;
}

export interface RunScenarioResult {
  readonly runId: string;
  readonly runDir: string;
  readonly status: RunStatus;
  readonly reason?: string | undefined;
  readonly verdict?: Verdict | undefined;
}

/** How long after the last planned op follow-ups (retries, offline uploads, redeliveries) may run. */
const FOLLOW_UP_TAIL_MS = 20_000;
/** Probes run this long before plan time 0, so every fault has a baseline before it. */
const PROBE_LEAD_MS = 1_500;
/** …and this long after traffic and faults end, so a late recovery is still seen. */
const PROBE_TAIL_MS = 3_000;
/** Per-op deadline: past it an op is recorded `info` (unknown). */
const OP_TIMEOUT_MS = 5_000;
/** Assumption: a quarter of web checkouts are preceded by a stock read (bots skip browsing). */
const WEB_STOCK_READ_RATE = 0.25;
/** Plan time 0 this long after k6 is asked to start (it compiles the script and loads the ops). */
const K6_LEAD_MS = 4_000;
/** After an abort, how long ops in flight get before they are recorded as info. */
const ABORT_GRACE_MS = 300;

export function newRunId(scenario: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `${scenario}-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Where the scenario loses a region (plan ms), for traffic aimed at that boundary. */
function failoverBoundaries(scenario: Scenario, speed: number): FailoverBoundary[] {
  return scenario.faults
    .filter((f) => (f.fault.kind === 'region-loss' || f.fault.kind === 'db-failover') && f.at !== undefined)
    .map((f) => ({ atMs: f.at! / speed }));
}

function fleetClient(
  scenario: Scenario,
  target: StartedTarget,
  prices: ReadonlyMap<string, number>,
  seed: number,
  speed: number,
): FleetClient {
  const f = scenario.fleets;
  const resubmit = f.web?.resubmitAcrossFailover;
  const uplinkOf = (store: string) => target.uplinkOf?.(store);
  return new FleetClient({
    storeUrl: target.sites.map((r) => r.url),
    codec: target.codec,
    kafkaBrokers: target.kafkaBrokers,
    seed,
    tailMs: FOLLOW_UP_TAIL_MS,
    pos: {
      prices,
      uplinkOf,
      seed,
      doubleSubmitRate: f.pos?.doubleSubmitRate ?? 0,
      ...(f.pos?.offline
        ? {
            offline: {
              maxSaleCents: f.pos.offline.maxSaleCents,
              maxSales: f.pos.offline.maxSales,
              cardAllowed: f.pos.offline.cardAllowed,
              incompleteTenderRate: f.pos.offline.incompleteTenderRate,
            },
          }
        : {}),
    },
    // Assumption: a quarter of checkouts are preceded by a stock read (bots skip browsing).
    web: {
      stockReads: { rate: WEB_STOCK_READ_RATE },
      ...(resubmit
        ? {
            failoverResubmits: {
              boundaries: failoverBoundaries(scenario, speed),
              rate: resubmit.rate,
              windowMs: resubmit.window / speed,
              afterMs: resubmit.after / speed,
            },
          }
        : {}),
    },
    webhook: {
      ...(f.webhooks ? { duplicateRate: f.webhooks.duplicateRate, reorderRate: f.webhooks.reorderRate } : {}),
    },
    rfid: f.rfid ? { duplicateRate: f.rfid.duplicateRate, reorderRate: f.rfid.reorderRate } : {},
    scanner: {},
  });
}

/** Runs one scenario end to end; never throws for what happens inside the run (that is its status). */
export async function runScenario(options: RunScenarioOptions): Promise<RunScenarioResult> {
  const scenario = options.scenario;
  const seed = options.seed ?? scenario.seed;
  const speed = options.speed ?? scenario.speed;
  const runId = options.runId === undefined ? newRunId(scenario.name) : validateRunId(options.runId);
  const engine = options.engine ?? 'node';
  const shard = options.shard !== undefined && options.shard.count > 1 ? options.shard : undefined;
  const worker = shard !== undefined && shard.index > 0;
  if (shard !== undefined && (options.stack !== 'existing' || options.runId === undefined)) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      'a sharded run needs --stack existing and a shared --run-id',
      {
        hint: 'start the stack once (`peakdrill stack up`), then run every shard with the same --run-id and --out',
      },
    );
  }
  const runDir = resolve(options.outDir ?? 'reports', runId);
  const historyPath = worker
    ? join(runDir, `history-shard-${shard.index + 1}.ndjson`)
    : runFile(runDir, 'history');
  // Before anything is written: a second run under one id would overwrite the
  // first one's run.json and then be refused by the history writer anyway.
  if (existsSync(historyPath)) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `${runDir} already holds run ${runId}`, {
      hint: 'give this run another --run-id (or leave it out for a fresh one), or remove that directory',
    });
  }
  const log = options.log ?? (() => {});
  // Bad input is refused here, before a stack starts or a run directory exists.
  const { planned, target, notExercised } = await preflight(scenario, options, seed, speed, engine);
  const started = performance.now();
  let phase: RunPhase = 'preparing';
  const tallyRef: { tally: RunTally | undefined } = { tally: undefined };
  let lastCompletions = 0;
  let lastTick = performance.now();
  const report = () => {
    const now = performance.now();
    const t = tallyRef.tally;
    const completions = t?.completions ?? 0;
    const rate = ((completions - lastCompletions) * 1_000) / Math.max(1, now - lastTick);
    lastCompletions = completions;
    lastTick = now;
    options.onStatus?.({
      phase,
      elapsedMs: now - started,
      opsPerSecond: rate,
      completions,
      errors: t?.errors ?? 0,
      activeFaults: t ? [...t.activeFaults] : [],
    });
  };
  const setPhase = (p: RunPhase) => {
    phase = p;
    options.metrics?.setPhase(p);
    report();
  };
  const statusTimer = setInterval(report, 500);
  statusTimer.unref();

  await mkdir(join(runDir, 'logs'), { recursive: true });
  const info: RunInfo = {
    runId,
    scenario: scenario.name,
    seed,
    speed,
    defect: options.stack === 'local' ? (options.defect ?? null) : null,
    engine,
    stack: options.stack,
    target: target.name,
    businessRejections: [...target.businessRejections],
    publishesEvents: target.publishesEvents,
    singleWriter: target.singleWriter ?? true,
    ...(notExercised.length > 0 ? { notExercised } : {}),
    versions: {
      peakdrill: PEAKDRILL_VERSION,
      node: process.versions.node,
      postgres: String(TOOLCHAIN.postgres.major),
      kafka: kafkaRelease().version,
      toxiproxy: TOOLCHAIN.toxiproxy.version,
      ...(engine === 'k6' ? { k6: TOOLCHAIN.k6.version } : {}),
    },
    startedAt: new Date().toISOString(),
    status: 'running',
  };
  if (!worker) {
    await writeJsonAtomically(runFile(runDir, 'scenario'), { ...scenario, seed, speed });
    await writeJsonAtomically(runFile(runDir, 'run'), info);
  }

  let status: RunStatus = 'completed';
  let reason: string | undefined;
  const fail = (s: RunStatus, why: string) => {
    if (status === 'completed') {
      status = s;
      reason = why;
    }
  };
  const abort = new AbortController();
  const onOuterAbort = () => {
    fail('aborted', `interrupted (${String(options.signal?.reason ?? 'signal')})`);
    abort.abort(options.signal?.reason);
  };
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (options.signal?.aborted) onOuterAbort();

  let stackStop: (() => Promise<void>) | undefined;
  let temporaryStackDir: string | undefined;
  let nemesis: Nemesis | undefined;
  let history: HistoryWriter | undefined;
  let clock: RunClock | undefined;
  const probes: ProbeRunner[] = [];
  let targetProbes: TargetProbes | undefined;
  let verdict: Verdict | undefined;
  let eventCapture: EventCapture | undefined;
  /** Never written into a report, whatever a log line or an error message carried. */
  const secrets: string[] = [];
  try {
    // The history exists from the start: a run that fails before its traffic still
    // leaves one (header, then `end` with the reason), and so a verdict of error.
    clock = new RunClock();
    history = await HistoryWriter.open(historyPath);
    history.append(
      runHeader({ runId, startedAt: clock.startedAt, t0: clock.t0, ...(shard ? { shard } : {}) }),
    );

    // ---- stack --------------------------------------------------------------
    setPhase('starting stack');
    await sweepAbandonedStacks(options.env ?? process.env, log);
    const up = await bringUpTarget(target, options, scenario, runDir, log, async (dir, temporary) => {
      if (temporary) temporaryStackDir = dir;
      info.stackDir = dir;
      // Before the stack starts: a peakdrill killed from here on is found, and its run.json corrected.
      if (!worker) await writeJsonAtomically(runFile(runDir, 'run'), info);
      options.onStackDir?.(dir, options.stack);
    });
    stackStop = () => up.stop();
    if (options.stack === 'existing') info.defect = up.defect;
    secrets.push(...up.secrets);
    // Only the coordinator touches faults: another shard's clear would heal its live ones.
    if (!worker) {
      nemesis = Nemesis.forStack(up.stack.dir, { runTag: runId });
      const left = await nemesis.clearLeftovers();
      if (left.length > 0) log(`healed faults an earlier run left behind: ${left.join(', ')}`);
    }
    if (abort.signal.aborted) throw abort.signal.reason;

    // ---- seed ---------------------------------------------------------------
    setPhase('seeding');
    const { plan, catalog } = planned;
    for (const n of notExercised)
      log(`not exercised: ${n.op}${n.ops === undefined ? '' : ` (${n.ops} ops)`}: ${n.why}`);
    if (!worker) {
      await writeJsonAtomically(runFile(runDir, 'catalog'), catalog.catalog);
      // Before the reset: the seed's ledger entries are published too, and must be in the capture.
      eventCapture = await up.captureEvents?.(runDir, log);
      await up.resetAndSeed(catalog.seed);
    }
    const shardOps = shard === undefined ? plan.ops : shardPlan(plan.ops, shard);
    // The k6 engine takes the HTTP devices; Kafka-speaking ones stay on the node engine.
    const split = engine === 'k6' ? splitByEngine(shardOps) : { k6: [], node: shardOps };
    log(
      `planned ${shardOps.length} ops${shard ? ` (shard ${formatShard(shard)} of ${plan.ops.length})` : ''} over ${Math.round(plan.durationMs / 100) / 10} s` +
        (engine === 'k6' ? ` (${split.k6.length} on k6, ${split.node.length} on the node engine)` : ''),
    );

    // ---- run ----------------------------------------------------------------
    const tally = new RunTally(history, {
      businessCodes: target.businessRejections,
      ignoredF: [FLEET_WAIT_F],
      ...(options.metrics ? { tap: options.metrics } : {}),
    });
    tallyRef.tally = tally;
    const prices = new Map(catalog.seed.map((s) => [s.sku, s.priceCents]));
    const fleet = fleetClient(scenario, up, prices, seed, speed);

    const probeStates = new Map<string, ProbeState>();
    const probeCheckout = {
      sku: scenario.probes.checkout.sku,
      store: PROBE_STORE,
      priceCents: PROBE_PRICE_CENTS,
    };
    if (!worker) {
      targetProbes = up.probes({
        runId,
        clock,
        checkout: probeCheckout,
        checkoutEveryMs: scenario.probes.checkout.every,
        propagationEveryMs: scenario.probes.propagation.every,
      });
      for (const [name, spec] of targetProbes.specs) {
        const runner = new ProbeRunner(spec, clock, tally);
        probes.push(runner);
        probeStates.set(name, runner.state);
      }
      // A `while` condition on "checkout" means: the checkout probe of any site.
      const checkouts = [...probeStates].filter(([n]) => n.startsWith('checkout-')).map(([, st]) => st);
      probeStates.set('checkout', anyRegion(checkouts));
    }

    setPhase('running');
    for (const p of probes) p.start();
    // k6 takes a few seconds to start: plan time 0 leaves it room, on both clocks.
    // Shards meet at one wall-clock plan time 0, which the coordinator writes in run.json.
    let leadMs = engine === 'k6' || shard !== undefined ? K6_LEAD_MS : PROBE_LEAD_MS;
    if (worker) leadMs = (await coordinatorPlanStart(runDir, abort.signal)) - Date.now();
    const planStartWallMs = Date.now() + leadMs;
    if (shard !== undefined && !worker) {
      info.planStartAt = new Date(planStartWallMs).toISOString();
      await writeJsonAtomically(runFile(runDir, 'run'), info);
    }
    const startAtNs = clock.nowNs() + Math.max(0, leadMs) * 1e6;
    fleet.setPlanOrigin(performance.now() + leadMs);
    const scheduler = new OpenModelScheduler(fleet, {
      runId,
      ...(shard ? { shard } : {}),
      clock,
      history: tally,
      startAtNs,
      timeoutMs: OP_TIMEOUT_MS,
      // An interrupted run must heal and stop within seconds: ops still out become info.
      graceMs: ABORT_GRACE_MS,
      signal: abort.signal,
    });
    const watch = scenario.abort
      ? new AbortWatch({ errorRate: scenario.abort.errorRate, forMs: scenario.abort.for })
      : undefined;
    const abortTimer = setInterval(() => {
      const sample = tally.takeWindow();
      const why = watch?.observe(sample, performance.now());
      if (why !== undefined && !abort.signal.aborted) {
        log(`aborting: ${why}`);
        fail('aborted', why);
        abort.abort(new Error(why));
      }
    }, 1_000);
    abortTimer.unref();
    let stats: SchedulerStats | undefined;
    try {
      const faults = runFaultSchedule(worker || nemesis === undefined ? [] : scenario.faults, {
        nemesis: nemesis as Nemesis,
        clock,
        history: tally,
        startNs: startAtNs,
        speed,
        probes: probeStates,
        signal: abort.signal,
      }).catch((error: unknown) => {
        // A fault that will not apply or heal fails the run loudly, and stops the traffic.
        fail('error', `fault schedule: ${(error as Error).message}`);
        abort.abort(error);
        return [];
      });
      const k6Run =
        engine === 'k6'
          ? runK6Engine({
              plan: buildK6Plan(split.k6, {
                seed,
                web: { stockReads: { rate: WEB_STOCK_READ_RATE } },
                webhook: {
                  ...(scenario.fleets.webhooks
                    ? {
                        duplicateRate: scenario.fleets.webhooks.duplicateRate,
                        reorderRate: scenario.fleets.webhooks.reorderRate,
                      }
                    : {}),
                },
                maxTimeoutMs: OP_TIMEOUT_MS,
              }),
              scriptOptions: { scenario: scenario.name, assertions: scenario.assertions },
              runId,
              ...(shard ? { shard } : {}),
              historyPath: join(
                runDir,
                shard ? `history-k6-shard-${shard.index + 1}.ndjson` : 'history-k6.ndjson',
              ),
              workDir: join(runDir, 'k6'),
              baseUrls: up.sites.map((r) => r.url),
              clock,
              planStartWallMs,
              signal: abort.signal,
              graceMs: ABORT_GRACE_MS + 1_000,
              tap: (entry) => tally.observe(entry),
              env: options.env ?? process.env,
              ...(options.remoteWrite
                ? {
                    remoteWrite: {
                      ...options.remoteWrite,
                      tags: { scenario: scenario.name, target: target.name },
                    },
                  }
                : {}),
            })
          : undefined;
      const [nodeStats, k6Result] = await Promise.all([scheduler.run(fleet.plan(split.node)), k6Run]);
      stats = nodeStats;
      if (k6Result !== undefined) {
        log(
          `k6: ${k6Result.planned} ops planned, ${k6Result.droppedIterations} dropped iterations, ` +
            `exit ${k6Result.exitCode ?? k6Result.exitSignal}, thresholds ${k6Result.thresholdsOk ? 'ok' : 'crossed'}; ` +
            `latency p99 ${k6Result.latencyP99Ms} ms`,
        );
        if (k6Result.status !== 'completed')
          fail('error', `k6 engine: ${k6Result.reason ?? k6Result.status}`);
      }
      setPhase('healing');
      await faults;
      if (!abort.signal.aborted) await sleepUnlessAborted(PROBE_TAIL_MS, abort.signal);
    } finally {
      clearInterval(abortTimer);
      await Promise.all(probes.map((p) => p.stop()));
      // Belt and braces: anything the schedule did not stop (it heals in its own finally).
      const errors = harnessErrors((await nemesis?.healAll()) ?? [], log);
      if (errors.length > 0)
        fail('error', `healing faults failed: ${errors.map((e) => e.message).join('; ')}`);
    }
    log(
      `traffic: ${stats.sent} sent, ${stats.ok} ok, ${stats.fail} fail, ${stats.info} info, ${stats.dropped} dropped; ` +
        `latency p99 ${stats.latencyP99Ms} ms; fleet ${JSON.stringify(fleet.stats())}`,
    );

    // An aborted run stops here: its verdict is error whatever the store holds, and the
    // stack must come down within seconds.
    if (abort.signal.aborted) throw abort.signal.reason ?? new Error('aborted');

    // ---- oracle (the coordinator, once every shard has ended) -------------------
    if (!worker) {
      if (shard !== undefined) await untilShardsEnd(runDir, shard.count, abort.signal);
      setPhase('settling');
      const finalState = await targetFinalState(up, log);
      setPhase('reading state');
      if (finalState instanceof Error) {
        // The target could not be read back: a finding (target-recovery), not a harness error.
        log(`oracle: ${finalState.message}`);
        await writeJsonAtomically(runFile(runDir, 'oracle'), oracleRecord(false, finalState.message));
      } else {
        await writeJsonAtomically(runFile(runDir, 'state'), finalState);
        await writeJsonAtomically(runFile(runDir, 'oracle'), oracleRecord(true));
        await eventCapture?.stop(lastLedgerId(finalState));
      }
    }
  } catch (error) {
    if (abort.signal.aborted && status !== 'completed') {
      // The abort is the story; the error is how it surfaced.
    } else {
      fail('error', (error as Error).message ?? String(error));
      log(`run failed: ${describeRunError(error)}`);
    }
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
    await Promise.all(probes.map((p) => p.stop()));
    await eventCapture?.stop();
    if (nemesis) {
      const errors = harnessErrors(await nemesis.healAll().catch((e: Error) => [e]), log);
      if (errors.length > 0)
        fail('error', `healing faults failed: ${errors.map((e) => e.message).join('; ')}`);
    }
    if (history && clock) {
      history.append({ type: 'end', status, atNs: clock.nowNs(), ...(reason ? { reason } : {}) });
      await history.close().catch((error: Error) => fail('error', `history: ${error.message}`));
    }
    await targetProbes?.close();
    if (stackStop) {
      setPhase('stopping stack');
      await stackStop().catch((error: Error) => log(`stopping the stack failed: ${error.message}`));
    }
    if (temporaryStackDir) {
      await cp(stackLayout(temporaryStackDir).logs, join(runDir, 'logs'), { recursive: true }).catch(
        () => {},
      );
      // The run's own stack directory goes with it: nothing it held (data, specs) outlives the run.
      await rm(temporaryStackDir, { recursive: true, force: true }).catch(() => {});
    }
  }

  if (worker) {
    // The coordinator (shard 1) judges every shard's history together.
    setPhase('done');
    clearInterval(statusTimer);
    return { runId, runDir, status, reason };
  }

  // ---- verdict and reports (also for a run that did not finish: its verdict is error) --
  info.status = status;
  info.endedAt = new Date().toISOString();
  if (reason !== undefined) info.reason = reason;
  await writeJsonAtomically(runFile(runDir, 'run'), info);
  try {
    setPhase('checking');
    if (history) {
      const checked = await checkRunDirectory(runDir);
      verdict = checked.verdict;
      options.metrics?.setVerdict(checked.results);
    } else {
      await writeFile(join(runDir, 'logs', 'run-error.txt'), `${reason ?? 'the run did not start'}\n`);
    }
    setPhase('reporting');
    if (verdict) await renderReports(runDir, { secrets, env: options.env ?? process.env });
  } catch (error) {
    fail('error', `checking the run: ${(error as Error).message}`);
    log(`checking failed: ${(error as Error).message}`);
    // No verdict: an error one and its reports stand in, so nothing reads as a pass.
    if (verdict === undefined)
      await recordJudgementError(runDir, error, { secrets, env: options.env ?? process.env });
  } finally {
    setPhase('done');
    clearInterval(statusTimer);
  }
  return { runId, runDir, status, reason, verdict };
}

/** A PeakdrillError is a known cause: its message and fix, not a stack; anything else is a bug: its stack. */
function describeRunError(error: unknown): string {
  if (isPeakdrillError(error)) return `${error.message}${error.hint ? `\n  fix: ${error.hint}` : ''}`;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

const PEAKDRILL_VERSION = '0.1.0';

/**
 * Everything that can be refused before anything starts: the target and what the
 * scenario needs of it, the traffic source (a recording is read and planned
 * whole: a broken line is named here, not after the stack is up) and every
 * fault's target against what the target declares. The plan keeps only the ops
 * the target can carry; the rest is listed as not exercised.
 */
async function preflight(
  scenario: Scenario,
  options: RunScenarioOptions,
  seed: number,
  speed: number,
  engine: 'node' | 'k6',
) {
  const target =
    typeof options.target === 'object'
      ? options.target
      : await resolveTarget(options.target ?? DEFAULT_TARGET);
  assertTargetServes(scenario, target);
  assertEngineDrives(engine, target.name);
  const declaration =
    options.stack === 'local'
      ? target.declaration()
      : existingDeclaration(options.stackDir ?? defaultStackDir(options.env));
  if (declaration !== undefined) {
    assertFaultTargets(
      scenario.faults.map((f) => f.fault),
      declaration,
      (i) => `faults[${i}] (${scenario.faults[i]!.name}).fault`,
    );
  }
  const planned = await planScenario(scenario, { seed, speed });
  const exercised = exercisablePlan(planned.plan.ops, target);
  return {
    target,
    planned: { ...planned, plan: { ...planned.plan, ops: exercised.ops } },
    notExercised: [...exercised.notExercised, ...unexercisedFollowUps(scenario, target)],
  };
}

/** A fresh local stack with the target on it, or the target on the stack that is up. */
async function bringUpTarget(
  target: TargetModule,
  options: RunScenarioOptions,
  scenario: Scenario,
  runDir: string,
  log: (line: string) => void,
  onStackDir: (dir: string, temporary: boolean) => Promise<void>,
): Promise<StartedTarget> {
  const env = options.env ?? process.env;
  if (options.stack === 'local') {
    const base = join(tmpdir(), `peakdrill-${process.getuid?.() ?? 'user'}`);
    await mkdir(base, { recursive: true });
    const dir = await mkdtemp(join(base, 'run-'));
    await onStackDir(dir, true);
    return target.startLocal({
      dir,
      runDir,
      scenarioStore: scenario.store,
      defect: options.defect,
      env,
      log,
    });
  }
  const dir = options.stackDir ?? defaultStackDir(options.env);
  const found = stackIsRunning(dir) ? readStackState(stackLayout(dir).stateFile) : undefined;
  if (found === undefined) {
    throw new PeakdrillError('PEAKDRILL_ERR_UNREACHABLE', `no local stack is running in ${dir}`, {
      hint: 'start one with `peakdrill stack up`, or run with --stack local to start one for this run',
    });
  }
  await onStackDir(dir, false);
  if (options.defect !== undefined) {
    log(
      `--defect ${options.defect} is ignored with --stack existing: the stack runs ${found.defect ?? 'the correct store'}`,
    );
  }
  return target.attach(found, { log });
}

/** An existing stack's declaration; undefined when none is up (the stack phase then says so). */
function existingDeclaration(dir: string) {
  if (!stackIsRunning(dir)) return undefined;
  const state = readStackState(stackLayout(dir).stateFile);
  return state === undefined ? undefined : stackStateDeclaration(state);
}

/** How long shards wait for each other (the coordinator's plan start; the others' ends). */
const SHARD_WAIT_MS = 180_000;

/** A shard other than the first waits for the coordinator to seed and set plan time 0. */
async function coordinatorPlanStart(runDir: string, signal: AbortSignal): Promise<number> {
  const deadline = Date.now() + SHARD_WAIT_MS;
  while (!signal.aborted && Date.now() < deadline) {
    const info = readRunJson(runDir, 'run', runInfoSchema);
    if (info?.planStartAt !== undefined) return Date.parse(info.planStartAt);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new PeakdrillError(
    'PEAKDRILL_ERR_UNREACHABLE',
    `shard 1 (the coordinator) did not start the run in ${runDir} within ${SHARD_WAIT_MS / 1_000} s`,
    { hint: 'start shard 1/n with the same --run-id and --out; it seeds the store and sets the start time' },
  );
}

/** The coordinator waits until every other shard's history has its end entry. */
async function untilShardsEnd(runDir: string, count: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + SHARD_WAIT_MS;
  const pending = () =>
    Array.from({ length: count - 1 }, (_, i) => join(runDir, `history-shard-${i + 2}.ndjson`)).filter(
      (path) => {
        try {
          return !/"type":"end"/.test(readFileSync(path, 'utf8').slice(-2_000));
        } catch {
          return true;
        }
      },
    );
  while (!signal.aborted && Date.now() < deadline) {
    if (pending().length === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new PeakdrillError(
    'PEAKDRILL_ERR_UNREACHABLE',
    `shard histories never ended: ${pending().join(', ')}`,
    {
      hint: 'every shard 2/n … n/n must run with the same --run-id and --out; see their own output',
    },
  );
}
/** A member that stayed down is the target's doing (judged by target-recovery); the rest fail the run. */
function harnessErrors(errors: readonly Error[], log: (line: string) => void): Error[] {
  for (const e of errors.filter(isMemberDown)) log(`target: ${e.message}`);
  return errors.filter((e) => !isMemberDown(e));
}

function oracleRecord(readable: boolean, reason?: string): OracleFile {
  return { readable, ...(reason === undefined ? {} : { reason }), at: new Date().toISOString() };
}

/**
 * The settled final state, or the reason the target could not be read at all
 * (no site answered): that is evidence about the target. Anything else thrown
 * is peakdrill's own failure and stays an error.
 */
async function targetFinalState(
  target: StartedTarget,
  log: (line: string) => void,
): Promise<FinalState | Error> {
  try {
    return await target.readFinalState(log);
  } catch (error) {
    if (isPeakdrillError(error) && error.code === 'PEAKDRILL_ERR_UNREACHABLE') return error;
    throw error;
  }
}

/** The last entry of the authoritative ledger: the capture reads on until it has seen it. */
function lastLedgerId(state: FinalState): number | undefined {
  let last: number | undefined;
  // A loop, not Math.max(...): a peak run's ledger is longer than the argument limit.
  for (const e of state.regions[state.authoritativeRegion]?.ledger ?? [])
    last = Math.max(last ?? e.seq, e.seq);
  return last;
}

function anyRegion(states: readonly ProbeState[]): ProbeState {
  return {
    get lastOk() {
      return states.some((s) => s.lastOk === true)
        ? true
        : states.every((s) => s.lastOk === undefined)
          ? undefined
          : false;
    },
    get samples() {
      return states.reduce((n, s) => n + s.samples, 0);
    },
    get failures() {
      return states.reduce((n, s) => n + s.failures, 0);
    },
  } as ProbeState;
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolvePromise) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolvePromise();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
