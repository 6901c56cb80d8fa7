import { describe, expect, it } from 'vitest';
import { checkerSettingsFor, validateAssertions } from './checker-settings.ts';

describe('checker settings from assertions', () => {
  it('takes percentiles, the RTO objective and the recovery rule from the scenario', () => {
    const s = checkerSettingsFor({
      assertions: {
        rto: '<45s',
        'checkout_latency{during:fault}': 'p(99.9)<2000',
        propagation_latency: 'p(95)<1s',
        lost_acks: '==0',
      },
      recoveredAfter: 3,
      expectedErrorCodes: ['out-of-stock'],
    });
    expect(s.rto).toEqual({ recoveredAfter: 3, objectiveMs: 45_000 });
    expect(s.slo).toEqual({ percentiles: [99.9, 95], expectedErrorCodes: ['out-of-stock'] });
    expect(s.propagation).toEqual({ percentiles: [99.9, 95] });
  });

  it('every built-in style assertion validates', () => {
    const ok = {
      oversold_units: '==0',
      duplicate_applies: '==0',
      stale_overwrites: '==0',
      drift_rate: '==0',
      refund_over_tender: '==0',
      offline_sales_lost: '==0',
      offline_sales_double_applied: '==0',
    };
    expect([...validateAssertions(ok).keys()]).toEqual(Object.keys(ok));
  });

  it('lists every bad assertion at once, each by name', () => {
    let message = '';
    try {
      validateAssertions({
        rto: 'p(99)<60s',
        lost_acks: '=0',
        oversold_units: '==0',
        latency_of_things: '<1',
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('assertion "rto"');
    expect(message).toContain('assertion "lost_acks"');
    expect(message).toContain('assertion "latency_of_things"');
    expect(message).not.toContain('assertion "oversold_units"');
  });
});
