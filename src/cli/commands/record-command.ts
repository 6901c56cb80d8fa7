// `peakdrill record <source>`: capture real traffic as a masked recording that
// `run --recording` and `inspect` read like a generated one. Sources are a
// registry (one module each under recorders/); `kafka` reads topics without a
// consumer group. A signal ends the capture and still writes what was read.
import { resolve } from 'node:path';
import { HttpRecorder } from '../../../recorders/http/http-recorder.ts';
import { recordKafka } from '../../../recorders/kafka/kafka-recorder.ts';
import { Masker } from '../../../recorders/masking/masker.ts';
import { recordPostgres } from '../../../recorders/postgres/postgres-recorder.ts';
import { parseMetricsAddress } from '../../metrics/metrics-server.ts';
import { parseDurationMs } from '../../model/duration.ts';
import { PeakdrillError } from '../../model/errors.ts';
import { resolveTarget } from '../../targets/target-registry.ts';
import { type CommandContext, EXIT_OK, type PeakdrillCommand, printJson } from '../command.ts';
import { checkOutputFile } from '../output-file.ts';

interface RecordArgs {
  source: 'kafka' | 'http' | 'postgres';
  url?: string;
  tables?: string;
  upstream?: string;
  listen: string;
  target: string;
  brokers?: string;
  topics: string;
  from?: string;
  to?: string;
  for?: string;
  out: string;
  json: boolean;
}

/** An ISO time, or a time relative to now: `-10m` (ten minutes ago), `now`. */
export function parseTime(text: string, flag: string, nowMs = Date.now()): Date {
  if (text === 'now') return new Date(nowMs);
  if (text.startsWith('-')) return new Date(nowMs - parseDurationMs(text.slice(1)));
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `${flag} "${text}" is not a time`, {
      hint: `give an ISO time (2026-11-27T09:00:00Z) or one relative to now (${flag} -15m)`,
    });
  }
  return new Date(ms);
}

function list(text: string, flag: string): string[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `${flag} names nothing`);
  return items;
}

export const recordCommand: PeakdrillCommand<RecordArgs> = {
  command: 'record <source>',
  describe:
    'Capture real traffic (an HTTP API through a proxy, Kafka topics) as a masked recording to replay',
  builder: (y) =>
    y
      .positional('source', {
        type: 'string',
        choices: ['kafka', 'http', 'postgres'] as const,
        describe: 'where the traffic flows',
      })
      .option('upstream', {
        type: 'string',
        describe: 'http: the API to forward to, e.g. http://127.0.0.1:8080',
      })
      .option('listen', {
        type: 'string',
        default: '127.0.0.1:8089',
        describe: 'http: where the recording proxy listens (loopback unless told otherwise)',
      })
      .option('target', {
        type: 'string',
        default: 'reference-store',
        describe: 'http: whose API it is: its codec decodes exchanges into business events',
      })
      .option('url', {
        type: 'string',
        describe: 'postgres: the database, postgres://user@host:port/db (password from PGPASSWORD)',
      })
      .option('tables', {
        type: 'string',
        describe: "postgres: tables to capture, comma-separated (default: the target's business tables)",
      })
      .option('brokers', { type: 'string', describe: 'kafka: bootstrap brokers, host:port[,host:port]' })
      .option('topics', {
        type: 'string',
        default: 'scans,marketplace-webhooks',
        describe: 'kafka: topics to capture, comma-separated',
      })
      .option('from', { type: 'string', describe: 'start at this time (ISO, or -15m); default: now (live)' })
      .option('to', {
        type: 'string',
        describe: 'stop at this time (ISO, or -5m); a past time ends the capture there',
      })
      .option('for', { type: 'string', describe: 'a live capture of this long (e.g. 10m)' })
      .option('out', { type: 'string', demandOption: true, describe: 'recording file (.gz compresses)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON' }) as never,
  async run(args, ctx: CommandContext) {
    if (args.source === 'http') return recordHttp(args, ctx);
    if (args.source === 'postgres') return recordPostgresCommand(args, ctx);
    if (args.brokers === undefined) {
      throw new PeakdrillError('PEAKDRILL_ERR_USAGE', 'record kafka needs --brokers', {
        hint: 'e.g. --brokers 127.0.0.1:9092',
      });
    }
    const brokers = list(args.brokers, '--brokers');
    const topics = list(args.topics, '--topics');
    const out = resolve(ctx.cwd, args.out);
    checkOutputFile(out, '--out');
    const masker = Masker.fromEnv(ctx.env);
    const nowMs = Date.now();
    const from = args.from === undefined ? undefined : parseTime(args.from, '--from', nowMs);
    const to = args.to === undefined ? undefined : parseTime(args.to, '--to', nowMs);
    if (from !== undefined && to !== undefined && to < from) {
      throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `--to ${args.to} is before --from ${args.from}`);
    }
    const forMs = args.for === undefined ? undefined : parseDurationMs(args.for);
    if (to === undefined && forMs === undefined && from === undefined) {
      ctx.stderr.write('record: a live capture until Ctrl-C (give --for or --to to stop by itself)\n');
    }
    return untilSignal(async (signal) => {
      const result = await recordKafka({
        brokers,
        topics,
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
        ...(forMs !== undefined ? { forMs } : {}),
        out,
        masker,
        signal: signal,
      });
      const summary = { out, ...result.counts, undecoded: result.undecodedPath ?? null };
      if (args.json) printJson(ctx, summary);
      else {
        const c = result.counts;
        ctx.stdout.write(
          `recorded ${c.recorded} of ${c.seen} messages to ${out}: ${c.decoded} as events, ${c.raw} kept raw` +
            `${result.undecodedPath ? ` (${result.undecodedPath})` : ''}, ${c.missed} missed\n`,
        );
      }
      return EXIT_OK;
    });
  },
};

