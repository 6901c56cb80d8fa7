// The fingerprint of an idempotent request: what operation, on what, with
// which body. Key order in JSON objects does not matter; array order and
// every value do. Same key + different fingerprint is a rejected reuse.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth; undefined members are dropped, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** sha256 over the operation (e.g. `checkout`, `return:<orderId>`) and the canonical body. */
export function requestFingerprint(operation: string, body: unknown): string {
  return createHash('sha256').update(operation).update('\n').update(canonicalJson(body)).digest('hex');
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Idempotency keys are 1–255 visible ASCII characters (UUIDs, ULIDs, terminal-sequence ids). */
export function isValidIdempotencyKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}
