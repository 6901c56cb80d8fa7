import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunClock } from '../history/run-clock.ts';
import {
  type CompletionEntry,
  type DropEntry,
  type HistoryEntry,
  historyEntrySchema,
  type InvokeEntry,
} from '../model/history-entry.ts';
import type { PlannedOp } from '../model/planned-op.ts';
import { HttpClient } from './http-client.ts';
import {
  type CallbackClient,
  type Client,
  type ClientOp,
  type Completion,
  OpenModelScheduler,
  type OpenModelSchedulerOptions,
} from './open-model-scheduler.ts';

type EntryOf<T extends HistoryEntry['type']> = T extends CompletionEntry['type']
  ? CompletionEntry
  : Extract<HistoryEntry, { type: T }>;

class MemoryHistory {
  readonly entries: HistoryEntry[] = [];
  append(entry: HistoryEntry): void {
    this.entries.push(structuredClone(entry));
  }
  of<T extends HistoryEntry['type']>(type: T): EntryOf<T>[] {
    return this.entries.filter((e) => e.type === type) as EntryOf<T>[];
  }
  completions(): CompletionEntry[] {
    return this.entries.filter(
      (e) => e.type === 'ok' || e.type === 'fail' || e.type === 'info',
    ) as CompletionEntry[];
  }
}

