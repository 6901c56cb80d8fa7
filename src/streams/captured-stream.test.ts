import { mkdtempSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capturePath, parseCapturedStream, readCapturedStream } from './captured-stream.ts';

const header = { type: 'capture', topic: 't', startedAt: '2026-01-01T00:00:00Z', startOffsets: { 0: '5' } };
const message = (offset: number) => ({
  type: 'message',
  partition: 0,
  offset: String(offset),
  key: 'A',
  timestamp: '1',
  value: '{"ledgerId":1}',
});
const lines = (...xs: unknown[]) => `${xs.map((x) => JSON.stringify(x)).join('\n')}\n`;

describe('captured stream file', () => {
  it('reads header, messages, notes and the end line', () => {
    const s = parseCapturedStream(
      lines(header, message(5), { type: 'note', at: 'x', message: 'fetch failed' }, message(6), {
        type: 'end',
        stoppedAt: '2026-01-01T00:01:00Z',
        positions: { 0: '7' },
        caughtUp: true,
      }),
      'f',
    );
    expect(s.messages.map((m) => m.offset)).toEqual(['5', '6']);
    expect(s.notes).toHaveLength(1);
    expect(s.end?.caughtUp).toBe(true);
    expect(s.unreadableLines).toBe(0);
  });

  it('takes a killed run’s torn last line as the end of a readable prefix, with no end line', () => {
    const text = `${lines(header, message(5))}{"type":"message","partition":0,"off`;
    const s = parseCapturedStream(text, 'f');
    expect(s.messages).toHaveLength(1);
    expect(s.end).toBeUndefined();
    expect(s.unreadableLines).toBe(1);
  });

  it('refuses a file with no capture header, naming the file', () => {
    expect(() => parseCapturedStream(lines(message(1)), 'streams/x.ndjson')).toThrow(/streams\/x.ndjson/);
  });

  it('finds the capture in a run directory, and nothing when the run has none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-capture-'));
    expect(readCapturedStream(dir, 't')).toBeUndefined();
    await mkdir(dirname(capturePath(dir, 't')), { recursive: true });
    writeFileSync(capturePath(dir, 't'), lines(header, message(5)));
    expect(readCapturedStream(dir, 't')?.messages).toHaveLength(1);
  });
});
