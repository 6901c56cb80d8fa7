import { describe, expect, it } from 'vitest';
import { applyMutant } from './mutant-apply.ts';

const SOURCE = [
  'export function refundable(amount: number, refunded: number): number {',
  '  if (!(amount > 0 && refunded >= 0)) return 0;',
  '  total.push(amount);',
  '  return Math.max(0, amount - refunded);',
  '}',
  '',
].join('\n');

function at(original: string, replacement: string) {
  const offset = SOURCE.indexOf(original);
  const before = SOURCE.slice(0, offset).split('\n');
  const line = before.length;
  const column = before.at(-1)!.length + 1;
  const lines = original.split('\n');
  const endLine = line + lines.length - 1;
  const endColumn = lines.length === 1 ? column + original.length : lines.at(-1)!.length + 1;
  return { line, column, endLine, endColumn, original, replacement };
}

describe('applying one mutant', () => {
  it('replaces the range and wraps an expression in parentheses', () => {
    const r = applyMutant(SOURCE, at('amount > 0 && refunded >= 0', 'amount > 0 || refunded >= 0'));
    expect(r).toEqual({
      ok: true,
      text: expect.stringContaining('if (!((amount > 0 || refunded >= 0))) return 0;'),
    });
  });

  it('keeps the type annotations the store needs to run under type stripping', () => {
    const r = applyMutant(SOURCE, at('amount - refunded', 'amount + refunded'));
    expect(r.ok && r.text.split('\n')[0]).toBe(SOURCE.split('\n')[0]);
    expect(r.ok && r.text).toContain('Math.max(0, (amount + refunded))');
  });

  it('puts a statement in as it is (a removed call is an empty statement)', () => {
    const r = applyMutant(SOURCE, at('total.push(amount);', ';'));
    expect(r.ok && r.text.split('\n')[2]).toBe('  ;');
  });

  it('refuses a mutant whose original is not at its location', () => {
    const r = applyMutant(SOURCE, { ...at('amount - refunded', 'amount + refunded'), line: 2 });
    expect(r).toEqual({ ok: false, why: expect.stringMatching(/is not the mutant's original/) });
  });

  it('refuses a replacement that is the original code', () => {
    expect(applyMutant(SOURCE, at('amount - refunded', 'amount-refunded')).ok).toBe(false);
  });

  it('refuses an edit that leaves no erasable TypeScript', () => {
    const r = applyMutant(SOURCE, at('amount - refunded', 'amount -'));
    expect(r).toEqual({ ok: false, why: expect.stringMatching(/not erasable TypeScript/) });
    const e = applyMutant(SOURCE, at('total.push(amount);', 'enum E { A }'));
    expect(e.ok).toBe(false);
  });
});
