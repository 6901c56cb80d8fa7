// The k6 engine: runs a K6Plan's HTTP ops in the k6 binary from a generated
// script and turns every op's outcome into the run's history format, in its
// own file (history-k6*.ndjson) with its own run header, on the caller's run
// clock. One call is one k6 process; a shard runs as a k6 execution segment.
// An AbortSignal stops k6 with SIGINT, then SIGKILL after graceMs; whatever
// happens the history is closed, ops still out are recorded as info, and it
// ends with `end` (completed, aborted, or error when k6 failed). A peakdrill
// killed outright leaves a history without `end`: read back, its verdict is error.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { HistoryWriter } from '../../history/history-writer.ts';
import { RunClock } from '../../history/run-clock.ts';
import { PeakdrillError } from '../../model/errors.ts';
import { type EndEntry, type HistoryEntry, runHeader, type Shard } from '../../model/history-entry.ts';
import { executionSegment } from '../../plan/shard-plan.ts';
import { cachePaths } from '../../stack/toolchain/cache-paths.ts';
import { K6OrderRegistryServer } from './k6-order-registry-server.ts';
import { K6OutcomeConverter, type K6OutcomeCounts, k6RunId } from './k6-outcomes.ts';
import type { K6Plan } from './k6-plan.ts';
import { type GeneratedK6Script, generateK6Script, type K6ScriptOptions } from './k6-script.ts';

export interface K6EngineOptions {
  readonly plan: K6Plan;
  /** Script options (baseUrls and opsFile are the engine's); ignored when `script` is given. */
  readonly scriptOptions?: Omit<K6ScriptOptions, 'baseUrls' | 'opsFile'>;
  /** A script generated from `plan` already (its ops file must be ops.json). */
  readonly script?: GeneratedK6Script;
  /** The run's id; the k6 history's is k6RunId(runId), so op ids never meet the node engine's. */
  readonly runId: string;
  /** This process's shard: k6 runs the matching execution segment. */
  readonly shard?: Shard;
  readonly historyPath: string;
  /** script.ts, ops.json, outcomes.ndjson (k6's console), summary.json and k6.log land here. */
  readonly workDir: string;
  /** The store, one URL per region, preferred first. */
  readonly baseUrls: readonly string[];
  /** The run's clock, so these entries line up with the node engine's, the faults and the probes. */
  readonly clock?: RunClock;
  /** The k6 binary (default: the one `peakdrill setup` installed). */
  readonly k6?: string;
  readonly signal?: AbortSignal;
  /** After SIGINT, k6 gets this long to stop before SIGKILL (default 5 s). */
  readonly graceMs?: number;
  /**
   * Where returns find their checkout's order id. Default: a registry of this run's own; pass one
   * to share it between shards running at once; false: only what a VU saw itself.
   */
  readonly registry?: K6OrderRegistryServer | false;
  /** Plan time 0 as a wall-clock time (ms), e.g. the same for several shards; default: k6's start + leadMs. */
  readonly planStartWallMs?: number;
  /** Plan time 0 on the run clock, as soon as k6 says when it is (before it, by leadMs). */
  readonly onStart?: (planStartNs: number) => void;
  /** Sees every entry as it is written (e.g. a run's live tally and abort rule). */
  readonly tap?: (entry: HistoryEntry) => void;
  /** Told k6's pid once it runs (e.g. to record it for a reaper). */
  readonly onSpawn?: (pid: number) => void;
  /** k6 ends after the plan anyway; this is the backstop (default: plan + 5 min). */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Push k6's own metrics (k6_http_reqs_total, k6_http_req_duration_*, k6_dropped_iterations_total…)
   * through k6's Prometheus remote-write output to where the run's metrics go, tagged so both sit
   * under the same scenario and target labels.
   */
  readonly remoteWrite?: K6RemoteWrite;
}

