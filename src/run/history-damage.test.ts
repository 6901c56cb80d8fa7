// Issue 16 item 4: a history with anything after its `end` line, or a torn line
// anywhere, is judged `error`, naming the file and the line; never `pass`, and
// never an exception instead of a verdict. Hand-written histories, judged the way
// `peakdrill check` judges them (indexRunHistories → runOutcome → buildVerdict).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkoutOk, checkoutValue, HistoryFixture } from '../checkers/testing/history-fixture.ts';
import type { HistoryEntry } from '../model/history-entry.ts';
import { buildVerdict, runOutcome } from '../verdict/verdict.ts';
import { indexRunHistories } from './check-run.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-damage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A finished three-op history: header, 6 op lines, end (8 lines). */
function finished(runId = 'test'): string[] {
  const h = new HistoryFixture();
  h.op('checkout', checkoutValue('k1', [{ sku: 'A', qty: 1 }]), { at: 0, ok: checkoutOk('o1') });
  h.op('checkout', checkoutValue('k2', [{ sku: 'A', qty: 1 }]), { at: 5, ok: checkoutOk('o2') });
  h.op('checkout', checkoutValue('k3', [{ sku: 'A', qty: 1 }]), { at: 9, fail: { reason: 'no' } });
  h.end();
  return h.list().map((e) => JSON.stringify(renamed(e, runId)));
}

function renamed(e: HistoryEntry, runId: string): HistoryEntry {
  if (e.type === 'run') return { ...e, runId };
  if ('op' in e) return { ...e, op: e.op.replace(/^test:/, `${runId}:`) };
  return e;
}

function file(text: string): string {
  const path = join(dir, `history-${n++}.ndjson`);
  writeFileSync(path, text);
  return path;
}

async function judge(...paths: string[]) {
  const index = await indexRunHistories(paths);
  const verdict = buildVerdict({
    scenario: 's',
    seed: 1,
    versions: {},
    results: [],
    assertions: {},
    run: runOutcome(index),
  });
  return { index, verdict };
}

describe('a damaged history is judged error, naming file and line', () => {
  it('a sound history passes (the baseline the others differ from)', async () => {
    const { index, verdict } = await judge(file(`${finished().join('\n')}\n`));
    expect(index.damage).toBeUndefined();
    expect(verdict.status).toBe('pass');
  });

  it('an op after the end line', async () => {
    const lines = finished();
    const late = lines[1]!.replace('"op":"test:1"', '"op":"test:99"');
    const path = file(`${[...lines, late].join('\n')}\n`);
    const { index, verdict } = await judge(path);
    expect(index.damage).toMatchObject({ file: path, line: 9, damagedLines: 1 });
    expect(index.damage?.reason).toMatch(/after the end entry \(line 8\)/);
    expect(verdict.status).toBe('error');
    expect(verdict.summary).toContain(`${path}:9`);
    expect(verdict.run.damage).toMatchObject({ file: path, line: 9 });
    // Nothing after the end is indexed.
    expect(index.opCount).toBe(3);
  });

  it('a second end line after the first', async () => {
    const lines = finished();
    const path = file(`${[...lines, lines.at(-1)!].join('\n')}\n`);
    const { verdict } = await judge(path);
    expect(verdict.status).toBe('error');
    expect(verdict.summary).toContain(`${path}:9`);
  });

  it('a torn line in the middle (a writer cut off, then another appended)', async () => {
    const lines = finished();
    lines[3] = lines[3]!.slice(0, 25);
    const path = file(`${lines.join('\n')}\n`);
    const { index, verdict } = await judge(path);
    expect(index.damage).toMatchObject({ file: path, line: 4 });
    expect(index.damage?.reason).toMatch(/not JSON/);
    expect(verdict.status).toBe('error');
    expect(verdict.summary).toContain(`${path}:4 is not JSON`);
  });

  it('two lines run together on one line', async () => {
    const lines = finished();
    const joined = [...lines.slice(0, 2), lines[2]! + lines[3]!, ...lines.slice(4)];
    const path = file(`${joined.join('\n')}\n`);
    const { verdict } = await judge(path);
    expect(verdict.status).toBe('error');
    expect(verdict.summary).toContain(`${path}:3`);
  });

  it('a torn last line (kill -9 mid-write): error, and the reason says torn line at N', async () => {
    const lines = finished().slice(0, 6);
    const path = file(`${lines.slice(0, 5).join('\n')}\n${lines[5]!.slice(0, 30)}`);
    const { index, verdict } = await judge(path);
    expect(index.damage).toMatchObject({ file: path, line: 6 });
    expect(index.damage?.reason).toMatch(/torn/);
    expect(verdict.status).toBe('error');
    expect(verdict.summary).toContain(`${path}:6 is torn`);
    expect(verdict.summary).toContain('no end entry');
  });

  it('a torn line after a completed end', async () => {
    const lines = finished();
    const path = file(`${lines.join('\n')}\n{"type":"invoke","op":"te`);
    const { verdict } = await judge(path);
    expect(verdict.status).toBe('error');
    expect(verdict.summary).toContain(`${path}:9`);
  });

  it('a line that is JSON but not an entry', async () => {
    const lines = finished();
    lines[2] = '{"type":"ok","op":"test:1"}';
    const path = file(`${lines.join('\n')}\n`);
    const { verdict } = await judge(path);
    expect(verdict.status).toBe('error');
    expect(verdict.summary).toContain(`${path}:3 is not a history entry`);
  });

  it('in one of several shard histories (the merged path)', async () => {
    const a = file(`${finished('run:1').join('\n')}\n`);
    const b = finished('run:2');
    const bPath = file(`${[...b, b[1]!.replace('run:2:1"', 'run:2:77"')].join('\n')}\n`);
    const { index, verdict } = await judge(a, bPath);
    expect(index.damage).toMatchObject({ file: bPath, line: 9 });
    expect(verdict.status).toBe('error');
    expect(verdict.summary).toContain(`${bPath}:9`);
  });
});
