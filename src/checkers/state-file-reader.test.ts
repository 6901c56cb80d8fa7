import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readJsonFile } from './state-file-reader.ts';
import { runRetailModel } from './testing/retail-model.ts';

const dir = mkdtempSync(join(tmpdir(), 'peakdrill-state-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function read(text: string, windowBytes?: number): Promise<unknown> {
  const path = join(dir, `s${n++}.json`);
  writeFileSync(path, text);
  try {
    return await readJsonFile(path, windowBytes === undefined ? {} : { windowBytes });
  } finally {
    rmSync(path);
  }
}

/** Arrays of rows that share their first key, like state.json's orders, returns and refunds. */
const rows = fc.array(
  fc.record({
    id: fc.string({ unit: 'grapheme' }),
    n: fc.integer(),
    tags: fc.array(fc.jsonValue(), { maxLength: 3 }),
  }),
  { maxLength: 30 },
);

describe('readJsonFile', () => {
  it('reads any JSON document as JSON.parse does, wherever the windows cut it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.jsonValue(), fc.record({ a: rows, b: rows, c: fc.jsonValue() })),
        fc.constantFrom(undefined, 2, 1),
        fc.integer({ min: 1, max: 64 }),
        async (doc, indent, windowBytes) => {
          const text = JSON.stringify(doc, null, indent);
          expect(await read(text, windowBytes)).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a final state exactly, keys such as __proto__ included', async () => {
    const { state } = runRetailModel(
      { seed: 3, ops: 400, faults: true, bothRegions: true, skus: 20 },
      () => {},
    );
    const text = JSON.stringify(state);
    expect(await read(text, 97)).toEqual(JSON.parse(text));
    const odd = '{"__proto__":{"x":1},"rows":[{"__proto__":2},{"__proto__":3}]}';
    const got = (await read(odd, 5)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect(JSON.stringify(got)).toBe(JSON.stringify(JSON.parse(odd)));
  });

  it('refuses what JSON.parse refuses', async () => {
    for (const bad of ['{"a":[1,2,}', '[{"a":1},{"a":2]', '{"a":1} x', '{"a":"b', '[1,2', '{"a" 1}', '']) {
      await expect(read(bad, 3)).rejects.toThrow(SyntaxError);
    }
  });
});
