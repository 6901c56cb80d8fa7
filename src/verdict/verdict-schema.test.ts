// The verdict's JSON Schema is generated from the zod schema; this keeps the
// committed file identical to it, and checks built verdicts against the zod
// schema (no JSON Schema validator is a dependency; zod is the mirror).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAll } from '../checkers/all-checkers.ts';
import {
  checkoutOk,
  checkoutValue,
  finalState,
  HistoryFixture,
} from '../checkers/testing/history-fixture.ts';
import { buildVerdict, runOutcome } from './verdict.ts';
import { verdictJsonSchema, verdictSchema } from './verdict-schema.ts';

describe('verdict schema', () => {
  it('verdict-schema.json is the JSON Schema generated from the zod schema', () => {
    const committed = JSON.parse(readFileSync(join(import.meta.dirname, 'verdict-schema.json'), 'utf8'));
    expect(committed).toEqual(verdictJsonSchema());
  });

  it('a verdict built from real checker results validates, through a JSON round trip', () => {
    const h = new HistoryFixture();
    h.op('checkout', checkoutValue('k1', [{ sku: 'A', qty: 1 }]), { at: 0, ok: checkoutOk('o1') });
    h.op('checkout', checkoutValue('k2', [{ sku: 'A', qty: 1 }]), { at: 5, ok: checkoutOk('o2') });
    h.fault('lose-region-a', 10, 20).probes('checkout-probe', 'a', true, 0, 40, 2);
    const index = h.index();
    const state = finalState({
      a: { orders: [{ orderId: 'o1', idempotencyKey: 'k1', lines: [{ sku: 'A', qty: 1 }], tenders: [] }] },
    });
    const verdict = buildVerdict({
      scenario: 'test',
      seed: 1,
      versions: { peakdrill: '0.1.0', node: process.version },
      results: checkAll(index, state),
      assertions: {
        lost_acks: '==0',
        rto: '<60s',
        'checkout_latency{during:fault}': 'p(99)<800',
        typo: '<<1',
      },
      run: runOutcome(index),
    });
    expect(verdict.status).toBe('error');
    expect(verdict.assertions.find((a) => a.name === 'lost_acks')!.result).toBe('fail');
    const parsed = verdictSchema.safeParse(JSON.parse(JSON.stringify(verdict)));
    expect(parsed.success, parsed.error?.message).toBe(true);
  });

  it('rejects a verdict with a bad status or a non-numeric figure', () => {
    const v = {
      schemaVersion: 1,
      scenario: 's',
      seed: 1,
      runId: null,
      versions: {},
      generatedAt: '2025-11-21T18:00:00.000Z',
      status: 'maybe',
      summary: '',
      run: { endStatus: 'completed' },
      assertions: [],
      checkers: [{ name: 'x', valid: true, figures: { a: 'one' }, evidence: [], explanation: '' }],
    };
    const issues = verdictSchema.safeParse(v).error!.issues.map((i) => i.path.join('.'));
    expect(issues).toEqual(['status', 'checkers.0.figures.a']);
  });
});
