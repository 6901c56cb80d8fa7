import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSgtin96, encodeSgtin96 } from './sgtin-epc.ts';

describe('SGTIN-96', () => {
  it('encodes 24 hex digits with the SGTIN-96 header and decodes back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9_999_999 }),
        fc.integer({ min: 0, max: 2 ** 20 - 1 }),
        fc.integer({ min: 0, max: 2 ** 38 - 1 }),
        (companyPrefix, itemReference, serial) => {
          const epc = encodeSgtin96(companyPrefix, itemReference, serial);
          expect(epc).toMatch(/^30[0-9A-F]{22}$/);
          expect(decodeSgtin96(epc)).toEqual({ companyPrefix, itemReference, serial });
        },
      ),
    );
    expect(() => encodeSgtin96(614_141, 2 ** 20, 1)).toThrow(RangeError);
  });
});
