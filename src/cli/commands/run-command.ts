// `peakdrill run <scenario>`: one rehearsal, ending in a verdict CI can gate on.
// Exit 0 only for a run that finished and passed; 1 when an assertion failed;
// 2 for a harness error or an aborted run. SIGINT/SIGTERM abort the run (faults
// healed, history ended, stack stopped); a second signal stops at once after
// healing what the journal holds.
import { relative, resolve } from 'node:path';
import { Nemesis } from '../../faults/nemesis.ts';
import { describeRemoteWrite } from '../../metrics/remote-write.ts';
import { loadScenario } from '../../model/scenario-loader.ts';
import { DEFECT_NAMES } from '../../reference-store/defects.ts';
import { reapStackNow } from '../../run/abandoned-stacks.ts';
import { validateRunId } from '../../run/run-id.ts';
import { runScenario } from '../../run/run-scenario.ts';
import { StatusLine } from '../../run/status-line.ts';
import { DEFAULT_TARGET, targetNames } from '../../targets/target-registry.ts';
import { validateAssertions } from '../../verdict/checker-settings.ts';
import { rollbackLine } from '../../verdict/rollback-decision.ts';
import {
  type CommandContext,
  EXIT_ERROR,
  EXIT_FAILED,
  EXIT_OK,
  type PeakdrillCommand,
  printJson,
} from '../command.ts';
import { openMetricsEndpoint } from '../metrics-endpoint.ts';
import { checkSpeed, seedFromText } from '../option-checks.ts';
import { watchParent } from '../parent-watch.ts';
import { preflightRun } from './run-preflight.ts';

interface RunArgs {
  scenario: string;
  target: string;
  defect?: string;
  speed?: number;
  seed?: number;
  stack: 'local' | 'existing';
  stackDir?: string;
  out: string;
  json: boolean;
  engine: 'node' | 'k6';
  shard?: string;
  runId?: string;
  metrics?: string;
  metricsLinger?: string;
  metricsAllowRemote?: boolean;
  metricsRemoteWrite?: string;
  recording?: string;
}

