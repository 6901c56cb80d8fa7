// Hand-made histories written to disk for report tests: ops, faults, probes and
// the end placed at millisecond times in any order, then sorted into the time
// order a run appends them in and written with the real HistoryWriter.
import { HistoryWriter } from '../../history/history-writer.ts';
import { entryTimeNs, type HistoryEntry, type Shard } from '../../model/history-entry.ts';

const MS = 1_000_000;

export interface OpSpec {
  /** Invoke time, ms. */
  readonly at: number;
  /** ms from invoke to completion (default 5). */
  readonly took?: number;
  readonly outcome?: 'ok' | 'fail' | 'info' | 'pending';
  readonly value?: unknown;
  readonly result?: unknown;
  readonly code?: string;
}

export class HistoryFile {
  readonly runId: string;
  private readonly shard: Shard | undefined;
  private readonly entries: HistoryEntry[] = [];
  private seq = 0;

  constructor(runId = 'run-1', shard?: Shard) {
    this.runId = runId;
    this.shard = shard;
  }

  op(f: string, spec: OpSpec): string {
    const op = `${this.runId}:${this.shard === undefined ? '' : `${this.shard.index}:`}${++this.seq}`;
    const at = Math.round(spec.at * MS);
    const process = `p${this.seq % 7}`;
    this.entries.push({
      type: 'invoke',
      op,
      process,
      f,
      ...(spec.value === undefined ? {} : { value: spec.value }),
      scheduledNs: at,
      sentNs: at,
      latenessMs: 0,
    });
    const outcome = spec.outcome ?? 'ok';
    if (outcome === 'pending') return op;
    const took = spec.took ?? 5;
    this.entries.push({
      type: outcome,
      op,
      process,
      f,
      ...(spec.result === undefined ? {} : { value: spec.result }),
      completedNs: at + Math.round(took * MS),
      latencyMs: took,
      ...(spec.code === undefined ? {} : { error: { code: spec.code, message: `store said ${spec.code}` } }),
    });
    return op;
  }

  fault(
    name: string,
    kind: string,
    startMs: number,
    stopMs?: number,
    target = 'a',
    outcome?: Record<string, number>,
  ): this {
    this.entries.push({
      type: 'fault',
      phase: 'start',
      fault: name,
      target,
      params: { kind },
      atNs: startMs * MS,
    });
    if (stopMs !== undefined)
      this.entries.push({
        type: 'fault',
        phase: 'stop',
        fault: name,
        target,
        atNs: stopMs * MS,
        ...(outcome === undefined ? {} : { outcome }),
      });
    return this;
  }

  probe(
    probe: string,
    atMs: number,
    ok: boolean,
    fields: { region?: string; value?: unknown; latencyMs?: number } = {},
  ): this {
    this.entries.push({
      type: 'probe',
      probe,
      ok,
      latencyMs: fields.latencyMs ?? 3,
      atNs: Math.round(atMs * MS),
      ...(fields.region === undefined ? {} : { region: fields.region }),
      ...(fields.value === undefined ? {} : { value: fields.value }),
    });
    return this;
  }

  drop(f: string, atMs: number): this {
    const op = `${this.runId}:${this.shard === undefined ? '' : `${this.shard.index}:`}${++this.seq}`;
    const atNs = Math.round(atMs * MS);
    this.entries.push({
      type: 'drop',
      op,
      process: 'p',
      f,
      scheduledNs: atNs,
      atNs,
      reason: 'max-in-flight',
    });
    return this;
  }

  end(atMs: number, status: 'completed' | 'aborted' | 'error' = 'completed', reason?: string): this {
    this.entries.push({
      type: 'end',
      status,
      atNs: atMs * MS,
      ...(reason === undefined ? {} : { reason }),
    });
    return this;
  }

  /** Writes the header and every entry in time order (stable: equal times keep insertion order). */
  async write(path: string, startedAt = '2025-11-21T17:00:00.000Z', t0 = '1000'): Promise<string> {
    const writer = await HistoryWriter.open(path);
    writer.append({
      type: 'run',
      version: 1,
      runId: this.runId,
      startedAt,
      t0,
      ...(this.shard === undefined ? {} : { shard: this.shard }),
    });
    // The end entry is the last line, as a real writer leaves it (anything after it is
    // damage), and no earlier than what precedes it: the writer's clock only moves on.
    const sorted = this.entries
      .filter((e) => e.type !== 'end')
      .map((e, i) => ({ e, i, t: entryTimeNs(e) }))
      .sort((a, b) => a.t - b.t || a.i - b.i);
    for (const { e } of sorted) writer.append(e);
    const lastNs = sorted.at(-1)?.t ?? 0;
    for (const e of this.entries) {
      if (e.type === 'end') writer.append({ ...e, atNs: Math.max(e.atNs, lastNs) });
    }
    await writer.close();
    return path;
  }
}
