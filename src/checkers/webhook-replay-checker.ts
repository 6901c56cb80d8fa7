// Webhooks queued during a freeze window must reach the system that takes over.
// A store frozen for a cutover answers a marketplace webhook 202 `queued`: the
// marketplace will not send it again, so the event now lives only on the queue.
// Every event acknowledged as queued must be in the surviving region's webhook
// events afterwards (applied, or recorded as a duplicate or stale); one that is
// not was lost by the cutover. Figures: the queued events, those missing, and the
// webhook failure rate (missing ÷ webhooks acknowledged), a migration KPI (≤ 1 %),
// and what each cutover said of its replay: replayed, failed, and the peak backlog
// (a KPI: ≤ 1,000 waiting at any moment).
import { authoritativeState, wasRead } from '../model/final-state.ts';
import { atMs, type Checker, type CheckResult, EvidenceList, notApplicable, plural } from './checker.ts';
import type { HistoryIndex } from './history-index.ts';

export const WEBHOOK_REPLAY = 'webhook-replay';

export function webhookReplayChecker(): Checker {
  return {
    name: WEBHOOK_REPLAY,
    check(history, state, options): CheckResult {
      const queued = queuedEvents(history);
      if (queued.size === 0) {
        return notApplicable(WEBHOOK_REPLAY, 'no webhook was acknowledged as queued', { queuedWebhooks: 0 });
      }
      const region = authoritativeState(state);
      if (region === undefined || !wasRead(region, 'webhookEvents')) {
        return {
          name: WEBHOOK_REPLAY,
          valid: 'unknown',
          figures: { queuedWebhooks: queued.size },
          evidence: [],
          explanation: `${plural(queued.size, 'webhook')} queued, but the surviving region's webhook events were not read`,
        };
      }
      const seen = new Set(region.webhookEvents.map((e) => e.eventId));
      const evidence = new EvidenceList(options.maxEvidence);
      for (const [eventId, op] of queued) {
        if (seen.has(eventId)) continue;
        evidence.add({
          what: 'webhook acknowledged as queued never reached the system that took over',
          key: eventId,
          op: history.opId(op),
          atMs: atMs(history.completeNs[op]!),
          region: state!.authoritativeRegion,
          expected: 'in its webhook events',
          actual: 'missing',
        });
      }
      const acknowledged = history.webhooks.filter((w) => w.status === 'ok').length;
      const figures = {
        ...replayFigures(history),
        queuedWebhooks: queued.size,
        lostQueuedWebhooks: evidence.total,
        webhookFailureRate: acknowledged === 0 ? 0 : evidence.total / acknowledged,
      };
      return {
        name: WEBHOOK_REPLAY,
        valid: evidence.total === 0,
        figures,
        evidence: evidence.items,
        explanation:
          evidence.total === 0
            ? `all ${plural(queued.size, 'queued webhook')} reached region ${state!.authoritativeRegion}`
            : `${evidence.total} of ${plural(queued.size, 'queued webhook')} never reached region ${state!.authoritativeRegion}`,
      };
    },
  };
}

/** What the cutovers said of their replays (on their stop entries), summed. */
function replayFigures(history: HistoryIndex): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of history.faults) {
    if (f.kind !== 'migration-cutover' || f.outcome === undefined) continue;
    const add = (k: string, v: number | undefined) => {
      if (v !== undefined) out[k] = (out[k] ?? 0) + v;
    };
    add('replayedWebhooks', f.outcome.webhooksReplayed);
    add('replayFailures', f.outcome.replayFailures);
    out.replayBacklogPeak = Math.max(out.replayBacklogPeak ?? 0, f.outcome.replayBacklogPeak ?? 0);
  }
  return out;
}

/** Event id → op of each webhook acknowledged as queued (its first such answer). */
function queuedEvents(history: HistoryIndex): Map<string, number> {
  const out = new Map<string, number>();
  for (const w of history.webhooks) {
    if (w.status === 'ok' && w.outcome === 'queued' && !out.has(w.eventId)) out.set(w.eventId, w.op);
  }
  return out;
}