export interface K6RemoteWrite {
  readonly url: string;
  readonly everyMs: number;
  readonly authorization?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** k6's default system tags (k6 docs, `--system-tags`) less `scenario`. */
const K6_SYSTEM_TAGS_BUT_SCENARIO =
  'proto,subproto,status,method,url,name,group,check,error,error_code,tls_version,service,expected_response';

/** k6's remote-write output configuration: arguments and environment (credentials only in the latter). */
export function k6RemoteWriteOutput(rw: K6RemoteWrite): { args: string[]; env: Record<string, string> } {
  // k6's own `scenario` system tag ("replay", the script's executor) would override the
  // peakdrill scenario's name on every sample: drop it from the system tags so ours labels them.
  const args = ['-o', 'experimental-prometheus-rw', '--system-tags', K6_SYSTEM_TAGS_BUT_SCENARIO];
  for (const [k, v] of Object.entries(rw.tags)) args.push('--tag', `${k}=${v}`);
  const env: Record<string, string> = {
    K6_PROMETHEUS_RW_SERVER_URL: rw.url,
    K6_PROMETHEUS_RW_PUSH_INTERVAL: `${Math.max(1, Math.round(rw.everyMs / 1_000))}s`,
    K6_PROMETHEUS_RW_TREND_STATS: 'p(50),p(90),p(99),max',
  };
  if (rw.authorization?.startsWith('Bearer ')) env.K6_PROMETHEUS_RW_BEARER_TOKEN = rw.authorization.slice(7);
  else if (rw.authorization?.startsWith('Basic ')) {
    const [user, ...rest] = Buffer.from(rw.authorization.slice(6), 'base64').toString('utf8').split(':');
    env.K6_PROMETHEUS_RW_USERNAME = user ?? '';
    env.K6_PROMETHEUS_RW_PASSWORD = rest.join(':');
  }
  return { args, env };
}

export interface K6ThresholdResult {
  readonly metric: string;
  readonly expression: string;
  readonly ok: boolean;
}

export interface K6EngineResult {
  readonly status: EndEntry['status'];
  readonly reason?: string;
  /** k6's exit code (0 ok, 99 a threshold failed, 105 stopped by a signal…) and the signal that killed it. */
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  readonly counts: K6OutcomeCounts;
  /** Plan ops this run's k6 was to run (its segment). */
  readonly planned: number;
  readonly droppedIterations: number;
  readonly thresholds: readonly K6ThresholdResult[];
  readonly thresholdsOk: boolean;
  /** From the history's view (coordinated-omission corrected), ms. */
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latenessP99Ms: number;
  /** k6's own http_req_duration p(99), ms (time on the wire only). */
  readonly httpReqDurationP99Ms: number | undefined;
  readonly historyPath: string;
  readonly scriptPath: string;
  readonly outcomesPath: string;
  readonly summaryPath: string;
  readonly logPath: string;
}

const POLL_MS = 50;
/** k6's exit code when a signal stopped the test. */
const K6_EXIT_INTERRUPTED = 105;

/** Where `peakdrill setup` puts k6, or a PeakdrillError saying how to get it. */
export function locateK6(env: NodeJS.ProcessEnv = process.env): string {
  const path = cachePaths(env).k6Binary;
  if (!existsSync(path)) {
    throw new PeakdrillError('PEAKDRILL_ERR_MISSING_TOOL', `k6 is not installed (looked for ${path})`, {
      hint: 'run `peakdrill setup` (or `peakdrill doctor` to see what is missing)',
    });
  }
  return path;
}

/** Writes the script and its ops file into `dir`; returns the script's path. */
export async function writeK6Script(
  dir: string,
  generated: GeneratedK6Script,
  names: { script: string; ops: string } = { script: 'script.ts', ops: generated.config.opsFile },
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const scriptPath = join(dir, names.script);
  await writeFile(scriptPath, generated.script);
  await writeFile(join(dir, names.ops), `${JSON.stringify(generated.data)}\n`);
  return scriptPath;
}

export async function runK6Engine(options: K6EngineOptions): Promise<K6EngineResult> {
  const env = options.env ?? process.env;
  const k6 = options.k6 ?? locateK6(env);
  const clock = options.clock ?? new RunClock();
  const generated =
    options.script ??
    generateK6Script(options.plan, {
      scenario: 'peakdrill',
      ...options.scriptOptions,
      baseUrls: options.baseUrls,
      opsFile: 'ops.json',
    });
  const tag = options.shard === undefined ? '' : `-${options.shard.index}-of-${options.shard.count}`;
  // Files of their own per shard: shards started at once must not rewrite what another k6 reads.
  const opsName = `ops${tag}.json`;
  const scriptPath = await writeK6Script(options.workDir, generated, {
    script: `script${tag}.ts`,
    ops: opsName,
  });
  const outcomesPath = join(options.workDir, `outcomes${tag}.ndjson`);
  const summaryPath = join(options.workDir, `summary${tag}.json`);
  const logPath = join(options.workDir, `k6${tag}.log`);
  await rm(outcomesPath, { force: true });
  await rm(summaryPath, { force: true });

  const writer = await HistoryWriter.open(options.historyPath);
  const tap = options.tap;
  const history =
    tap === undefined
      ? writer
      : {
          append(entry: HistoryEntry) {
            writer.append(entry);
            tap(entry);
          },
        };
  const runId = k6RunId(options.runId);
  history.append(
    runHeader({
      runId,
      ...(options.shard ? { shard: options.shard } : {}),
      startedAt: clock.startedAt,
      t0: clock.t0,
    }),
  );
  const planned = options.plan.ops.filter(
    (_, i) => options.shard === undefined || i % options.shard.count === options.shard.index,
  ).length;
  const start = planned > 0 && options.signal?.aborted !== true;
  if (!start) {
    // Nothing for k6 to do (a plan of Kafka devices only, or stopped before it began): no process.
    const status = planned === 0 ? 'completed' : 'aborted';
    const end: EndEntry = { type: 'end', status, atNs: clock.nowNs() };
    if (status === 'aborted') end.reason = 'stopped before k6 started';
    history.append(end);
    await writer.close();
    return emptyResult(status, end.reason, planned, options.historyPath, scriptPath, options.workDir);
  }
  let ownRegistry: K6OrderRegistryServer | undefined;
  try {
    if (options.registry === undefined && options.plan.ops.some((o) => o.o !== undefined))
      ownRegistry = await new K6OrderRegistryServer().start();
  } catch (error) {
    await writer.close().catch(() => undefined);
    throw error;
  }
  const registry = options.registry === false ? undefined : (options.registry ?? ownRegistry);
  const converter = new K6OutcomeConverter({
    runId,
    ...(options.shard ? { shard: options.shard } : {}),
    plan: options.plan,
    clock,
    history,
    ...(registry ? { registry: registry.registry } : {}),
    ...(options.onStart ? { onStart: options.onStart } : {}),
  });

  const args = [
    'run',
    '--quiet',
    '--no-color',
    '--no-usage-report',
    '--log-format',
    'raw',
    '--console-output',
    outcomesPath,
    '--summary-export',
    summaryPath,
    '-e',
    `PEAKDRILL_BASE_URLS=${options.baseUrls.join(',')}`,
    '-e',
    `PEAKDRILL_OPS_FILE=./${opsName}`,
  ];
  if (registry) args.push('-e', `PEAKDRILL_ORDERS_URL=${registry.url}`);
  const output = options.remoteWrite ? k6RemoteWriteOutput(options.remoteWrite) : undefined;
  if (output) args.push(...output.args);
  if (options.planStartWallMs !== undefined)
    args.push('-e', `PEAKDRILL_PLAN_START_MS=${options.planStartWallMs}`);
  if (options.shard !== undefined) {
    const { segment, sequence } = executionSegment(options.shard);
    args.push('--execution-segment', segment, '--execution-segment-sequence', sequence);
  }
  args.push(scriptPath);

  let stopping: 'signal' | 'failure' | 'timeout' | undefined;
  let failure: unknown;
  let stderrTail = '';
  const log = createWriteStream(logPath);
  converter.anchor();
  const child = spawn(k6, args, {
    cwd: options.workDir,
    // Its own process group: a Ctrl+C at the terminal reaches peakdrill, which stops k6 once, in
    // order (a second SIGINT would make k6 quit without its summary).
    detached: true,
    // k6 would otherwise phone home with usage statistics.
    env: { ...env, ...output?.env, K6_NO_USAGE_REPORT: 'true' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
    (resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    },
  );
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    log.write(chunk);
    stderrTail = (stderrTail + chunk).slice(-4_000);
  });
  // A peakdrill that exits takes its k6 with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (why: NonNullable<typeof stopping>) => {
    if (stopping !== undefined || child.exitCode !== null || child.signalCode !== null) return;
    stopping = why;
    child.kill('SIGINT');
    killTimer = setTimeout(() => child.kill('SIGKILL'), options.graceMs ?? 5_000);
    killTimer.unref();
  };
  const onAbort = () => stop('signal');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  const lastOpMs = options.plan.ops.at(-1)?.t ?? 0;
  const backstop = setTimeout(() => stop('timeout'), options.timeoutMs ?? lastOpMs + 300_000);
  backstop.unref();

