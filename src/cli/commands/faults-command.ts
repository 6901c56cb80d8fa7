// `peakdrill faults inject|clear|list`: game-day faults by hand on a running
// stack, and the cleanup after a crashed run. inject journals the fault before
// applying it and heals it when its time is up, on Ctrl-C or on SIGTERM.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultJournal, journalPath } from '../../faults/fault-journal.ts';
import { Nemesis } from '../../faults/nemesis.ts';
import { parseDurationMs } from '../../model/duration.ts';
import { PeakdrillError } from '../../model/errors.ts';
import { faultSpecSchema } from '../../model/fault-spec.ts';
import { sweepAbandonedStacks } from '../../run/abandoned-stacks.ts';
import { defaultStackDir } from '../../stack/local-stack.ts';
import { stackLayout } from '../../stack/stack-context.ts';
import { type CommandContext, EXIT_ERROR, EXIT_OK, type PeakdrillCommand, printJson } from '../command.ts';
import { watchParent } from '../parent-watch.ts';

interface FaultsArgs {
  action: 'inject' | 'clear' | 'list';
  kind?: string;
  target?: string;
  param: string[];
  for: string;
  dir?: string;
  json: boolean;
}

const MAX_HOLD_MS = 2_147_483_647;

/** `--param latencyMs=200` pairs into the spec's fields; numbers become numbers. */
export function parseParams(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `--param ${pair}: expected name=value`, {
        hint: 'e.g. --param latencyMs=200 --param jitterMs=20',
      });
    }
    const value = pair.slice(eq + 1);
    out[pair.slice(0, eq)] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return out;
}

async function inject(args: FaultsArgs, ctx: CommandContext, dir: string): Promise<number> {
  const parsed = faultSpecSchema.safeParse({
    kind: args.kind,
    target: args.target,
    ...parseParams(args.param),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'fault'}: ${i.message}`);
    throw new PeakdrillError(
      'PEAKDRILL_ERR_INVALID_INPUT',
      `invalid fault:\n  - ${problems.join('\n  - ')}`,
      {
        hint: 'see the fault kinds and their parameters in `peakdrill faults --help` and the README',
      },
    );
  }
  const holdMs = parseDurationMs(args.for, '--for');
  if (holdMs > MAX_HOLD_MS) {
    // setTimeout turns a longer delay into 1 ms: the fault would be healed at once.
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `--for ${args.for}: a fault holds at most 24 days`, {
      hint: 'give a shorter --for, e.g. --for 1h; Ctrl-C heals it whenever you want',
    });
  }
  if (holdMs <= 0) {
    // A zero hold applies and heals at once: it reports success having done nothing.
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `--for ${args.for}: a fault needs a positive duration`, {
      hint: 'hold it for a while, e.g. --for 30s (Ctrl-C heals it earlier)',
    });
  }
  const nemesis = Nemesis.forStack(dir);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    ctx.stderr.write(`peakdrill: ${signal}: healing active faults\n`);
    controller.abort(signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const parentWatch = watchParent(() => onSignal('SIGHUP'), ctx.env);
  let interrupted = false;
  let healErrors: Error[] = [];
  try {
    const fault = await nemesis.start(parsed.data);
    ctx.stderr.write(`fault ${fault.id}: ${fault.spec.kind} on ${fault.spec.target} for ${args.for}\n`);
    await sleep(holdMs, undefined, { signal: controller.signal }).catch(() => {
      interrupted = true;
    });
  } finally {
    healErrors = await nemesis.healAll();
    parentWatch.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (healErrors.length > 0) throw healErrors[0];
  ctx.stderr.write(interrupted ? 'fault healed after interruption\n' : 'fault healed\n');
  return interrupted ? EXIT_ERROR : EXIT_OK;
}

/**
 * `list` reads a stack's fault journal; pointed at a directory with no stack it
 * used to say "no faults left applied" (exit 0), which reads as "all clear".
 * A stack directory has its stack.json, or at least the journal a crash left.
 */
function assertStackDirectory(dir: string, isDefault: boolean): void {
  if (existsSync(stackLayout(dir).stateFile) || existsSync(journalPath(dir))) return;
  throw new PeakdrillError(
    'PEAKDRILL_ERR_STACK_STATE',
    `no stack in ${dir}${isDefault ? ' (the default stack directory)' : ''}: it has no stack.json and no fault journal`,
    {
      hint: 'point --dir at a stack directory (the one `peakdrill stack up --dir` used), or start one with `peakdrill stack up`',
    },
  );
}

export const faultsCommand: PeakdrillCommand<FaultsArgs> = {
  command: 'faults <action> [kind]',
  describe:
    'Inject a fault into the running stack for a while, list leftovers, or clear what a crashed run left',
  builder: (y) =>
    y
      .positional('action', { choices: ['inject', 'clear', 'list'] as const })
      .positional('kind', {
        type: 'string',
        describe:
          'for inject: latency, bandwidth, slow-close, timeout, reset-peer, slicer, limit-data, partition, cutover, process-kill, process-pause, region-loss, failback, db-failover, replication-pause, migration-cutover, migration-rollback',
      })
      .option('target', {
        type: 'string',
        describe: 'proxy, process or region the fault hits (e.g. db-a, store-a, a)',
      })
      .option('param', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'fault parameter name=value, e.g. latencyMs=200',
      })
      .option('for', {
        type: 'string',
        default: '30s',
        describe: 'how long the fault holds before it is healed',
      })
      .option('dir', { type: 'string', describe: 'stack directory' })
      .option('json', { type: 'boolean', default: false }) as never,
  async run(args, ctx) {
    const dir = args.dir === undefined ? defaultStackDir(ctx.env) : resolve(ctx.cwd, args.dir);
    if (args.action === 'inject') return inject(args, ctx, dir);
    if (args.kind !== undefined) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_USAGE',
        `faults ${args.action} takes no fault kind (got "${args.kind}")`,
        {
          hint: `run \`peakdrill faults ${args.action}\` alone, or \`peakdrill faults inject ${args.kind} --target T\` to inject one`,
        },
      );
    }
    if (args.action === 'list') {
      assertStackDirectory(dir, args.dir === undefined);
      const leftovers = new FaultJournal(dir).leftovers();
      if (args.json) printJson(ctx, { leftovers });
      else if (leftovers.length === 0) ctx.stdout.write('no faults left applied\n');
      else
        for (const l of leftovers)
          ctx.stdout.write(`${l.faultId}  ${l.spec?.kind} on ${l.spec?.target}  since ${l.at}\n`);
      return EXIT_OK;
    }
    const swept = await sweepAbandonedStacks(ctx.env, (line) => ctx.stderr.write(`${line}\n`));
    // What the sweep already healed on this stack is part of this command's answer.
    const healed = [
      ...swept.healed.filter((h) => h.dir === dir).map((h) => h.what),
      ...(await Nemesis.forStack(dir).clearLeftovers()),
    ];
    if (args.json) printJson(ctx, { healed });
    else ctx.stdout.write(healed.length ? `healed:\n  ${healed.join('\n  ')}\n` : 'nothing to heal\n');
    return EXIT_OK;
  },
};
