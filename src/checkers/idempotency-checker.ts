// Idempotency: nothing applied twice. In the surviving region's state: no two
// orders (or returns) under one idempotency key or one offline sale, no webhook
// event, scan or offline sale applied more than once, no webhook or scan with two
// ledger entries. In the history, whatever the target calls its rows: one key
// acknowledged as two orders or two returns, one event or offline sale acknowledged
// as applied twice (a dedupe answer — duplicate — is not an application).
// duplicateApplies counts extra applications per thing (the worst symptom of each).
// Unknown when the history has ops of a kind whose records the oracle did not read.
import {
  authoritativeState,
  type RegionCollection,
  type RegionState,
  wasRead,
} from '../model/final-state.ts';
import { OP } from '../model/op-values.ts';
import { type Checker, type CheckResult, EvidenceList, notApplicable, plural } from './checker.ts';
import type { HistoryIndex } from './history-index.ts';
import { regionView } from './region-view.ts';

export const IDEMPOTENCY = 'idempotency';

export interface IdempotencyOptions {
  /** Ledger ref types where one ref changes one SKU once, so two entries = applied twice. */
  readonly singleEntryRefTypes?: readonly string[];
}

export function idempotencyChecker(opts: IdempotencyOptions = {}): Checker {
  const singleEntry = new Set(opts.singleEntryRefTypes ?? ['webhook', 'scan']);
  return {
    name: IDEMPOTENCY,
    check(history, state, options): CheckResult {
      const evidence = new EvidenceList(options.maxEvidence);
      const extra = new Map<string, number>();
      const flag: Flag = (thing, n, what, key, actual) => {
        if (n <= 0) return;
        if ((extra.get(thing) ?? 0) < n) extra.set(thing, n);
        evidence.add({ what, key, actual: actual ?? n + 1 });
      };

      historyRepeats(history, flag);
      // History: one key, two different orders acknowledged.
      const orderOfKey = new Map<string, string>();
      const conflicts = new Map<string, Set<string>>();
      for (const c of history.checkouts) {
        if (c.status !== 'ok' || c.orderId === undefined) continue;
        const first = orderOfKey.get(c.key);
        if (first === undefined) orderOfKey.set(c.key, c.orderId);
        else if (first !== c.orderId) {
          let s = conflicts.get(c.key);
          if (s === undefined) {
            s = new Set([first]);
            conflicts.set(c.key, s);
          }
          s.add(c.orderId);
        }
      }
      for (const [key, orders] of conflicts) {
        flag(
          `key:${key}`,
          orders.size - 1,
          'one idempotency key acknowledged as two orders',
          key,
          [...orders].join(', '),
        );
      }

      const region = authoritativeState(state);
      if (region === undefined) {
        const n = sum(extra);
        return {
          name: IDEMPOTENCY,
          valid: n > 0 ? false : 'unknown',
          figures: { duplicateApplies: n },
          evidence: evidence.items,
          explanation:
            n > 0
              ? `${plural(n, 'duplicate application')} acknowledged (no final state to check further)`
              : 'no final state was read, so duplicate applications cannot be counted',
        };
      }

      const read = (c: RegionCollection) => wasRead(region, c);
      const { repeatedKeys, repeatedSales } = regionView(region).orders();
      for (const [key, list] of read('orders') ? repeatedKeys : [])
        flag(`key:${key}`, list.length - 1, 'orders sharing one idempotency key', key);
      for (const [id, list] of read('orders') ? repeatedSales : [])
        flag(`sale:${id}`, list.length - 1, 'orders recording one offline sale', id);
      countBy(
        read('returns') ? region.returns : [],
        (r) => r.idempotencyKey,
        (key, n) => flag(`return-key:${key}`, n - 1, 'returns sharing one idempotency key', key),
      );
      // The thing's name is built only for a repeat: these run over every event, scan and sale.
      for (const e of read('webhookEvents') ? region.webhookEvents : []) {
        if (e.applications > 1)
          flag(`event:${e.eventId}`, e.applications - 1, 'webhook event applied more than once', e.eventId);
      }
      for (const e of read('scans') ? region.scans : []) {
        if (e.applications > 1)
          flag(`scan:${e.eventId}`, e.applications - 1, 'scan applied more than once', e.eventId);
      }
      for (const s of read('offlineSales') ? region.offlineSales : []) {
        if (s.applications > 1)
          flag(`sale:${s.saleId}`, s.applications - 1, 'offline sale applied more than once', s.saleId);
      }
      // One ledger entry per webhook or scan: count per ref without building joined keys.
      const entriesOf = new Map<string, Map<string, number>>();
      for (const e of read('ledger') ? region.ledger : []) {
        if (!singleEntry.has(e.refType)) continue;
        let byRef = entriesOf.get(e.refType);
        if (byRef === undefined) {
          byRef = new Map();
          entriesOf.set(e.refType, byRef);
        }
        byRef.set(e.refId, (byRef.get(e.refId) ?? 0) + 1);
      }
      for (const [refType, byRef] of entriesOf) {
        for (const [refId, n] of byRef) {
          if (n < 2) continue;
          // Entries of one ref for different SKUs or stores are separate changes, not a repeat.
          const perTarget = new Map<string, number>();
          for (const e of region.ledger) {
            if (e.refType === refType && e.refId === refId)
              perTarget.set(`${e.sku}\u0000${e.store}`, (perTarget.get(`${e.sku}\u0000${e.store}`) ?? 0) + 1);
          }
          const repeats = Math.max(...perTarget.values()) - 1;
          const thing =
            refType === 'webhook'
              ? `event:${refId}`
              : refType === 'scan'
                ? `scan:${refId}`
                : `ref:${refType}:${refId}`;
          flag(thing, repeats, `${refType} with more than one ledger entry`, refId);
        }
      }

      const duplicateApplies = sum(extra);
      const unread = unreadKinds(history, region);
      if (duplicateApplies === 0 && unread === undefined) {
        return notApplicable(
          IDEMPOTENCY,
          'the history holds no checkout, return, webhook, scan or offline sale',
          {
            duplicateApplies: 0,
          },
        );
      }
      const valid = duplicateApplies > 0 ? false : unread!.length > 0 ? 'unknown' : true;
      return {
        name: IDEMPOTENCY,
        valid,
        figures: { duplicateApplies, duplicatedThings: extra.size },
        evidence: evidence.items,
        explanation:
          valid === true
            ? `no key, event, scan or offline sale applied twice in region ${region.region}`
            : valid === false
              ? `${plural(extra.size, 'key, event or sale', 'keys, events or sales')} applied more than once (${plural(duplicateApplies, 'extra application')}) in region ${region.region}`
              : `none applied twice as far as can be seen, but the oracle did not read the records of the ${unread!.join(', ')} the history holds`,
      };
    },
  };
}

