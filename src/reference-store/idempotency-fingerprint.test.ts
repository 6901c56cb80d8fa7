import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, isValidIdempotencyKey, requestFingerprint } from './idempotency-fingerprint.ts';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: null } })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
  });

  it('drops undefined members as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
  });

  it('property: parses back to the same value, whatever the key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe('requestFingerprint', () => {
  const body = {
    channel: 'pos',
    store: 'S1',
    lines: [{ sku: 'A', qty: 1 }],
    tenders: [{ kind: 'cash', amountCents: 100 }],
  };

  it('is the same for a retry that orders its keys differently', () => {
    const reordered = {
      tenders: [{ amountCents: 100, kind: 'cash' }],
      lines: [{ qty: 1, sku: 'A' }],
      store: 'S1',
      channel: 'pos',
    };
    expect(requestFingerprint('checkout', reordered)).toBe(requestFingerprint('checkout', body));
  });

  it('differs when any value, the line order or the operation differs', () => {
    const base = requestFingerprint('checkout', body);
    expect(requestFingerprint('checkout', { ...body, store: 'S2' })).not.toBe(base);
    expect(requestFingerprint('checkout', { ...body, lines: [{ sku: 'A', qty: 2 }] })).not.toBe(base);
    expect(requestFingerprint('return:1', body)).not.toBe(base);
    const two = {
      ...body,
      lines: [
        { sku: 'A', qty: 1 },
        { sku: 'B', qty: 1 },
      ],
    };
    const swapped = {
      ...body,
      lines: [
        { sku: 'B', qty: 1 },
        { sku: 'A', qty: 1 },
      ],
    };
    expect(requestFingerprint('checkout', two)).not.toBe(requestFingerprint('checkout', swapped));
  });

  it('is a sha256 hex digest', () => {
    expect(requestFingerprint('checkout', body)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('isValidIdempotencyKey', () => {
  it('accepts 1–255 visible ASCII characters and nothing else', () => {
    expect(isValidIdempotencyKey('8f0c2a1e-4d7b-4c58-9a3e-1f2b3c4d5e6f')).toBe(true);
    expect(isValidIdempotencyKey('pos-T12:000123')).toBe(true);
    expect(isValidIdempotencyKey('x'.repeat(255))).toBe(true);
    expect(isValidIdempotencyKey('')).toBe(false);
    expect(isValidIdempotencyKey('x'.repeat(256))).toBe(false);
    expect(isValidIdempotencyKey('has space')).toBe(false);
    expect(isValidIdempotencyKey('naïve')).toBe(false);
  });
});