/** Answers each op with what `behave` returns; records what it was asked (the op object is reused). */
class FakeClient implements Client {
  readonly calls: { id: string; process: string | number; f: string; value: unknown }[] = [];
  opened = false;
  closed = false;
  private readonly behave: (op: ClientOp) => Promise<Completion>;
  constructor(behave: (op: ClientOp) => Promise<Completion>) {
    this.behave = behave;
  }
  async open(): Promise<void> {
    this.opened = true;
  }
  invoke(op: ClientOp): Promise<Completion> {
    this.calls.push({ id: op.id, process: op.process, f: op.f, value: op.value });
    return this.behave(op);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const resolveAfter = <T>(ms: number, value: T): Promise<T> =>
  new Promise((r) => setTimeout(() => r(value), ms));
const never = (): Promise<Completion> => new Promise(() => {});
const ok: Completion = { type: 'ok', value: { done: true } };

function plan(
  count: number,
  everyMs: number,
  make: (i: number) => Partial<PlannedOp> = () => ({}),
): PlannedOp[] {
  return Array.from({ length: count }, (_, i) => ({
    atMs: i * everyMs,
    f: 'checkout',
    process: `pos-${i % 4}`,
    value: { i },
    ...make(i),
  }));
}

function scheduler(client: Client, history: MemoryHistory, options: Partial<OpenModelSchedulerOptions> = {}) {
  return new OpenModelScheduler(client, {
    runId: 'run1',
    shard: { index: 0, count: 1 },
    clock: new RunClock(),
    history,
    timeoutMs: 2_000,
    ...options,
  });
}

describe('OpenModelScheduler with a fake client', () => {
  it('journals invoke then completion for every op, with unique ids and latency from the scheduled time', async () => {
    const history = new MemoryHistory();
    const client = new FakeClient((op) =>
      resolveAfter(5, { type: (op.value as { i: number }).i % 3 === 0 ? 'fail' : 'ok' }),
    );
    const stats = await scheduler(client, history).run(plan(30, 2));
    expect(client.opened && client.closed).toBe(true);
    const invokes = history.of('invoke');
    expect(invokes.map((e) => e.op)).toEqual(Array.from({ length: 30 }, (_, i) => `run1:0:${i}`));
    expect(stats).toMatchObject({ sent: 30, ok: 20, fail: 10, info: 0, dropped: 0, aborted: false });
    for (const done of history.completions()) {
      const inv = invokes.find((e) => e.op === done.op)!;
      expect(history.entries.indexOf(inv)).toBeLessThan(history.entries.indexOf(done));
      expect(done.latencyMs * 1e6).toBeGreaterThanOrEqual(done.completedNs - inv.scheduledNs - 1_000);
      expect(done.latencyMs).toBeGreaterThanOrEqual(4);
    }
    expect(stats.latencyP50Ms).toBeGreaterThanOrEqual(4);
  });

  it('sends on schedule while earlier ops are still out (open model)', async () => {
    const history = new MemoryHistory();
    const client = new FakeClient(() => resolveAfter(150, ok));
    const stats = await scheduler(client, history).run(plan(20, 10));
    const invokes = history.of('invoke');
    // The 150 ms responses overlap ~15 ops deep; no send waited for one (bounds leave room for a busy CI box).
    expect(stats.maxInFlight).toBeGreaterThanOrEqual(12);
    for (const inv of invokes) expect(inv.latenessMs).toBeLessThan(100);
    expect(invokes[19]!.scheduledNs - invokes[0]!.scheduledNs).toBe(190_000_000);
  });

  it('applies speed to the plan times', async () => {
    const history = new MemoryHistory();
    await scheduler(new FakeClient(() => Promise.resolve(ok)), history, { speed: 4 }).run(plan(3, 100));
    const [a, b, c] = history.of('invoke');
    expect([b!.scheduledNs - a!.scheduledNs, c!.scheduledNs - a!.scheduledNs]).toEqual([
      25_000_000, 50_000_000,
    ]);
  });

  it('records a timed-out op as info and continues its device as a new process', async () => {
    const history = new MemoryHistory();
    const client = new FakeClient((op) => (op.f === 'hang' ? resolveAfter(300, ok) : Promise.resolve(ok)));
    const stats = await scheduler(client, history, { timeoutMs: 80 }).run([
      { atMs: 0, f: 'hang', process: 'pos-1', value: null },
      { atMs: 5, f: 'checkout', process: 'pos-2', value: null },
      { atMs: 150, f: 'checkout', process: 'pos-1', value: null },
      { atMs: 160, f: 'hang', process: 'pos-1', value: null },
      { atMs: 400, f: 'checkout', process: 'pos-1', value: null },
    ]);
    expect(history.of('invoke').map((e) => e.process)).toEqual([
      'pos-1',
      'pos-2',
      'pos-1#1',
      'pos-1#1',
      'pos-1#2',
    ]);
    const infos = history.of('info');
    expect(infos.map((e) => [e.op, e.process, e.error?.code])).toEqual([
      ['run1:0:0', 'pos-1', 'timeout'],
      ['run1:0:3', 'pos-1#1', 'timeout'],
    ]);
    expect(infos[0]!.latencyMs).toBeGreaterThanOrEqual(80);
    // The late answers at 300 ms and 460 ms add nothing: an op completes exactly once.
    expect(history.completions()).toHaveLength(5);
    expect(stats).toMatchObject({ sent: 5, ok: 3, info: 2, timedOut: 2 });
  });

  it('drops ops over the in-flight cap into the history, counting timed-out ops the client still holds', async () => {
    const history = new MemoryHistory();
    const client = new FakeClient((op) => (op.f === 'hang' ? resolveAfter(300, ok) : Promise.resolve(ok)));
    const stats = await scheduler(client, history, { maxInFlight: 1, timeoutMs: 50 }).run([
      { atMs: 0, f: 'hang', process: 'a', value: null },
      { atMs: 100, f: 'checkout', process: 'b', value: null },
      { atMs: 400, f: 'checkout', process: 'b', value: null },
    ]);
    const drops = history.of('drop') as DropEntry[];
    expect(drops.map((d) => [d.op, d.process, d.reason])).toEqual([['run1:0:1', 'b', 'max-in-flight']]);
    expect(history.of('invoke').map((e) => e.op)).toEqual(['run1:0:0', 'run1:0:2']);
    expect(stats).toMatchObject({ sent: 2, dropped: 1, info: 1, ok: 1, maxInFlight: 1 });
  });

  it('on abort stops sending, gives in-flight ops the grace period, then records them as info', async () => {
    const history = new MemoryHistory();
    const controller = new AbortController();
    const client = new FakeClient((op) =>
      (op.value as { i: number }).i === 3 ? never() : resolveAfter(10, ok),
    );
    const clock = new RunClock();
    setTimeout(() => controller.abort(), 120);
    const started = performance.now();
    const stats = await scheduler(client, history, { clock, signal: controller.signal, graceMs: 100 }).run(
      plan(100, 20),
    );
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThan(200);
    expect(elapsed).toBeLessThan(1_000);
    expect(stats.aborted).toBe(true);
    expect(stats.sent).toBeGreaterThanOrEqual(5);
    expect(stats.sent).toBeLessThanOrEqual(15);
    const aborted = history.of('info');
    expect(aborted.map((e) => [e.op, e.error?.code])).toEqual([['run1:0:3', 'aborted']]);
    expect(client.closed).toBe(true);
  });

  it('refuses an unsorted plan before sending anything', async () => {
    const client = new FakeClient(() => Promise.resolve(ok));
    const bad = [
      { atMs: 10, f: 'a', process: 1, value: null },
      { atMs: 5, f: 'a', process: 1, value: null },
    ];
    await expect(scheduler(client, new MemoryHistory()).run(bad)).rejects.toThrow(
      /plan op 1 is at 5 ms, before/,
    );
    expect(client.opened).toBe(false);
    // A lazy plan is checked as it goes: what was sent is drained, then run() rejects.
    const history = new MemoryHistory();
    await expect(scheduler(client, history).run(bad.values())).rejects.toThrow(/plans must be sorted/);
    expect(history.of('invoke')).toHaveLength(1);
    expect(history.completions()).toHaveLength(1);
  });

  it('a plan iterator that throws ends the run through run(), after draining what was sent', async () => {
    const history = new MemoryHistory();
    function* broken(): Generator<PlannedOp> {
      yield { atMs: 0, f: 'a', process: 1, value: null };
      yield { atMs: 5, f: 'a', process: 1, value: null };
      throw new Error('recording ended mid-line');
    }
    const client = new FakeClient(() => resolveAfter(20, ok));
    await expect(scheduler(client, history).run(broken())).rejects.toThrow('recording ended mid-line');
    expect(history.of('invoke')).toHaveLength(2);
    expect(history.of('ok')).toHaveLength(2);
  });

  it('treats a client that throws or answers nonsense as info, not as a failure', async () => {
    const history = new MemoryHistory();
    const client = new FakeClient((op) => {
      if (op.f === 'throw') throw new Error('sync boom');
      if (op.f === 'reject') return Promise.reject(Object.assign(new Error('async boom'), { code: 'EBOOM' }));
      return Promise.resolve({ type: 'maybe' } as unknown as Completion);
    });
    await scheduler(client, history).run([
      { atMs: 0, f: 'throw', process: 1, value: null },
      { atMs: 0, f: 'reject', process: 2, value: null },
      { atMs: 0, f: 'nonsense', process: 3, value: null },
    ]);
    expect(history.completions().map((e) => [e.type, e.error?.code])).toEqual([
      ['info', 'client-error'],
      ['info', 'EBOOM'],
      ['info', 'bad-completion'],
    ]);
  });

  it('stops and rejects when the history cannot be written', async () => {
    const client = new FakeClient(() => resolveAfter(5, ok));
    let appended = 0;
    const broken = {
      append(): void {
        if (++appended > 3) throw new Error('disk full');
      },
    };
    const s = new OpenModelScheduler(client, {
      runId: 'r',
      clock: new RunClock(),
      history: broken,
      graceMs: 50,
    });
    await expect(s.run(plan(50, 1))).rejects.toThrow('disk full');
    expect(client.calls.length).toBeLessThanOrEqual(3);
  });
});

// ---------------------------------------------------------------------------------------------
// Against a real HTTP server on 127.0.0.1

interface TestServer {
  readonly url: string;
  /** Run-clock time each op id arrived at the server. */
  readonly arrivals: Map<string, number>;
  close(): Promise<void>;
}

/**
 * /ok answers at once; /stall freezes every response for 500 ms from its arrival (a GC
 * pause, a lock); /hang never answers. Responses due during a freeze wait for its end.
 */
async function startServer(clock: RunClock): Promise<TestServer> {
  const arrivals = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let frozenUntilNs = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const now = clock.nowNs();
    arrivals.set(String(req.headers['x-peakdrill-op']), now);
    req.resume();
    if (req.url === '/hang') return;
    if (req.url === '/stall') frozenUntilNs = now + 500_000_000;
    const answer = (): void => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url }));
    };
    const waitNs = frozenUntilNs - now;
    if (waitNs <= 0) return answer();
    const t = setTimeout(() => {
      timers.delete(t);
      answer();
    }, waitNs / 1e6);
    timers.add(t);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('OpenModelScheduler against a local HTTP server', () => {
  it('keeps sending on schedule through a 500 ms server stall, and latency from schedule shows the stall', async () => {
    const clock = new RunClock();
    const server = await startServer(clock);
    try {
      const history = new MemoryHistory();
      const client = new HttpClient({ baseUrl: server.url, connections: 64 });
      const ops = plan(45, 20, (i) => ({
        value: { method: 'POST', path: i === 10 ? '/stall' : '/ok', body: { i } },
      }));
      const stats = await scheduler(client, history, { clock }).run(ops);
      expect(stats).toMatchObject({ sent: 45, ok: 45, info: 0, dropped: 0 });

      const invokes = history.of('invoke') as InvokeEntry[];
      for (const inv of invokes) {
        // Sent on time, and arrived on time: nothing waited for the frozen responses.
        // A closed model would hold ops scheduled in the stall for up to 500 ms.
        expect(inv.latenessMs).toBeLessThan(150);
        expect((server.arrivals.get(inv.op)! - inv.scheduledNs) / 1e6).toBeLessThan(150);
      }
      const latency = new Map(history.completions().map((c) => [c.op, c.latencyMs]));
      // Scheduled at 200 ms (the stall) and at 400 ms (inside it): both answered at ~700 ms.
      expect(latency.get('run1:0:10')).toBeGreaterThanOrEqual(490);
      expect(latency.get('run1:0:20')).toBeGreaterThanOrEqual(290);
      expect(latency.get('run1:0:40')).toBeLessThan(250);
      expect(stats.latencyMaxMs).toBeGreaterThanOrEqual(490);
      expect(stats.latencyP50Ms).toBeLessThan(250);
    } finally {
      await server.close();
    }
  });

  it('records a request that outlives its timeout as info and renames the device', async () => {
    const clock = new RunClock();
    const server = await startServer(clock);
    try {
      const history = new MemoryHistory();
      const client = new HttpClient({ baseUrl: server.url });
      const stats = await scheduler(client, history, { clock, timeoutMs: 150 }).run([
        { atMs: 0, f: 'checkout', process: 'pos-1', value: { path: '/hang' } },
        { atMs: 300, f: 'checkout', process: 'pos-1', value: { path: '/ok' } },
      ]);
      const [first, second] = history.completions();
      expect(first).toMatchObject({ type: 'info', process: 'pos-1' });
      expect(['timeout', 'UND_ERR_HEADERS_TIMEOUT']).toContain(first!.error?.code);
      expect(second).toMatchObject({ type: 'ok', process: 'pos-1#1', value: { status: 200 } });
      expect(stats).toMatchObject({ ok: 1, info: 1 });
    } finally {
      await server.close();
    }
  });

  it('on abort waits the grace period for a hung request, then marks it info and closes the pool', async () => {
    const clock = new RunClock();
    const server = await startServer(clock);
    try {
      const history = new MemoryHistory();
      const controller = new AbortController();
      const ops = plan(100, 10, (i) => ({ value: { path: i === 2 ? '/hang' : '/ok' } }));
      setTimeout(() => controller.abort(), 100);
      const s = scheduler(new HttpClient({ baseUrl: server.url }), history, {
        clock,
        signal: controller.signal,
        graceMs: 100,
      });
      const stats = await s.run(ops);
      expect(stats.aborted).toBe(true);
      expect(stats.sent).toBeLessThan(40);
      expect(history.of('info').map((e) => [e.op, e.error?.code])).toEqual([['run1:0:2', 'aborted']]);
      const lastSent = Math.max(...history.of('invoke').map((e) => e.scheduledNs));
      expect(lastSent / 1e6).toBeLessThan(400);
    } finally {
      await server.close();
    }
  });
});

