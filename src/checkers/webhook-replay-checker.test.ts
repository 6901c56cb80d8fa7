import { describe, expect, it } from 'vitest';
import { defaultCheckOptions } from './checker.ts';
import { finalState, HistoryFixture } from './testing/history-fixture.ts';
import { webhookReplayChecker } from './webhook-replay-checker.ts';

const webhook = (h: HistoryFixture, eventId: string, at: number, outcome: string) =>
  h.op(
    'webhook',
    { eventId, sku: 'A', sequence: at + 1, kind: 'inventory', delta: 1 },
    { at, ok: { outcome } },
  );
const event = (eventId: string) => ({ eventId, sku: 'A', sequence: 1, applications: 1 });
const check = (h: HistoryFixture, s?: ReturnType<typeof finalState>) =>
  webhookReplayChecker().check(h.index(), s, defaultCheckOptions);

describe('webhook-replay checker', () => {
  it('passes when every webhook queued during the freeze reached the region that took over', () => {
    const h = new HistoryFixture();
    webhook(h, 'e1', 0, 'applied');
    webhook(h, 'e2', 10, 'queued');
    webhook(h, 'e3', 20, 'queued');
    const r = check(h, finalState({ b: { webhookEvents: [event('e1'), event('e2'), event('e3')] } }, 'b'));
    expect(r.valid).toBe(true);
    expect(r.figures).toMatchObject({ queuedWebhooks: 2, lostQueuedWebhooks: 0, webhookFailureRate: 0 });
  });

  it('fails, naming the event, when a queued webhook never reached it', () => {
    const h = new HistoryFixture();
    webhook(h, 'e1', 0, 'applied');
    webhook(h, 'e2', 10, 'queued');
    webhook(h, 'e3', 20, 'queued');
    webhook(h, 'e4', 30, 'applied');
    const r = check(h, finalState({ b: { webhookEvents: [event('e1'), event('e3'), event('e4')] } }, 'b'));
    expect(r.valid).toBe(false);
    expect(r.figures).toMatchObject({ lostQueuedWebhooks: 1, webhookFailureRate: 0.25 });
    expect(r.evidence[0]).toMatchObject({ key: 'e2', region: 'b', actual: 'missing' });
  });

  it('cannot say when the surviving region’s webhook events were not read', () => {
    const h = new HistoryFixture();
    webhook(h, 'e2', 10, 'queued');
    const state = finalState({ b: { read: ['orders'] } }, 'b');
    expect(check(h, state).valid).toBe('unknown');
    expect(check(h, undefined).valid).toBe('unknown');
  });

  it('has nothing to judge when no webhook was queued', () => {
    const h = new HistoryFixture();
    webhook(h, 'e1', 0, 'applied');
    const r = check(h, finalState({ a: {} }));
    expect(r.notApplicable).toBe(true);
  });
});
