import { describe, expect, it } from 'vitest';
import { primaryState } from './vendure-failover.ts';

describe('when the Vendure failover counts postgres-a as lost', () => {
  it('a refused, reset or administratively terminated connection is a lost primary', () => {
    expect(primaryState({ code: 'ECONNREFUSED' })).toBe('gone');
    expect(primaryState({ code: 'ECONNRESET' })).toBe('gone');
    expect(
      primaryState({ code: '57P01', message: 'terminating connection due to administrator command' }),
    ).toBe('gone');
    expect(primaryState({ message: 'Connection terminated unexpectedly' })).toBe('gone');
  });

  it('a slow answer under load is not: no failover is started for a timeout', () => {
    expect(primaryState({ message: 'timeout expired' })).toBe('slow');
    expect(primaryState({ message: 'Connection terminated due to connection timeout' })).toBe('slow');
  });
});
