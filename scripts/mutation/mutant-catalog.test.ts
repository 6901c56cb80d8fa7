import { describe, expect, it } from 'vitest';
import { catalogMutants } from './mutant-catalog.ts';

const FILE = 'src/reference-store/fake-repository.ts';
const SOURCE = `
export function take(ctx: Ctx, onHand: number, want: number): number {
  ctx.log.warn({ onHand }, 'taking');
  if (ctx.defects.oversellRace) return want;
  if (want > onHand) throw new StoreApiError(409, 'out-of-stock', \`only \${onHand + 0} left\`, { onHand });
  return onHand - want;
}
interface Ctx { log: { warn(...a: unknown[]): void }; defects: { oversellRace: boolean } }
declare class StoreApiError { constructor(...a: unknown[]) }
`;

describe('the mutant catalog (StrykerJS instrumenter)', () => {
  it('lists business mutants with 1-based locations and the original text', async () => {
    const mutants = await catalogMutants(
      [{ name: 'checkout', scenario: 'flash-sale', files: [FILE] }],
      () => SOURCE,
    );
    const minus = mutants.find((m) => m.mutator === 'ArithmeticOperator' && m.original === 'onHand - want');
    expect(minus).toMatchObject({
      line: 6,
      column: 10,
      replacement: 'onHand + want',
      scenario: 'flash-sale',
    });
    expect(mutants.some((m) => m.mutator === 'EqualityOperator' && m.original === 'want > onHand')).toBe(
      true,
    );
    // The error's status and code are behaviour: removing the throw is a mutant.
    expect(mutants.some((m) => m.original.startsWith('throw new StoreApiError'))).toBe(true);
  });

  it('leaves out logging, error messages, strings and the seeded-defect switches', async () => {
    const mutants = await catalogMutants(
      [{ name: 'checkout', scenario: 'flash-sale', files: [FILE] }],
      () => SOURCE,
    );
    const lines = new Set(mutants.map((m) => m.line));
    expect(lines.has(3)).toBe(false);
    expect(lines.has(4)).toBe(false);
    expect(mutants.filter((m) => m.line === 5).map((m) => m.original)).not.toContain('onHand + 0');
    expect(
      mutants.some((m) => m.mutator === 'StringLiteral' || (m.mutator === 'ObjectLiteral' && m.line === 5)),
    ).toBe(false);
  });
});
