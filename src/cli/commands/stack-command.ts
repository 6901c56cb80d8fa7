// `peakdrill stack up|status|down`: the local stack as long-lived processes
// that outlive the command. `up` refuses to start over a live stack, reaps a
// dead one's leftovers, and on SIGINT/SIGTERM mid-start stops what it began.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { PeakdrillError } from '../../model/errors.ts';
import { DEFECT_NAMES, type DefectName } from '../../reference-store/defects.ts';
import { sweepAbandonedStacks } from '../../run/abandoned-stacks.ts';
import {
  defaultStackDir,
  LocalStack,
  type ReplicationMode,
  type StackTopology,
  type StartedLocalStack,
  stackDown,
  stackIsRunning,
  stackStatus,
} from '../../stack/local-stack.ts';
import { stackLayout } from '../../stack/stack-context.ts';
import type { PublicStackState } from '../../stack/stack-state.ts';
import { type CommandContext, EXIT_ERROR, EXIT_OK, type PeakdrillCommand, printJson } from '../command.ts';
import { checkWholeNumber } from '../option-checks.ts';

interface StackArgs {
  action: 'up' | 'status' | 'down';
  dir?: string;
  json: boolean;
  replication: ReplicationMode;
  topology: StackTopology;
  toxiproxyPort?: number;
  store: boolean;
  defect?: DefectName;
}

export function formatEndpoints(state: PublicStackState): string {
  const store =
    state.defect === undefined ? 'no reference store' : `reference store: ${state.defect ?? 'correct'}`;
  const lines = [
    `stack ${state.dir} (${state.topology === 'migration' ? 'migration: blue = a, green = b, CDC' : `replication: ${state.replication}`}, ${store}, started ${state.startedAt})`,
    'endpoints:',
  ];
  for (const [name, e] of Object.entries(state.endpoints)) {
    lines.push(
      `  ${name.padEnd(16)} ${e.host}:${e.port}${e.role ? `  (${e.role})` : ''}${e.url && e.kind === 'postgres' ? `  ${e.url}` : ''}`,
    );
  }
  lines.push('proxies:');
  for (const p of state.proxies)
    lines.push(`  ${p.name.padEnd(16)} ${p.listen.host}:${p.listen.port} -> ${p.upstream}`);
  lines.push('processes:');
  for (const p of state.processes) lines.push(`  ${p.name.padEnd(16)} pid ${p.pid}`);
  return lines.join('\n');
}

async function up(args: StackArgs, ctx: CommandContext, dir: string): Promise<number> {
  if (args.topology === 'migration' && !args.store) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', '--topology migration needs the reference store', {
      hint: 'drop --no-store: CDC replicates the store’s tables from blue to green',
    });
  }
  if (stackIsRunning(dir)) {
    throw new PeakdrillError('PEAKDRILL_ERR_STACK_STATE', `a stack is already running in ${dir}`, {
      hint: 'use it (`peakdrill stack status`), stop it (`peakdrill stack down`), or start another with --dir',
    });
  }
  const started = performance.now();
  let stack: StartedLocalStack | undefined;
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = signal;
    ctx.stderr.write(`peakdrill: ${signal} during stack up; stopping what was started\n`);
    void stackDown(dir, ctx.env).finally(() => process.exit(EXIT_ERROR));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const builder = new LocalStack()
      .withDir(dir)
      .withReplication(args.replication)
      .withTopology(args.topology)
      .withToxiproxyPort(args.toxiproxyPort)
      .withEnv(ctx.env)
      .withLogger((line) => ctx.stderr.write(`${line}\n`));
    if (args.store) builder.withReferenceStore({ defect: args.defect });
    stack = await builder.start();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (interrupted) return EXIT_ERROR;
  stack.detach();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (args.json) printJson(ctx, { ...stack.publicState, startupMs: Math.round(performance.now() - started) });
  else
    ctx.stdout.write(
      `${formatEndpoints(stack.publicState)}\nup in ${seconds} s; stop it with \`peakdrill stack down\`\n`,
    );
  return EXIT_OK;
}

/**
 * `stack down` removes <dir>/data and moves the journal: pointed by mistake at
 * a directory that was never a stack's (a home folder), it must touch nothing.
 * A missing directory is fine (nothing to stop); so is a stack already down.
 */