export const runCommand: PeakdrillCommand<RunArgs> = {
  command: 'run <scenario>',
  describe: 'Run a scenario: traffic, faults and probes against the stack, then the checkers and the verdict',
  builder: (y) =>
    y
      .positional('scenario', {
        type: 'string',
        demandOption: true,
        describe: 'a built-in scenario (flash-sale, region-failover, …) or a path to a scenario module',
      })
      .option('target', {
        type: 'string',
        default: DEFAULT_TARGET,
        describe: `the system to rehearse: ${targetNames().join(', ')} (\`peakdrill target list\`), or the path of a target config (.json or .yaml) or module (.ts)`,
      })
      .option('defect', {
        choices: DEFECT_NAMES,
        describe: 'run the reference store with one seeded defect (with --stack local)',
      })
      .option('speed', {
        type: 'number',
        describe: "replay this many times faster (default: the scenario's)",
      })
      .option('seed', {
        type: 'string',
        describe: "the generator's and fleets' seed (default: the scenario's)",
      })
      .option('stack', {
        choices: ['local', 'existing'] as const,
        default: 'local' as const,
        describe:
          'local: start a stack for this run and stop it after; existing: use the one `stack up` started',
      })
      .option('stack-dir', {
        type: 'string',
        describe: 'the existing stack (with --stack existing)',
        defaultDescription: '$TMPDIR/peakdrill-<uid>/stack',
      })
      .option('engine', {
        choices: ['node', 'k6'] as const,
        default: 'node' as const,
        describe:
          'k6: the HTTP devices (web, POS, webhooks) run in k6 from a generated script; Kafka ones stay on node',
      })
      .option('out', { type: 'string', default: 'reports', describe: 'runs land in <out>/<run-id>/' })
      .option('shard', {
        type: 'string',
        describe:
          'run shard i of n (e.g. 1/2 and 2/2, each in its own process or machine, with --stack existing and one --run-id); shard 1 seeds, runs faults and probes and writes the verdict of all',
      })
      .option('run-id', {
        type: 'string',
        describe: 'the run id (default: <scenario>-<time>-<random>); shards share one',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the verdict as JSON' })
      .option('metrics', {
        type: 'string',
        describe: 'serve live Prometheus metrics at GET /metrics on host:port (bare flag: 127.0.0.1:9464)',
      })
      .option('metrics-linger', {
        type: 'string',
        describe: 'keep the metrics endpoint up this long after the verdict, for a last scrape (default 15s)',
      })
      .option('metrics-allow-remote', {
        type: 'boolean',
        default: false,
        describe: 'let --metrics listen on an interface other than loopback',
      })
      .option('recording', {
        type: 'string',
        describe:
          "replay this recording (generated, or captured with `peakdrill record`) instead of the scenario's traffic",
      })
      .option('metrics-remote-write', {
        type: 'string',
        describe:
          'also push the metrics to this Prometheus remote-write URL every 5s (k6 runs push k6 metrics there too); credentials from PEAKDRILL_REMOTE_WRITE_TOKEN or _USER/_PASSWORD',
      })
      .check((a) => {
        checkSpeed(a.speed);
        if (a.defect !== undefined && a.target !== DEFAULT_TARGET)
          throw new Error(`--defect seeds the reference store; target ${a.target} has no seeded defects`);
        if (a.runId !== undefined) validateRunId(String(a.runId));
        return true;
      })
      .middleware(seedFromText) as never,
  async run(args, ctx) {
    const loaded = await loadScenario(args.scenario, ctx.cwd);
    // --recording keeps the scenario's fleets, faults and assertions and swaps its traffic.
    const scenario =
      args.recording === undefined
        ? loaded.scenario
        : { ...loaded.scenario, traffic: { recording: resolve(ctx.cwd, args.recording) } };
    // Thresholds that cannot be evaluated, and every option, fail here, before any stack starts.
    validateAssertions(scenario.assertions);
    const { stackDir, outDir, shard, target } = await preflightRun(args, scenario, ctx);
    // Before the stack: a busy port or a remote address is refused before anything starts.
    const live =
      shard !== undefined && shard.index > 0
        ? undefined
        : await openMetricsEndpoint(args, scenario, target, {
            env: ctx.env,
            warn: (line) => ctx.stderr.write(`${line}\n`),
          });
    if (live) {
      const pushing = live.remoteWrite ? `, pushed to ${describeRemoteWrite(live.remoteWrite)}` : '';
      ctx.stderr.write(`metrics: ${live.url}${pushing}\n`);
    }
    const status = new StatusLine(
      ctx.stderr,
      !args.json && (ctx.stderr as { isTTY?: boolean }).isTTY === true,
    );
    const controller = new AbortController();
    let signals = 0;
    let runStack: { dir: string; kind: 'local' | 'existing' } | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals === 1) {
        status.finish();
        ctx.stderr.write(`peakdrill: ${signal}: stopping the run, healing faults (again to stop at once)\n`);
        controller.abort(signal);
        return;
      }
      ctx.stderr.write(`peakdrill: ${signal} again: healing what the fault journal holds and exiting\n`);
      // The run's own stack is stopped whole; a shared one only loses the faults this run applied.
      const heal =
        runStack === undefined
          ? Promise.resolve()
          : runStack.kind === 'local'
            ? reapStackNow(runStack.dir, ctx.env)
            : Nemesis.forStack(runStack.dir).clearLeftovers();
      void heal.catch(() => {}).finally(() => process.exit(EXIT_ERROR));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const parentWatch = watchParent((parent) => {
      ctx.stderr.write(`peakdrill: the process that started it (pid ${parent}) is gone\n`);
      onSignal('SIGHUP');
    }, ctx.env);
    let result: Awaited<ReturnType<typeof runScenario>>;
    try {
      result = await runScenario({
        scenario,
        target,
        defect: args.defect,
        speed: args.speed,
        seed: args.seed,
        stack: args.stack,
        stackDir,
        outDir,
        engine: args.engine,
        shard,
        runId: args.runId,
        signal: controller.signal,
        env: ctx.env,
        onStackDir: (dir, kind) => {
          runStack = { dir, kind };
        },
        onStatus: (s) => status.update(s),
        metrics: live?.metrics,
        remoteWrite: live?.remoteWrite,
        log: (line) => {
          status.finish();
          ctx.stderr.write(`${line}\n`);
        },
      });
      await live?.finish(controller.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      parentWatch.stop();
      status.finish();
      await live?.finish(AbortSignal.abort());
    }
    const where = relative(ctx.cwd, result.runDir) || result.runDir;
    const worker = shard !== undefined && shard.index > 0;
    if (worker) {
      ctx.stdout.write(
        `shard ${args.shard}: traffic ${result.status}${result.reason ? ` (${result.reason})` : ''}; shard 1/${shard!.count} writes the verdict in ${where}\n`,
      );
      return result.status === 'completed' ? EXIT_OK : EXIT_ERROR;
    }
    if (args.json) {
      printJson(
        ctx,
        result.verdict ?? { status: 'error', runId: result.runId, summary: result.reason ?? 'no verdict' },
      );
    } else {
      printVerdict(ctx, result, where);
    }
    if (result.status !== 'completed' || result.verdict === undefined) return EXIT_ERROR;
    if (result.verdict.status === 'pass') return EXIT_OK;
    return result.verdict.status === 'fail' ? EXIT_FAILED : EXIT_ERROR;
  },
};

function printVerdict(
  ctx: CommandContext,
  result: Awaited<ReturnType<typeof runScenario>>,
  where: string,
): void {
  const v = result.verdict;
  const lines: string[] = [];
  if (v === undefined) {
    lines.push(`verdict: ERROR — ${result.reason ?? 'the run produced no verdict'}`);
  } else {
    lines.push(`verdict: ${v.status.toUpperCase()} — ${v.summary}`);
    if (v.rollback !== undefined) lines.push(rollbackLine(v.rollback));
    for (const a of v.assertions) {
      const measured =
        a.measured === null
          ? 'n/a'
          : `${Math.round(a.measured * 1_000) / 1_000}${a.unit === 'ms' ? ' ms' : ''}`;
      lines.push(`  ${a.result.padEnd(7)} ${a.name} ${a.threshold}  (measured ${measured})`);
    }
  }
  if (result.status !== 'completed') lines.push(`run ${result.status}: ${result.reason ?? ''}`);
  lines.push(`run directory: ${where}`);
  lines.push(`report: ${where}/report.html`);
  ctx.stdout.write(`${lines.join('\n')}\n`);
}
