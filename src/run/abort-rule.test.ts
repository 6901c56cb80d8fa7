import { describe, expect, it } from 'vitest';
import { AbortWatch } from './abort-rule.ts';

describe('the abort rule', () => {
  const rule = { errorRate: 0.5, forMs: 3_000 };

  it('aborts once the error rate has stayed above the limit for the whole stretch', () => {
    const watch = new AbortWatch(rule);
    expect(watch.observe({ completions: 10, errors: 9 }, 0)).toBeUndefined();
    expect(watch.observe({ completions: 10, errors: 9 }, 1_000)).toBeUndefined();
    expect(watch.observe({ completions: 10, errors: 9 }, 2_000)).toBeUndefined();
    const why = watch.observe({ completions: 10, errors: 8 }, 3_000);
    expect(why).toMatch(/above 50% for 3 s/);
    expect(why).toMatch(/8 of 10/);
  });

  it('starts over when one second is back under the limit', () => {
    const watch = new AbortWatch(rule);
    watch.observe({ completions: 10, errors: 9 }, 0);
    watch.observe({ completions: 10, errors: 9 }, 2_000);
    expect(watch.observe({ completions: 10, errors: 1 }, 2_500)).toBeUndefined();
    expect(watch.observe({ completions: 10, errors: 9 }, 3_000)).toBeUndefined();
    expect(watch.observe({ completions: 10, errors: 9 }, 5_900)).toBeUndefined();
    expect(watch.observe({ completions: 10, errors: 9 }, 6_000)).toBeDefined();
  });

  it('ignores seconds without completions, and a rate exactly at the limit', () => {
    const watch = new AbortWatch(rule);
    expect(watch.observe({ completions: 0, errors: 0 }, 0)).toBeUndefined();
    expect(watch.observe({ completions: 10, errors: 5 }, 10_000)).toBeUndefined();
    expect(watch.observe({ completions: 10, errors: 5 }, 20_000)).toBeUndefined();
  });
});