  let done = false;
  const tailing = tailLines(
    outcomesPath,
    (line) => {
      if (failure !== undefined) return;
      try {
        converter.line(line);
      } catch (error) {
        // The history cannot be written: the run is worthless, stop k6.
        failure = error;
        stop('failure');
      }
    },
    () => done,
  );
  const exit = await exited;
  done = true;
  await tailing;
  clearTimeout(backstop);
  if (killTimer !== undefined) clearTimeout(killTimer);
  options.signal?.removeEventListener('abort', onAbort);
  process.removeListener('exit', killOnExit);
  await new Promise<void>((resolve) => log.end(() => resolve()));

  const summary = await readSummary(summaryPath);
  let status: EndEntry['status'];
  let reason: string | undefined;
  const k6Said = stderrTail.trim().split('\n').slice(-3).join(' | ');
  if (exit.error !== undefined) {
    status = 'error';
    reason = `could not run k6 at ${k6}: ${exit.error.message}`;
  } else if (failure !== undefined) {
    status = 'error';
    reason = `history ${options.historyPath}: ${(failure as Error).message}`;
  } else if (stopping === 'signal') {
    status = 'aborted';
    reason = `stopped (${String(options.signal?.reason ?? 'signal')})`;
  } else if (stopping === 'timeout') {
    status = 'error';
    reason = `k6 still ran ${Math.round((options.timeoutMs ?? lastOpMs + 300_000) / 1_000)} s after it started: stopped`;
  } else if (exit.code === 0 || exit.code === 99) {
    status = 'completed';
  } else if (exit.code === K6_EXIT_INTERRUPTED) {
    status = 'aborted';
    reason = 'k6 was interrupted (SIGINT or SIGTERM from outside peakdrill)';
  } else {
    status = 'error';
    reason = `k6 exited with ${exit.signal ?? `code ${exit.code}`}${k6Said ? `: ${k6Said}` : ''}`;
  }
  let endError: unknown;
  try {
    const endNs = converter.finish(status === 'completed' ? 'completed' : 'stopped', reason ?? 'k6 ended');
    const end: EndEntry = { type: 'end', status, atNs: endNs };
    if (reason !== undefined) end.reason = reason;
    history.append(end);
  } catch (error) {
    endError = error;
  }
  try {
    await writer.close();
  } catch (error) {
    endError ??= error;
  }
  await ownRegistry?.stop();
  if (endError !== undefined && failure === undefined) throw endError;

