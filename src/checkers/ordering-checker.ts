// Ordering: per SKU (and store), events with a sequence take effect in sequence
// order, or at least harmlessly. A stale overwrite is an older level (a cycle
// count, an absolute webhook) applied after a newer event, or an older delta
// applied after a newer level that already included it; deltas among deltas
// commute, so they only count as out of order (invalid only with `strict`).
// Checked on the ledger's application order and on acknowledged webhooks in real time.
// Not applicable with no sequenced op (webhook, scan) and none in the ledger; unknown
// when there were some but the ledger was not read or carries no sequence numbers.
import { authoritativeState, type FinalLedgerEntry, wasRead } from '../model/final-state.ts';
import { OP } from '../model/op-values.ts';
import { atMs, type Checker, type CheckResult, EvidenceList, notApplicable, plural } from './checker.ts';
import type { HistoryIndex } from './history-index.ts';
import type { WebhookFact } from './op-facts.ts';
import { PairMap } from './pair-map.ts';

export const ORDERING = 'ordering';

export interface OrderingOptions {
  /** Any sequence going backwards is a violation, even between commuting deltas. */
  readonly strict?: boolean;
}

const STREAM_OF_REASON: Record<string, string> = {
  marketplace: 'webhooks',
  'cycle-count': 'scans',
  receiving: 'scans',
  adjustment: 'scans',
};

export function orderingChecker(opts: OrderingOptions = {}): Checker {
  return {
    name: ORDERING,
    check(history, state, options): CheckResult {
      const evidence = new EvidenceList(options.maxEvidence);
      const seen = historyStaleWebhooks(history, evidence);
      const region = authoritativeState(state);
      let staleOverwrites = seen;
      let outOfOrder = 0;
      let sequenced = 0;
      const ledgerRead = region !== undefined && wasRead(region, 'ledger');
      if (region !== undefined && ledgerRead) {
        const r = ledgerOrder(region.ledger, evidence);
        // The two views may see the same event: the larger is a safe count of distinct ones.
        staleOverwrites = Math.max(staleOverwrites, r.stale);
        outOfOrder = r.outOfOrder;
        sequenced = r.sequenced;
      }
      const violations = staleOverwrites + (opts.strict ? outOfOrder : 0);
      const sequencedOps = history.webhooks.length + history.opsOf(OP.scan).length;
      if (violations === 0 && region !== undefined && sequencedOps === 0 && sequenced === 0) {
        return notApplicable(
          ORDERING,
          'no webhook or scan (no sequenced change) in the history or the ledger',
          {
            staleOverwrites: 0,
            sequencedEntries: 0,
          },
        );
      }
      // Sequenced ops ran but the ledger cannot show the order they took effect in.
      const blind = region === undefined || !ledgerRead || sequenced === 0;
      const valid = violations > 0 ? false : blind ? 'unknown' : true;
      return {
        name: ORDERING,
        valid,
        figures: {
          staleOverwrites,
          outOfOrderApplies: outOfOrder,
          staleAcknowledged: seen,
          sequencedEntries: sequenced,
        },
        evidence: evidence.items,
        explanation:
          valid === true
            ? `${plural(sequenced, 'sequenced change')} applied in a safe order${outOfOrder > 0 ? ` (${plural(outOfOrder, 'commuting delta')} out of order)` : ''}`
            : valid === false
              ? `${plural(staleOverwrites, 'stale overwrite')}${opts.strict ? ` and ${plural(outOfOrder, 'out-of-order apply', 'out-of-order applies')}` : ''}: older events took effect after newer ones`
              : region === undefined
                ? 'no final state was read, so the ledger order cannot be checked (the history showed no stale overwrite)'
                : !ledgerRead
                  ? `the ledger was not read, so the order ${plural(sequencedOps, 'sequenced op')} took effect in cannot be checked`
                  : `the ledger carries no sequence numbers, so the order ${plural(sequencedOps, 'sequenced op')} took effect in cannot be checked`,
      };
    },
  };
}