function assertNotForeignDirectory(dir: string): void {
  if (!existsSync(dir)) return;
  const layout = stackLayout(dir);
  if ([layout.stateFile, layout.pids, layout.logs].some((p) => existsSync(p))) return;
  throw new PeakdrillError(
    'PEAKDRILL_ERR_STACK_STATE',
    `${dir} is not a stack directory: it has no stack.json, pids/ or logs/`,
    {
      hint: 'point --dir at the directory `peakdrill stack up` used; `stack down` there removes its data/',
    },
  );
}

export const stackCommand: PeakdrillCommand<StackArgs> = {
  command: 'stack <action>',
  describe:
    'Start, inspect or stop the local stack (PostgreSQL primary + standby, Kafka, Toxiproxy) on 127.0.0.1',
  builder: (y) =>
    y
      .positional('action', { choices: ['up', 'status', 'down'] as const, describe: 'what to do' })
      .option('dir', {
        type: 'string',
        describe: 'stack directory (data, logs, pid files)',
        defaultDescription: '$TMPDIR/peakdrill-<uid>/stack',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
      .option('replication', {
        choices: ['sync', 'async'] as const,
        default: 'sync' as ReplicationMode,
        describe: 'standby replication mode',
      })
      .option('topology', {
        choices: ['regions', 'migration'] as const,
        default: 'regions' as StackTopology,
        describe:
          'regions: postgres-b streams from postgres-a as a standby; migration: blue (a) and green (b) on their own databases, green fed by CDC (needs the store)',
      })
      .option('store', {
        type: 'boolean',
        default: true,
        describe:
          'start the reference store (store-a, store-b behind edge-a, edge-b); --no-store for the bare stack',
      })
      .option('defect', {
        choices: DEFECT_NAMES,
        describe: `start the reference store with one seeded defect: ${DEFECT_NAMES.join(', ')}`,
      })
      .option('toxiproxy-port', {
        type: 'number',
        describe: 'fixed port for the Toxiproxy API (default: a free one)',
      })
      .check((a) => {
        checkWholeNumber('toxiproxy-port', a.toxiproxyPort as number | undefined, {
          min: 1,
          max: 65_535,
          example: 8474,
        });
        return true;
      }) as never,
  async run(args, ctx) {
    const dir = args.dir === undefined ? defaultStackDir(ctx.env) : resolve(ctx.cwd, args.dir);
    if (args.action !== 'status')
      await sweepAbandonedStacks(ctx.env, (line) => ctx.stderr.write(`${line}\n`));
    if (args.action === 'up') return up(args, ctx, dir);
    if (args.action === 'status') {
      const status = stackStatus(dir);
      if (args.json) printJson(ctx, status);
      if (!status.state) {
        throw new PeakdrillError('PEAKDRILL_ERR_STACK_STATE', `no stack in ${dir}`, {
          hint: `start one with \`peakdrill stack up${args.dir === undefined ? '' : ` --dir ${dir}`}\`, or point --dir at the directory \`stack up\` used`,
        });
      }
      if (!args.json) {
        ctx.stdout.write(`${formatEndpoints(status.state)}\n`);
        for (const p of status.processes.filter((x) => !x.alive))
          ctx.stdout.write(`  ${p.name} (pid ${p.pid}) is NOT running\n`);
        ctx.stdout.write(status.up ? 'status: up\n' : 'status: degraded\n');
      }
      if (!status.up)
        ctx.stderr.write(
          'peakdrill: the stack is degraded: some of its processes are not running\n  fix: run `peakdrill stack down`, then `peakdrill stack up`\n',
        );
      return status.up ? EXIT_OK : EXIT_ERROR;
    }
    assertNotForeignDirectory(dir);
    const started = performance.now();
    // A missing directory has nothing to stop, and is not created just to say so.
    const { stopped } = existsSync(dir) ? await stackDown(dir, ctx.env) : { stopped: [] };
    const ms = Math.round(performance.now() - started);
    if (args.json) printJson(ctx, { dir, stopped, durationMs: ms });
    else
      ctx.stdout.write(
        stopped.length
          ? `stopped ${stopped.join(', ')} in ${(ms / 1000).toFixed(1)} s\n`
          : `no stack running in ${dir}\n`,
      );
    return EXIT_OK;
  },
};