  const ms = (h: typeof converter.latencyHistogram, p: number) =>
    h.totalCount === 0 ? 0 : h.getValueAtPercentile(p) / 1_000;
  return {
    status,
    ...(reason === undefined ? {} : { reason }),
    exitCode: exit.code,
    exitSignal: exit.signal,
    counts: converter.counts,
    planned,
    droppedIterations: summary.droppedIterations,
    thresholds: summary.thresholds,
    thresholdsOk: summary.thresholds.every((t) => t.ok),
    latencyP50Ms: ms(converter.latencyHistogram, 50),
    latencyP99Ms: ms(converter.latencyHistogram, 99),
    latenessP99Ms: ms(converter.latenessHistogram, 99),
    httpReqDurationP99Ms: summary.httpReqDurationP99Ms,
    historyPath: options.historyPath,
    scriptPath,
    outcomesPath,
    summaryPath,
    logPath,
  };
}

function emptyResult(
  status: EndEntry['status'],
  reason: string | undefined,
  planned: number,
  historyPath: string,
  scriptPath: string,
  workDir: string,
): K6EngineResult {
  const counts = {
    sent: 0,
    ok: 0,
    fail: 0,
    info: 0,
    dropped: 0,
    abandoned: 0,
    reordered: 0,
    ignoredLines: 0,
  };
  return {
    status,
    ...(reason === undefined ? {} : { reason }),
    exitCode: null,
    exitSignal: null,
    counts: { ...counts, leftOut: {} },
    planned,
    droppedIterations: 0,
    thresholds: [],
    thresholdsOk: true,
    latencyP50Ms: 0,
    latencyP99Ms: 0,
    latenessP99Ms: 0,
    httpReqDurationP99Ms: undefined,
    historyPath,
    scriptPath,
    outcomesPath: join(workDir, 'outcomes.ndjson'),
    summaryPath: join(workDir, 'summary.json'),
    logPath: join(workDir, 'k6.log'),
  };
}