function ledgerOrder(ledger: readonly FinalLedgerEntry[], evidence: EvidenceList) {
  const streams = new Map<string, PairMap<{ max: number; maxAbsolute: number }>>();
  let stale = 0;
  let outOfOrder = 0;
  let sequenced = 0;
  const entries = ledger.filter((e) => e.sequence !== undefined);
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.seq < entries[i - 1]!.seq) {
      entries.sort((a, b) => a.seq - b.seq);
      break;
    }
  }
  for (const e of entries) {
    sequenced++;
    const seq = e.sequence!;
    const stream = e.stream ?? STREAM_OF_REASON[e.reason] ?? e.reason;
    let byKey = streams.get(stream);
    if (byKey === undefined) {
      byKey = new PairMap();
      streams.set(stream, byKey);
    }
    let s = byKey.get(e.sku, e.store);
    if (s === undefined) {
      s = { max: -1, maxAbsolute: -1 };
      byKey.set(e.sku, e.store, s);
    }
    if (seq < s.max) {
      const harmful = e.absolute || seq < s.maxAbsolute;
      if (harmful) {
        stale++;
        evidence.add({
          what: e.absolute
            ? 'older level applied after a newer event'
            : 'older change applied after a newer count',
          sku: e.sku,
          store: e.store,
          key: `${stream} sequence ${seq} (ledger seq ${e.seq})`,
          expected: `> ${e.absolute ? s.max : s.maxAbsolute}`,
          actual: seq,
        });
      } else outOfOrder++;
    }
    if (seq > s.max) s.max = seq;
    if (e.absolute && seq > s.maxAbsolute) s.maxAbsolute = seq;
  }
  return { stale, outOfOrder, sequenced };
}

/**
 * A webhook acknowledged as `applied` although, before it was even sent, a newer
 * event for its SKU had been acknowledged as applied — and one of the two is a level.
 */
function historyStaleWebhooks(history: HistoryIndex, evidence: EvidenceList): number {
  const bySku = new Map<string, WebhookFact[]>();
  for (const w of history.webhooks) {
    if (w.status !== 'ok' || w.outcome !== 'applied') continue;
    let list = bySku.get(w.sku);
    if (list === undefined) {
      list = [];
      bySku.set(w.sku, list);
    }
    list.push(w);
  }
  let stale = 0;
  for (const list of bySku.values()) {
    if (list.length < 2) continue;
    list.sort((a, b) => history.completeNs[a.op]! - history.completeNs[b.op]!);
    // Prefix maxima over completion order: newest sequence and newest level acknowledged so far.
    const maxSeq = new Float64Array(list.length);
    const maxAbs = new Float64Array(list.length);
    let m = -1;
    let ma = -1;
    list.forEach((w, i) => {
      m = Math.max(m, w.sequence);
      if (w.absolute) ma = Math.max(ma, w.sequence);
      maxSeq[i] = m;
      maxAbs[i] = ma;
    });
    for (const a of list) {
      const sent = history.invokeNs[a.op]!;
      const j = lastBefore(list, sent, history);
      if (j < 0) continue;
      const harmful = (a.absolute && maxSeq[j]! > a.sequence) || maxAbs[j]! > a.sequence;
      if (harmful) {
        stale++;
        evidence.add({
          what: 'webhook applied after a newer one was acknowledged',
          op: history.opId(a.op),
          sku: a.sku,
          key: a.eventId,
          atMs: atMs(history.completeNs[a.op]!),
          expected: `> ${a.absolute ? maxSeq[j] : maxAbs[j]}`,
          actual: a.sequence,
        });
      }
    }
  }
  return stale;
}

/** Index of the last fact completed strictly before `t` (binary search), or -1. */
function lastBefore(list: readonly WebhookFact[], t: number, history: HistoryIndex): number {
  let lo = 0;
  let hi = list.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (history.completeNs[list[mid]!.op]! < t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}
