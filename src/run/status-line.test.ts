import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatStatus, StatusLine } from './status-line.ts';

const figures = {
  phase: 'running' as const,
  elapsedMs: 83_400,
  opsPerSecond: 812.4,
  completions: 4_000,
  errors: 3,
  activeFaults: ['lose-region-a'],
};

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const out = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
    { isTTY, columns: 200 },
  );
  return { out, chunks };
}

describe('the live status line', () => {
  it('shows phase, elapsed time, ops/s, errors and active faults', () => {
    expect(formatStatus(figures)).toMatch(
      /^running\s+01:23\s+812 ops\/s\s+4000 ops\s+3 errors\s+faults: lose-region-a$/,
    );
    expect(formatStatus({ ...figures, activeFaults: [] })).toMatch(/faults: none$/);
  });

  it('rewrites one line in place on a terminal', () => {
    const { out, chunks } = sink(true);
    const line = new StatusLine(out);
    line.update(figures);
    line.update({ ...figures, elapsedMs: 84_000 });
    line.finish();
    expect(chunks.slice(0, 2).every((c) => c.startsWith('\r\x1b[2K'))).toBe(true);
    expect(chunks.at(-1)).toBe('\n');
  });

  it('prints only phase changes on a pipe, one line each', () => {
    const { out, chunks } = sink(false);
    const line = new StatusLine(out);
    line.update(figures);
    line.update({ ...figures, elapsedMs: 90_000 });
    line.update({ ...figures, phase: 'healing' });
    line.finish();
    expect(chunks).toHaveLength(2);
    expect(chunks.every((c) => c.endsWith('\n') && !c.includes('\r'))).toBe(true);
  });
});