/** Reads `path` as k6 appends to it, line by line, until `finished()` and nothing is left. */
async function tailLines(
  path: string,
  onLine: (line: string) => void,
  finished: () => boolean,
): Promise<void> {
  const sleep = () => new Promise((r) => setTimeout(r, POLL_MS));
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  while (handle === undefined) {
    const last = finished();
    try {
      handle = await open(path, 'r');
    } catch {
      if (last) return;
      await sleep();
    }
  }
  try {
    const chunk = Buffer.allocUnsafe(256 * 1024);
    // A chunk can end inside a multi-byte character of an answer's body.
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const last = finished();
      let got = 0;
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        got += bytesRead;
        const text = rest + decoder.write(chunk.subarray(0, bytesRead));
        const lines = text.split('\n');
        rest = lines.pop()!;
        for (const line of lines) onLine(line);
      }
      if (last) {
        // A line cut short by a killed k6 is not JSON; the converter counts it and moves on.
        if (rest.length > 0) onLine(rest);
        return;
      }
      if (got === 0) await sleep();
    }
  } finally {
    await handle.close();
  }
}

interface SummaryFigures {
  readonly droppedIterations: number;
  readonly thresholds: K6ThresholdResult[];
  readonly httpReqDurationP99Ms: number | undefined;
}

/** k6's --summary-export: per metric its figures and `thresholds: {expression: failed}`. */
async function readSummary(path: string): Promise<SummaryFigures> {
  let json: { metrics?: Record<string, Record<string, unknown>> };
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as typeof json;
  } catch {
    return { droppedIterations: 0, thresholds: [], httpReqDurationP99Ms: undefined };
  }
  const metrics = json.metrics ?? {};
  const thresholds: K6ThresholdResult[] = [];
  for (const [metric, m] of Object.entries(metrics)) {
    const t = m.thresholds as Record<string, boolean> | undefined;
    for (const [expression, failed] of Object.entries(t ?? {}))
      thresholds.push({ metric, expression, ok: !failed });
  }
  const p99 = metrics.http_req_duration?.['p(99)'];
  return {
    droppedIterations: Number(metrics.dropped_iterations?.count ?? 0),
    thresholds,
    httpReqDurationP99Ms: typeof p99 === 'number' ? p99 : undefined,
  };
}
