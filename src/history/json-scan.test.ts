import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BAIL, compileProjection, JsonScan } from './json-scan.ts';

/** Runs `read` on `text` as the scanner sees a line (terminated by a newline): its result, or 'bail'. */
function scan<T>(text: string, read: (s: JsonScan) => T): T | 'bail' {
  const s = new JsonScan();
  const line = `${text}\n`;
  s.at(line, 0, text.length);
  try {
    const v = read(s);
    return s.p === text.length ? v : 'bail';
  } catch (e) {
    if (e === BAIL) return 'bail';
    throw e;
  }
}

describe('JsonScan', () => {
  it('reads numbers exactly as JSON.parse does', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.nat()),
        (x) => {
          const text = JSON.stringify(x);
          expect(scan(text, (s) => s.number())).toBe(JSON.parse(text));
        },
      ),
      { numRuns: 2_000 },
    );
    for (const text of [
      '0',
      '-0',
      '0.1',
      '1e3',
      '1E-3',
      '-12.5e+2',
      '123456789012345678',
      '0.30000000000000004',
    ])
      expect(scan(text, (s) => s.number())).toBe(JSON.parse(text));
  });

  it('skips what JSON.parse accepts and bails on what it refuses (or would have to unescape)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.string({ maxLength: 12 }),
          fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
        ),
        (text) => {
          let valid = true;
          try {
            JSON.parse(text);
          } catch {
            valid = false;
          }
          const skipped = scan(text, (s) => s.skip()) !== 'bail';
          // Never accepts a text JSON.parse refuses; accepts every valid one without escapes or spaces.
          if (skipped) expect(valid).toBe(true);
          if (valid && !/[\\\s]/.test(text) && text.length > 0) expect(skipped).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('projects only the asked-for keys, and reads other shapes whole', () => {
    const p = compileProjection({ key: true, lines: [{ epc: true }] });
    const text = '{"a":1,"lines":[{"sku":"X","epc":"E1"},{"sku":"Y"},7],"key":"k","key":"k2"}';
    expect(scan(text, (s) => s.project(p))).toEqual({ lines: [{ epc: 'E1' }, {}, 7], key: 'k2' });
    expect(scan('[1,{"key":2}]', (s) => s.project(p))).toEqual([1, { key: 2 }]);
    expect(scan('"str"', (s) => s.project(p))).toBe('str');
  });
});
