import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { PeakdrillError } from '../model/errors.ts';
import { recordingEventArbitrary, recordingHeaderArbitrary, SAMPLE_HEADER } from './recording-arbitraries.ts';
import { openRecording, readRecording } from './recording-reader.ts';
import { writeRecording } from './recording-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;

function file(content: string | Uint8Array, name = `r${++fileCounter}.ndjson`): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const HEADER_LINE = JSON.stringify(SAMPLE_HEADER);
const ORDER = {
  t: 10,
  kind: 'order',
  id: 'ord-1',
  channel: 'web',
  store: 'S000',
  lines: [{ sku: 'SKU-000001', qty: 1, unitPriceCents: 500 }],
  tenders: [{ type: 'card', amountCents: 500 }],
  idempotencyKey: 'k1',
};
const ORDER_LINE = JSON.stringify(ORDER);
/** n order lines with the distinct ids a valid recording has. */
const orderLines = (n: number, from = 1): string[] =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ ...ORDER, id: `ord-${from + i}` }));

async function readError(path: string): Promise<PeakdrillError> {
  try {
    await readRecording(path);
  } catch (error) {
    if (error instanceof PeakdrillError) return error;
    throw error;
  }
  throw new Error('expected a PeakdrillError');
}

describe('recording reader', () => {
  it('reads plain and gzip, telling them apart by magic bytes, not by name', async () => {
    const text = `${HEADER_LINE}\n${ORDER_LINE}\n\n`;
    const gzipNamedPlain = file(gzipSync(text), 'looks-plain.ndjson');
    const plainNamedGz = file(text, 'looks-gzip.ndjson.gz');
    for (const path of [gzipNamedPlain, plainNamedGz]) {
      const { header, events, summary } = await readRecording(path);
      expect(header).toEqual(SAMPLE_HEADER);
      expect(events).toEqual([ORDER]);
      expect(summary).toMatchObject({ lines: 3, events: 1, invalid: 0 });
    }
  });

  it('names the file, the line, the field path and the reason', async () => {
    const bad = JSON.stringify({ ...ORDER, lines: [{ sku: 'SKU-000001', qty: -1, unitPriceCents: 500 }] });
    const path = file(`${HEADER_LINE}\n${ORDER_LINE}\n${bad}\n`);
    const error = await readError(path);
    expect(error.code).toBe('PEAKDRILL_ERR_INVALID_RECORDING');
    expect(error.message).toBe(
      `${path} line 3: order event: lines[0].qty: Too small: expected number to be >0`,
    );
  });

  it('says which kinds exist when the kind is unknown, and quotes bad JSON', async () => {
    expect((await readError(file(`${HEADER_LINE}\n{"kind":"teleport","t":1,"id":"x"}\n`))).message).toMatch(
      /line 2: kind: unknown kind "teleport" \(expected one of order, return, /,
    );
    expect((await readError(file(`${HEADER_LINE}\n{"t":1,\n`))).message).toMatch(
      /line 2: not valid JSON .* near "\{\\"t\\":1,"/,
    );
  });

  it('with skipInvalid counts every bad line and keeps the first N', async () => {
    const [a, b, c] = orderLines(3);
    const lines = [HEADER_LINE, a, 'nope', b, '{}', '[]', c];
    const { events, summary } = await readRecording(file(lines.join('\n')), {
      skipInvalid: true,
      maxProblems: 2,
    });
    expect(events).toHaveLength(3);
    expect(summary.invalid).toBe(3);
    expect(summary.problems.map((p) => p.line)).toEqual([3, 5]);
    expect(summary.problems[0]!.file).toMatch(/\.ndjson$/);
  });

  it('refuses a missing, wrong or newer header on line 1, even with skipInvalid', async () => {
    const cases: [string | Uint8Array, RegExp][] = [
      ['', /line 1: the recording is empty/],
      [`${ORDER_LINE}\n`, /line 1: missing header/],
      [
        `${JSON.stringify({ ...SAMPLE_HEADER, schemaVersion: 2 })}\n`,
        /line 1: schemaVersion 2 is not supported/,
      ],
      [`${JSON.stringify({ ...SAMPLE_HEADER, stores: -1 })}\n`, /line 1: bad header: stores: Too small/],
      [new Uint8Array([0x00, 0xff, 0xfe, 0x10]), /line 1: line is not valid UTF-8/],
    ];
    for (const [content, message] of cases) {
      const path = file(content);
      await expect(readRecording(path, { skipInvalid: true })).rejects.toThrow(message);
    }
  });

  it('reports a truncated gzip as an error on the line where it broke, or as a problem with skipInvalid', async () => {
    const text = `${HEADER_LINE}\n${orderLines(2000).join('\n')}\n`;
    const zipped = gzipSync(text);
    const path = file(zipped.subarray(0, Math.floor(zipped.length * 0.6)));
    const error = await readError(path);
    expect(error.message).toMatch(/line \d+: gzip stream is truncated or corrupt/);
    const { summary } = await readRecording(path, { skipInvalid: true });
    expect(summary.problems.at(-1)!.reason).toMatch(/gzip stream is truncated or corrupt/);
  });

  it('skips a giant line without holding it, and a missing file is a clear error', async () => {
    const path = file(`${HEADER_LINE}\n${'x'.repeat(3 * 1024 * 1024)}\n${ORDER_LINE}\n`);
    const { events, summary } = await readRecording(path, { skipInvalid: true });
    expect(events).toHaveLength(1);
    expect(summary.problems[0]).toMatchObject({ line: 2, reason: 'line is longer than 1048576 bytes' });
    await expect(readRecording(join(dir, 'absent.ndjson'))).rejects.toThrow(
      /cannot read recording .*absent\.ndjson/,
    );
  });

  it('stops reading when the consumer stops', async () => {
    const path = file(`${HEADER_LINE}\n${orderLines(5000).join('\n')}\n`);
    await using stream = await openRecording(path);
    let seen = 0;
    for await (const _ of stream) if (++seen === 3) break;
    expect(seen).toBe(3);
    expect(stream.summary.events).toBe(3);
  });

  it('round-trips whatever the writer writes, plain and gzip', async () => {
    await fc.assert(
      fc.asyncProperty(
        recordingHeaderArbitrary,
        // Ids are unique in a recording: a repeat is refused, so the events to round-trip have none.
        fc.uniqueArray(recordingEventArbitrary, { maxLength: 15, selector: (e) => e.id }),
        fc.boolean(),
        async (header, events, gzip) => {
          const path = join(dir, `rt${++fileCounter}.ndjson${gzip ? '.gz' : ''}`);
          await writeRecording(path, header, events);
          const read = await readRecording(path);
          expect(read.header).toEqual(header);
          expect(read.events).toEqual(events);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('turns any garbage line into a PeakdrillError naming that line, never another error or a hang', async () => {
    const garbage = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }).map((s) => new TextEncoder().encode(s)),
      fc.uint8Array({ maxLength: 200 }),
      fc.json().map((s) => new TextEncoder().encode(s)),
      fc.anything().map((v) => new TextEncoder().encode(JSON.stringify({ ...ORDER, lines: v }) ?? 'x')),
    );
    await fc.assert(
      fc.asyncProperty(garbage, fc.integer({ min: 0, max: 3 }), async (junk, validBefore) => {
        const clean = junk.filter((b) => b !== 0x0a && b !== 0x0d);
        const before = orderLines(validBefore, 2)
          .map((l) => `${l}\n`)
          .join('');
        const path = file(
          Buffer.concat([Buffer.from(`${HEADER_LINE}\n${before}`), clean, Buffer.from(`\n${ORDER_LINE}\n`)]),
        );
        const line = 2 + validBefore;
        try {
          const { events } = await readRecording(path);
          // Only a blank line (or, vanishingly rarely, a valid event) gets through.
          expect(events.length).toBeGreaterThanOrEqual(validBefore + 1);
        } catch (error) {
          expect(error).toBeInstanceOf(PeakdrillError);
          expect((error as Error).message).toContain(`line ${line}:`);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('turns any file of junk, raw or gzipped, into a PeakdrillError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (junk, zip) => {
        const content = zip ? gzipSync(junk).subarray(0, 10 + (junk.length % 20)) : junk;
        await expect(readRecording(file(content))).rejects.toBeInstanceOf(PeakdrillError);
      }),
      { numRuns: 100 },
    );
  });

  describe('hardening (issue 15)', () => {
    /** Fails instead of hanging: the reads below used to run for seconds or forever. */
    async function readErrorWithin(path: string, ms: number): Promise<PeakdrillError> {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading ${path} took over ${ms} ms`)), ms);
      });
      try {
        return await Promise.race([readError(path), timeout]);
      } finally {
        clearTimeout(timer);
      }
    }

    it('refuses a directory, a character device and a FIFO at once, saying what it is', async () => {
      const fifo = join(dir, 'pipe');
      execFileSync('mkfifo', [fifo]);
      const cases: [string, RegExp][] = [
        [dir, /it is a directory, not a file/],
        ['/dev/zero', /it is a character device, not a file/],
        [fifo, /it is a FIFO \(named pipe\), not a file/],
      ];
      for (const [path, message] of cases) {
        const error = await readErrorWithin(path, 2_000);
        expect(error.message).toMatch(message);
        expect(error.message).toContain(path);
        expect(error.hint).toMatch(/pass a recording file/);
      }
    });

    it('refuses a 2 GB line 1 after reading the limit, naming file, line and limit', async () => {
      // Sparse: 2 GB of zeros on disk costs nothing, but reading it whole took 4–8 s.
      const path = join(dir, 'sparse.ndjson');
      const fd = openSync(path, 'w');
      writeSync(fd, Buffer.from([0x20]), 0, 1, 2 * 1024 ** 3 - 1);
      closeSync(fd);
      const started = performance.now();
      const error = await readErrorWithin(path, 3_000);
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(error.message).toBe(
        `${path} line 1: line is longer than 1048576 bytes (a recording line holds one event; the limit is 1 MiB); line 1 must be the header`,
      );
      expect(error.hint).toMatch(/--skip-invalid never skips the header/);
    });

    it('refuses an oversized event line without reading to its end, with the limit and a fix', async () => {
      const path = join(dir, 'long-event.ndjson');
      writeFileSync(path, `${HEADER_LINE}\n${ORDER_LINE}\n${'x'.repeat(50 * 1024 * 1024)}`);
      const started = performance.now();
      const error = await readErrorWithin(path, 3_000);
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(error.message).toMatch(
        /long-event\.ndjson line 3: line is longer than 1048576 bytes .*limit is 1 MiB/,
      );
      expect(error.hint).toMatch(/--skip-invalid/);
    });

    it('refuses a repeated event id, naming the line of the repeat and of the first', async () => {
      const [a, b] = orderLines(2);
      const path = file([HEADER_LINE, a, b, a].join('\n'));
      const error = await readError(path);
      expect(error.message).toBe(
        `${path} line 4: id "ord-1" repeats the id of line 2: event ids are unique in a recording`,
      );
      expect(error.hint).toMatch(/--skip-invalid/);
      const { events, summary } = await readRecording(path, { skipInvalid: true });
      expect(events.map((e) => e.id)).toEqual(['ord-1', 'ord-2']);
      expect(summary.problems).toMatchObject([
        { line: 4, reason: expect.stringMatching(/repeats the id of line 2/) },
      ]);
    });

    it('does not offer --skip-invalid for a header of another schema version', async () => {
      const error = await readError(file(`${JSON.stringify({ ...SAMPLE_HEADER, schemaVersion: 2 })}\n`));
      expect(error.message).toMatch(/line 1: schemaVersion 2 is not supported/);
      expect(error.hint).toBeDefined();
      expect(error.hint).toMatch(/peakdrill version that wrote schemaVersion 2|regenerate/);
      expect(error.hint).not.toMatch(/pass --skip-invalid/);
    });

    it('gives a damaged gzip a fix line', async () => {
      const zipped = gzipSync(`${HEADER_LINE}\n${orderLines(2000).join('\n')}\n`);
      const error = await readError(file(zipped.subarray(0, Math.floor(zipped.length * 0.6))));
      expect(error.message).toMatch(/gzip stream is truncated or corrupt/);
      expect(error.hint).toMatch(/damaged/);
    });
  });
});