/** Takes the hand-written lines the scheduler writes to a HistoryWriter, and checks each one. */
class LineHistory extends MemoryHistory {
  readonly lines: string[] = [];
  appendLine(line: string): void {
    this.lines.push(line);
    const entry = historyEntrySchema.parse(JSON.parse(line));
    // Exactly the bytes JSON.stringify writes for the entry: same keys, same order, same escapes.
    expect(line).toBe(JSON.stringify(JSON.parse(line)));
    const order =
      entry.type === 'invoke'
        ? ['type', 'op', 'process', 'f', 'value', 'scheduledNs', 'sentNs', 'latenessMs', 'wallTime']
        : ['type', 'op', 'process', 'f', 'value', 'completedNs', 'latencyMs', 'error'];
    const keys = Object.keys(JSON.parse(line));
    expect(keys).toEqual(order.filter((k) => keys.includes(k)));
    this.append(entry);
  }
}

describe('OpenModelScheduler writing lines', () => {
  it('writes each invoke and completion exactly as JSON.stringify would write the entry', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            process: fc.oneof(
              fc.string({ unit: 'grapheme', maxLength: 8 }),
              fc.integer(),
              fc.double({ noNaN: true, noDefaultInfinity: true }),
            ),
            f: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
            value: fc.option(fc.jsonValue(), { nil: undefined }),
            answer: fc.option(fc.jsonValue(), { nil: undefined }),
            type: fc.constantFrom('ok' as const, 'fail' as const, 'info' as const),
            message: fc.string({ unit: 'grapheme', maxLength: 8 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        fc.boolean(),
        async (ops, wallTime) => {
          const history = new LineHistory();
          const client = new FakeClient((op) => {
            const o = ops[(op.value as { i: number }).i]!;
            return Promise.resolve(
              o.type === 'ok'
                ? { type: 'ok', value: o.answer }
                : { type: o.type, value: o.answer, error: { code: `x-${o.type}`, message: o.message } },
            );
          });
          await scheduler(client, history, { runId: 'r"1\\é', wallTime }).run(
            ops.map((o, i) => ({ atMs: 0, process: o.process, f: o.f, value: { i, v: o.value } })),
          );
          expect(history.lines).toHaveLength(2 * ops.length);
          const invokes = history.of('invoke');
          expect(invokes.map((e) => e.value)).toEqual(
            ops.map((o, i) => JSON.parse(JSON.stringify({ i, v: o.value }))),
          );
          expect(invokes[0]!.op).toBe('r"1\\é:0:0');
          expect(invokes.every((e) => (e.wallTime !== undefined) === wallTime)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a value that is not JSON without sending the op', async () => {
    const history = new LineHistory();
    const client = new FakeClient(() => Promise.resolve(ok));
    const run = scheduler(client, history).run([{ atMs: 0, f: 'checkout', process: 1, value: { n: 1n } }]);
    await expect(run).rejects.toThrow(/op run1:0:0 is not JSON/);
    expect(client.calls).toHaveLength(0);
  });

  it('takes outcomes through the callback of a client that offers one', async () => {
    const history = new LineHistory();
    let started = 0;
    const client: CallbackClient = {
      open: async () => {},
      close: async () => {},
      invoke: () => Promise.reject(new Error('not used when start() is there')),
      start(op, callback) {
        started++;
        const answer: Completion = { type: 'ok', value: { id: op.id } };
        setTimeout(() => callback.done(answer), 2);
      },
    };
    const stats = await scheduler(client, history).run(plan(20, 1));
    expect(started).toBe(20);
    expect(stats).toMatchObject({ sent: 20, ok: 20 });
    expect(history.of('ok').map((e) => (e.value as { id: string }).id)).toEqual(
      history.of('ok').map((e) => e.op),
    );
  });
});
