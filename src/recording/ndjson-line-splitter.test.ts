import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SplitLine, splitNdjsonLines } from './ndjson-line-splitter.ts';

async function split(chunks: Uint8Array[], max = 1024): Promise<SplitLine[]> {
  const out: SplitLine[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const line of splitNdjsonLines(source(), max)) out.push(line);
  return out;
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('splitNdjsonLines', () => {
  it('numbers lines from 1, strips CR, keeps blank lines and a last line without newline', async () => {
    expect(await split([bytes('a\r\n\nb')])).toEqual([
      { lineNumber: 1, text: 'a' },
      { lineNumber: 2, text: '' },
      { lineNumber: 3, text: 'b' },
    ]);
    expect(await split([])).toEqual([]);
  });

  it('gives the same lines however the bytes are chunked (multi-byte characters included)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }),
        async (lines, cuts) => {
          const all = bytes(lines.map((l) => l.replaceAll('\n', ' ').replaceAll('\r', ' ')).join('\n'));
          const chunks: Uint8Array[] = [];
          let at = 0;
          for (let i = 0; at < all.length; i++) {
            const size = cuts[i % cuts.length]!;
            chunks.push(all.subarray(at, at + size));
            at += size;
          }
          expect(await split(chunks, 10_000)).toEqual(await split([all], 10_000));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('reports an oversized line without buffering it and carries on', async () => {
    const big = 'x'.repeat(5000);
    const lines = await split(
      [bytes(`ok\n${big.slice(0, 2000)}`), bytes(`${big.slice(2000)}\nafter\n`)],
      100,
    );
    expect(lines).toEqual([
      { lineNumber: 1, text: 'ok' },
      { lineNumber: 2, problem: 'line is longer than 100 bytes' },
      { lineNumber: 3, text: 'after' },
    ]);
  });

  it('reports bytes that are not UTF-8', async () => {
    expect(await split([new Uint8Array([0xff, 0xfe, 0x0a, 0x61])])).toEqual([
      { lineNumber: 1, problem: 'line is not valid UTF-8 (binary data?)' },
      { lineNumber: 2, text: 'a' },
    ]);
  });

  it('reports an oversized line as soon as it crosses the limit, without reading on to its newline', async () => {
    let pulled = 0;
    async function* endlessZeros() {
      // 100 × 64 KiB of zeros and no newline: /dev/zero or a sparse file, cut short for the test.
      for (let i = 0; i < 100; i++) {
        pulled += 1;
        yield new Uint8Array(64 * 1024);
      }
    }
    const lines = splitNdjsonLines(endlessZeros(), 1024);
    const first = await lines.next();
    expect(first.value).toEqual({ lineNumber: 1, problem: 'line is longer than 1024 bytes' });
    expect(pulled).toBe(1);
    await lines.return(undefined);
  });
});
