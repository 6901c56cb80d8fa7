import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { luhnValid, Masker } from './masker.ts';

const KEY = 'test-masking-key-0123456789';

/** A Luhn-valid card number of 13–19 digits from arbitrary leading digits. */
const cardArb = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 18 }).map((ds) => {
  const head = [4, ...ds.slice(1)].join('');
  for (let check = 0; check < 10; check++) if (luhnValid(head + check)) return head + check;
  throw new Error('unreachable');
});
const emailArb = fc
  .tuple(
    fc.stringMatching(/^[a-z][a-z0-9._]{0,10}$/),
    fc.stringMatching(/^[a-z]{2,8}$/),
    fc.constantFrom('com', 'co.uk', 'de'),
  )
  .map(([user, host, tld]) => `${user}@${host}.${tld}`);
const phoneArb = fc.stringMatching(/^\+[1-9]\d{9,12}$/);
const fillerArb = fc.string({ maxLength: 20 }).map((s) => s.replace(/[\d@+]/g, ' '));

/** Every 13–19 digit run (digits only, or grouped by single spaces or dashes) that passes Luhn. */
function luhnRuns(text: string): string[] {
  return [...text.matchAll(/\d(?:[ -]?\d){12,18}/g)]
    .map((m) => m[0])
    .filter((m) => luhnValid(m.replace(/\D/g, '')));
}

describe('masking at capture', () => {
  it('leaves no planted e-mail, phone or card in free text, and no Luhn-valid 13–19 digit run', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fillerArb, fc.oneof(cardArb, emailArb, phoneArb)), { minLength: 1, maxLength: 6 }),
        fillerArb,
        (parts, tail) => {
          const planted = parts.map(([, v]) => v);
          const text = `${parts.map(([f, v]) => `${f} ${v} `).join('')}${tail}`;
          const out = new Masker(KEY).text(text);
          for (const v of planted) expect(out).not.toContain(v);
          expect(luhnRuns(out)).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('masks the same values anywhere in a JSON body, by field name or by shape', () => {
    fc.assert(
      fc.property(
        emailArb,
        cardArb,
        phoneArb,
        fc.string({ minLength: 2, maxLength: 12 }),
        (email, card, phone, name) => {
          const body = {
            customer: {
              email,
              firstName: name,
              phone,
              address: { street: `${name} 1`, postcode: 'AB1 2CD' },
            },
            payment: { cardNumber: card, note: `paid with ${card}` },
            lines: [{ sku: 'SKU-000001', qty: 1 }],
            raw:
              Number(card.slice(0, 15)) > 1e12 && luhnValid(card.slice(0, 15))
                ? Number(card.slice(0, 15))
                : 0,
          };
          const out = JSON.stringify(new Masker(KEY).json(body));
          for (const v of [email, card, phone, `${name} 1`, 'AB1 2CD']) expect(out).not.toContain(v);
          expect(luhnRuns(out)).toEqual([]);
          expect(out).toContain('"sku":"SKU-000001"');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives the same token for the same value everywhere, so customer → order → return joins survive', () => {
    const a = new Masker(KEY);
    const b = new Masker(KEY);
    expect(a.email('Ann@Example.com')).toBe(b.text('ann@example.com'));
    expect((a.json({ email: 'ann@example.com' }) as { email: string }).email).toBe(
      (b.json({ contact_email: 'ANN@example.com ' }) as { contact_email: string }).contact_email,
    );
    expect(a.card('4111 1111 1111 1111')).toBe(b.text('4111 1111 1111 1111'));
    // A different key gives different tokens: captures are only joinable under one key.
    expect(new Masker(`${KEY}-other`).email('ann@example.com')).not.toBe(a.email('ann@example.com'));
  });

  it('keeps a card’s last four and grouping and makes it Luhn-invalid, so it can never be charged', () => {
    fc.assert(
      fc.property(cardArb, (card) => {
        const grouped = card.replace(/(\d{4})(?=\d)/g, '$1 ');
        const masked = new Masker(KEY).card(grouped);
        expect(masked).toHaveLength(grouped.length);
        expect(masked.replace(/\d/g, '9')).toBe(grouped.replace(/\d/g, '9'));
        expect(masked.slice(-4)).toBe(grouped.slice(-4));
        expect(luhnValid(masked.replace(/\D/g, ''))).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });

  it('replaces credentials in headers and counts what it masked for the recording header', () => {
    const m = new Masker(KEY);
    const headers = m.headers({
      authorization: 'Bearer abc.def.ghi',
      cookie: 'sid=123',
      'content-type': 'application/json',
      'x-note': 'call +4420794609581',
    });
    expect(headers.authorization).toMatch(/^masked-[0-9a-f]{12}$/);
    expect(headers.cookie).toMatch(/^masked-/);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-note']).not.toContain('4420794609581');
    const policy = m.policy();
    expect(policy.policy).toBe('hmac-sha256-tokens');
    expect(policy.masked).toMatchObject({ header: 2, phone: 1 });
  });

  it('refuses to run without a key from the environment, saying how to make one', () => {
    expect(() => Masker.fromEnv({})).toThrow(/PEAKDRILL_MASK_KEY is not set/);
    expect(() => new Masker('short')).toThrow(/shorter than 16 bytes/);
  });
});