/** Runs until --for is over or a signal, then writes what it recorded. */
async function recordHttp(args: RecordArgs, ctx: CommandContext): Promise<number> {
  if (args.upstream === undefined) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', 'record http needs --upstream', {
      hint: 'the base URL of the API to record, e.g. --upstream http://127.0.0.1:8080',
    });
  }
  const upstream = await reachableUpstream(args.upstream);
  const out = resolve(ctx.cwd, args.out);
  checkOutputFile(out, '--out');
  const masker = Masker.fromEnv(ctx.env);
  const { host, port } = parseMetricsAddress(args.listen);
  const target = await resolveTarget(args.target, ctx.cwd);
  const recorder = await HttpRecorder.start({
    upstream,
    host,
    port,
    masker,
    decoder: target.exchangeDecoder?.(),
  });
  ctx.stderr.write(
    `record: forwarding ${recorder.url} → ${upstream}; send your traffic there. ` +
      `${args.for ? `Stops after ${args.for}` : 'Ctrl-C stops'} and writes ${out}\n`,
  );
  return untilSignal(async (signal) => {
    const forMs = args.for === undefined ? undefined : parseDurationMs(args.for);
    await new Promise<void>((done) => {
      const timer = forMs === undefined ? undefined : setTimeout(done, forMs);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        done();
      });
    });
    const result = await recorder.finish(out);
    const c = recorder.counts;
    if (args.json) printJson(ctx, { out, ...c, undecoded: result.undecodedPath ?? null });
    else {
      ctx.stdout.write(
        `recorded ${c.recorded} of ${c.seen} exchanges to ${out}: ${c.decoded} as events, ${c.raw} kept raw` +
          `${result.undecodedPath ? ` (${result.undecodedPath})` : ''}, ${c.missed} missed\n`,
      );
    }
    return EXIT_OK;
  });
}

/** The upstream as a URL origin, refused before listening when nothing answers there. */
async function reachableUpstream(text: string): Promise<string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `--upstream "${text}" is not a URL`, {
      hint: 'e.g. --upstream http://127.0.0.1:8080',
    });
  }
  try {
    await fetch(url.origin, { method: 'HEAD', signal: AbortSignal.timeout(3_000) });
  } catch (error) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      `--upstream ${url.origin} does not answer (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message})`,
      { hint: 'start the system first, or check the host and port' },
    );
  }
  return url.origin;
}

/** `record postgres`: logical decoding of the target's tables for --for, or until a signal. */
async function recordPostgresCommand(args: RecordArgs, ctx: CommandContext): Promise<number> {
  if (args.url === undefined) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', 'record postgres needs --url', {
      hint: 'e.g. --url postgres://peakdrill@127.0.0.1:5432/peakdrill with PGPASSWORD in the environment',
    });
  }
  let url: URL;
  try {
    url = new URL(args.url);
  } catch {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `--url "${args.url}" is not a postgres:// URL`);
  }
  if (url.password !== '') {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      '--url carries a password; peakdrill takes secrets from the environment only',
      {
        hint: 'drop it from the URL and export PGPASSWORD',
      },
    );
  }
  const out = resolve(ctx.cwd, args.out);
  checkOutputFile(out, '--out');
  const masker = Masker.fromEnv(ctx.env);
  const target = await resolveTarget(args.target, ctx.cwd);
  const decoder = target.rowDecoder?.();
  if (decoder === undefined) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', `target ${target.name} says nothing about its tables`, {
      hint: 'record postgres needs a target with a row decoder (reference-store has one)',
    });
  }
  const wanted = args.tables === undefined ? undefined : list(args.tables, '--tables');
  const unknown = wanted?.filter((t) => !decoder.tables.includes(t)) ?? [];
  if (unknown.length > 0) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      `--tables ${unknown.join(', ')}: not tables ${target.name} keeps business events in`,
      {
        hint: `choose among ${decoder.tables.join(', ')}`,
      },
    );
  }
  return untilSignal(async (signal) => {
    const result = await recordPostgres({
      connection: {
        host: url.hostname,
        port: Number(url.port || 5432),
        user: decodeURIComponent(url.username || 'postgres'),
        database: decodeURIComponent(url.pathname.slice(1) || url.username || 'postgres'),
        ...(ctx.env.PGPASSWORD ? { password: ctx.env.PGPASSWORD } : {}),
        connectionTimeoutMillis: 5_000,
      },
      decoder: wanted === undefined ? decoder : { tables: wanted, decode: (tx) => decoder.decode(tx) },
      masker,
      out,
      ...(args.for === undefined ? {} : { forMs: parseDurationMs(args.for) }),
      signal: signal,
      onReady: () =>
        ctx.stderr.write(
          `record: capturing ${url.host}${url.pathname}; ${args.for ? `stops after ${args.for}` : 'Ctrl-C stops'}\n`,
        ),
    });
    const c = result.counts;
    if (args.json) printJson(ctx, { out, ...c, interrupted: result.interrupted ?? null });
    else
      ctx.stdout.write(
        `recorded ${c.recorded} rows to ${out}: ${c.decoded} events, ${c.raw} kept raw, ${c.missed} missed\n`,
      );
    if (result.interrupted) {
      ctx.stderr.write(`record: ${result.interrupted}; the recording holds what came before\n`);
      return 2;
    }
    return EXIT_OK;
  });
}

/** Runs `fn` with a signal that SIGINT or SIGTERM aborts: a capture ends and still writes what it read. */
async function untilSignal<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(abort.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
