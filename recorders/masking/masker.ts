// Masking at capture: personal and card data never reach a recording. Every
// value is replaced by a deterministic keyed token (HMAC-SHA-256 under a key
// from the environment), so the same customer or card becomes the same token
// in every exchange, message and row, and joins (customer → order → return)
// survive. A masked card keeps its last four digits and is made Luhn-invalid,
// so it can never be charged. Pure apart from the key; counts what it masked.
import { createHmac } from 'node:crypto';
import { PeakdrillError } from '../../src/model/errors.ts';

export const MASK_KEY_ENV = 'PEAKDRILL_MASK_KEY';

export const MASK_CATEGORIES = ['email', 'name', 'phone', 'address', 'card', 'token', 'header'] as const;
export type MaskCategory = (typeof MASK_CATEGORIES)[number];

/** What a recording's header says about its masking. */
export interface MaskingPolicy {
  readonly policy: 'hmac-sha256-tokens';
  readonly categories: MaskCategory[];
  readonly masked: Record<MaskCategory, number>;
}

// Field names whose whole value is personal data, whatever it looks like.
const FIELD_CATEGORY: readonly (readonly [RegExp, MaskCategory])[] = [
  [/^(e-?mail|email_?address|contact_?email)$/i, 'email'],
  [
    /^(first_?name|last_?name|full_?name|given_?name|family_?name|surname|customer_?name|name_on_card|cardholder(_?name)?)$/i,
    'name',
  ],
  [/^(phone|phone_?number|mobile|telephone|tel)$/i, 'phone'],
  [
    /^(address|address_?line_?\d?|street(_?line_?\d?)?|street_?address|city|postcode|post_?code|zip|zip_?code|postal_?code)$/i,
    'address',
  ],
  [/^(card_?number|pan|cc_?number|account_?number)$/i, 'card'],
  [
    /^(token|access_?token|refresh_?token|api_?key|secret|password|passwd|client_?secret|session(_?id)?)$/i,
    'token',
  ],
];

const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'vendure-auth-token',
]);

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// 13–19 digits, optionally grouped by single spaces or dashes, not inside a longer digit run.
const CARD = /(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])/g;
// An international or grouped phone number: +, then 8–15 digits with separators.
const PHONE = /(?<![\w+])\+\d[\d\s().-]{7,18}\d(?![\d])/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export class Masker {
  private readonly key: Buffer;
  private readonly counts: Record<MaskCategory, number> = {
    email: 0,
    name: 0,
    phone: 0,
    address: 0,
    card: 0,
    token: 0,
    header: 0,
  };

  constructor(key: string | Buffer) {
    this.key = Buffer.isBuffer(key) ? key : Buffer.from(key, 'utf8');
    if (this.key.length < 16) {
      throw new PeakdrillError('PEAKDRILL_ERR_USAGE', 'the masking key is shorter than 16 bytes', {
        hint: `set ${MASK_KEY_ENV} to a long random value, e.g. \`export ${MASK_KEY_ENV}=$(openssl rand -hex 32)\``,
      });
    }
  }

  /** The key from the environment: a recorder refuses to start without one (exit 2, before any traffic). */
  static fromEnv(env: NodeJS.ProcessEnv): Masker {
    const key = env[MASK_KEY_ENV];
    if (key === undefined || key === '') {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_USAGE',
        `recording real traffic needs a masking key and ${MASK_KEY_ENV} is not set`,
        {
          hint: `export ${MASK_KEY_ENV}=$(openssl rand -hex 32) (keep it to mask later captures to the same tokens)`,
        },
      );
    }
    return new Masker(key);
  }

  policy(): MaskingPolicy {
    return { policy: 'hmac-sha256-tokens', categories: [...MASK_CATEGORIES], masked: { ...this.counts } };
  }

  private digest(category: string, value: string): Buffer {
    return createHmac('sha256', this.key).update(category).update('\0').update(value).digest();
  }

  private token(category: MaskCategory, value: string): string {
    this.counts[category]++;
    return this.digest(category, value).toString('hex').slice(0, 12);
  }

  email(value: string): string {
    // Case-insensitive, as mail systems treat the address: joins survive a change of case.
    return `u-${this.token('email', value.trim().toLowerCase())}@masked.invalid`;
  }

  /** Same length and grouping, last four kept, the rest keyed digits, and never Luhn-valid. */
  card(value: string): string {
    const digits = value.replace(/\D/g, '');
    const d = this.digest('card', digits);
    this.counts.card++;
    const head = Array.from({ length: digits.length - 4 }, (_, i) => String(d[i % d.length]! % 10)).join('');
    let masked = head + digits.slice(-4);
    if (luhnValid(masked)) {
      // Change one digit of the head (not the kept four): Luhn catches every single-digit change.
      const i = masked.length - 5;
      masked = `${masked.slice(0, i)}${(Number(masked[i]) + 1) % 10}${masked.slice(i + 1)}`;
    }
    let k = 0;
    return value.replace(/\d/g, () => masked[k++]!);
  }

  phone(value: string): string {
    const digits = this.digest('phone', value.replace(/\D/g, '')).toString('hex').replace(/[a-f]/g, '');
    this.counts.phone++;
    return `+000${digits.padEnd(8, '0').slice(0, 8)}`;
  }

  /** Free text: every e-mail, Luhn-valid card run, phone number and credential inside it. */
  text(value: string): string {
    if (value.length < 6) return value;
    let out = value.replace(JWT, (m) => `tok-${this.token('token', m)}`);
    out = out.replace(BEARER, (_m, scheme: string) => `${scheme} tok-${this.token('token', _m)}`);
    out = out.replace(EMAIL, (m) => this.email(m));
    out = out.replace(CARD, (m) => (luhnValid(m.replace(/\D/g, '')) ? this.card(m) : m));
    out = out.replace(PHONE, (m) => this.phone(m));
    return out;
  }

  /** A value under a field name: the name decides when it says what the value is. */
  field(name: string, value: string): string {
    const category = FIELD_CATEGORY.find(([re]) => re.test(name))?.[1];
    switch (category) {
      case 'email':
        return value.includes('@') ? this.email(value) : `u-${this.token('email', value)}`;
      case 'card':
        return /\d{13,19}/.test(value.replace(/[ -]/g, ''))
          ? this.card(value)
          : `tok-${this.token('card', value)}`;
      case 'phone':
        return this.phone(value);
      case 'name':
      case 'address':
      case 'token':
        return `${category}-${this.token(category, value)}`;
      default:
        return this.text(value);
    }
  }

  /** Any JSON value, walked: strings by their field name (or as free text), numbers that are card numbers. */
  json(value: unknown, name = ''): unknown {
    if (typeof value === 'string') return this.field(name, value);
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1e12) {
      const digits = String(value);
      return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) ? this.card(digits) : value;
    }
    if (Array.isArray(value)) return value.map((v) => this.json(v, name));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.json(v, k);
      return out;
    }
    return value;
  }

  /** HTTP headers: credentials become keyed tokens (so a session still joins), the rest is scanned as text. */
  headers(headers: Readonly<Record<string, string | readonly string[] | undefined>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined) continue;
      const text = Array.isArray(v) ? v.join(', ') : (v as string);
      if (SECRET_HEADERS.has(k.toLowerCase())) {
        this.counts.header++;
        out[k] = `masked-${this.digest('header', text).toString('hex').slice(0, 12)}`;
      } else out[k] = this.text(text);
    }
    return out;
  }
}
