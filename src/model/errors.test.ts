import { describe, expect, it } from 'vitest';
import { isPeakdrillError, PeakdrillError } from './errors.ts';

describe('PeakdrillError', () => {
  it('carries a stable code, a hint and the cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new PeakdrillError('PEAKDRILL_ERR_UNREACHABLE', 'postgres-a at 127.0.0.1:5432 refused', {
      hint: 'run `peakdrill stack up`',
      cause,
    });
    expect(isPeakdrillError(error)).toBe(true);
    expect(error.code).toBe('PEAKDRILL_ERR_UNREACHABLE');
    expect(error.hint).toBe('run `peakdrill stack up`');
    expect(error.cause).toBe(cause);
    expect(isPeakdrillError(new Error('x'))).toBe(false);
  });
});
