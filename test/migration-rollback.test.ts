// The rollback drill end to end on the local stack's migration topology: blue
// hands writes to green, green trades, then writes go back to blue. Every sale
// either side acknowledged must be on blue at the end (lost-acks judges blue, the
// writer at the end), both moves must be back within 60 s, and the verdict must
// carry the playbook's rollback decision. The report draws both moves' phases.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../src/verdict/verdict-schema.ts';
import { peakdrill } from './support/cli.ts';

const out = mkdtempSync(join(tmpdir(), 'peakdrill-migration-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('migration rollback drill', () => {
  it('hands writes to green and back to blue, and blue holds every sale either took', {
    timeout: 240_000,
  }, async () => {
    const done = await peakdrill(['run', 'migration-rollback', '--out', out, '--run-id', 'rollback']).done;
    const dir = join(out, 'rollback');
    const verdict = JSON.parse(readFileSync(join(dir, 'verdict.json'), 'utf8')) as Verdict;
    const checker = (name: string) => verdict.checkers.find((c) => c.name === name)!;
    expect(done.code, `${verdict.summary}\n${done.stderr.slice(-2_000)}`).toBe(0);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
      authoritativeRegion: string;
    };
    expect(state.authoritativeRegion).toBe('a');
    expect(checker('lost-acks').figures).toMatchObject({ lostAcks: 0 });
    expect(checker('lost-acks').figures.acknowledgedOps).toBeGreaterThan(500);
    // Both moves queued webhooks during their freezes; none was lost on the way back.
    expect(checker('webhook-replay').figures.lostQueuedWebhooks).toBe(0);
    expect(checker('rto').figures['rtoMs{rollback-to-blue}']).toBeLessThan(60_000);
    expect(verdict.rollback?.rollBack).toBe(false);
    // Green's orders (made while it took writes) reached blue through the fallback CDC.
    const history = readFileSync(join(dir, 'history.ndjson'), 'utf8');
    const stops = history.split('\n').filter((l) => l.includes('"phase":"stop"'));
    expect(stops).toHaveLength(2);
    for (const stop of stops) expect(stop).toContain('"promotedAtMs"');
    // The cutover held checkouts instead of refusing them: some were answered only after green took over.
    const held = history
      .split('\n')
      .filter((l) => l.startsWith('{"type":"ok"') && l.includes('"f":"checkout"'))
      .map((l) => (JSON.parse(l) as { latencyMs: number }).latencyMs)
      .filter((ms) => ms >= 1_500);
    expect(held.length).toBeGreaterThan(0);
    const report = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(report.match(/class="phases"/g)).toHaveLength(2);
    expect(report).toContain('roll back: no, because');
  });
});