type Flag = (thing: string, n: number, what: string, key: string, actual?: string) => void;

/** Events, offline sales and return keys the history shows acknowledged as applied more than once. */
function historyRepeats(history: HistoryIndex, flag: Flag): void {
  const applied = new Map<string, number>();
  for (const w of history.webhooks) {
    if (w.status === 'ok' && w.outcome === 'applied')
      applied.set(w.eventId, (applied.get(w.eventId) ?? 0) + 1);
  }
  for (const [id, n] of applied)
    flag(`event:${id}`, n - 1, 'webhook event acknowledged as applied more than once', id);
  const sales = new Map<string, number>();
  for (const s of history.offlineSyncs) {
    if (s.status !== 'ok') continue;
    for (const sale of s.sales) {
      if (sale.ackStatus === 'applied' || sale.ackStatus === 'backordered')
        sales.set(sale.saleId, (sales.get(sale.saleId) ?? 0) + 1);
    }
  }
  for (const [id, n] of sales)
    flag(`sale:${id}`, n - 1, 'offline sale acknowledged as applied more than once', id);
  const returnsOfKey = new Map<string, Set<string>>();
  for (const r of history.returns) {
    if (r.status !== 'ok' || r.returnId === undefined) continue;
    const ids = returnsOfKey.get(r.key) ?? new Set<string>();
    ids.add(r.returnId);
    returnsOfKey.set(r.key, ids);
  }
  for (const [key, ids] of returnsOfKey)
    flag(
      `return-key:${key}`,
      ids.size - 1,
      'one return key acknowledged as two returns',
      key,
      [...ids].join(', '),
    );
}

/**
 * The kinds of op in the history whose records the oracle did not read (any record
 * that could show a repeat will do); undefined when the history holds none of them.
 */
function unreadKinds(history: HistoryIndex, region: RegionState): string[] | undefined {
  const read = (...cs: RegionCollection[]) => cs.some((c) => wasRead(region, c));
  const kinds: [string, boolean, boolean][] = [
    ['checkouts', history.checkouts.length > 0, read('orders')],
    ['returns', history.returns.length > 0, read('returns')],
    ['webhooks', history.webhooks.length > 0, read('webhookEvents', 'ledger')],
    ['scans', history.opsOf(OP.scan).length > 0, read('scans', 'ledger')],
    ['offline sales', history.offlineSyncs.length > 0, read('orders', 'offlineSales')],
  ];
  const present = kinds.filter(([, inHistory]) => inHistory);
  return present.length === 0 ? undefined : present.filter(([, , r]) => !r).map(([k]) => k);
}

function sum(m: Map<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

function countBy<T>(
  items: readonly T[],
  keyOf: (t: T) => string | null,
  onDuplicate: (key: string, n: number) => void,
) {
  const seen = new Set<string>();
  let repeats: Map<string, number> | undefined;
  for (const it of items) {
    const k = keyOf(it);
    if (k === null) continue;
    if (!seen.has(k)) seen.add(k);
    else {
      repeats ??= new Map();
      repeats.set(k, (repeats.get(k) ?? 1) + 1);
    }
  }
  if (repeats !== undefined) for (const [k, n] of repeats) onDuplicate(k, n);
}
