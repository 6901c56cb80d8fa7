// Summarises a recording in one streaming pass: rate over time, kinds, SKU
// concentration, stores, tender and refund mix, RFID duplicates, bad lines.
// Memory grows with distinct SKUs, stores and EPCs, and with event ids (the
// reader keeps them to refuse a repeat), never with whole events.
import type { RecordingEvent, RecordingHeader, Tender, TenderType } from '../model/recording-schema.ts';
import { openRecording, type RecordingProblem } from './recording-reader.ts';

export interface InspectOptions {
  readonly skipInvalid?: boolean;
  readonly maxProblems?: number;
  /** At most this many rate buckets (default 600); buckets widen to fit. */
  readonly maxBuckets?: number;
  /** Two reads of one EPC closer than this count as a duplicate (default 5 s). */
  readonly rfidDuplicateWindowMs?: number;
  /** How many top SKUs to list (default 10). */
  readonly topSkus?: number;
}

export interface MoneyFigure {
  count: number;
  amountCents: number;
}

export interface InspectionResult {
  readonly file: string;
  readonly header: RecordingHeader;
  readonly events: number;
  readonly durationS: number;
  /** Width of each eventsPerSecond bucket; `count` is the events in the bucket. */
  readonly bucketSeconds: number;
  readonly eventsPerSecond: { second: number; count: number }[];
  /** The busiest single second (exact while the window is under ~11 days). */
  readonly peakSecond: { second: number; count: number } | undefined;
  /** Events whose t lies past the header's endTime (not in the buckets). */
  readonly outOfRange: number;
  readonly kinds: Record<string, number>;
  readonly orders: { count: number; retries: number; returns: number; exchanges: number; returnRate: number };
  readonly skuConcentration: {
    /** Share of ordered units (first attempts) on the top 1% of the catalog's SKUs. */
    top1PercentShare: number;
    topSkus: { sku: string; units: number; share: number }[];
    units: number;
    distinctSkus: number;
  };
  readonly stores: number;
  readonly tenders: Partial<Record<TenderType, MoneyFigure>>;
  readonly refunds: Partial<Record<TenderType, MoneyFigure>>;
  readonly rfid: { reads: number; uniqueEpcs: number; duplicateReads: number; duplicateWindowMs: number };
  readonly invalid?: { count: number; samples: RecordingProblem[] };
}

const MAX_SLOTS = 1_000_000;
// Beyond this many distinct EPCs the duplicate count becomes a lower bound
// rather than letting memory grow without limit.
const MAX_TRACKED_EPCS = 2_000_000;

export async function inspectRecording(
  path: string,
  options: InspectOptions = {},
): Promise<InspectionResult> {
  const stream = await openRecording(path, {
    skipInvalid: options.skipInvalid ?? false,
    maxProblems: options.maxProblems ?? 20,
  });
  const { header } = stream;
  const windowMs = Math.max(0, Date.parse(header.endTime) - Date.parse(header.startTime));
  const durationS = Math.ceil(windowMs / 1000);
  const slotSeconds = Math.max(1, Math.ceil(durationS / MAX_SLOTS));
  const slots = new Uint32Array(Math.floor(durationS / slotSeconds) + 1);
  const duplicateWindowMs = options.rfidDuplicateWindowMs ?? 5_000;
  const tally = new Tally(duplicateWindowMs);
  let outOfRange = 0;

  for await (const event of stream) {
    const slot = Math.floor(event.t / 1000 / slotSeconds);
    if (slot < slots.length && event.t <= windowMs) slots[slot]! += 1;
    else outOfRange += 1;
    tally.add(event);
  }

  const maxBuckets = options.maxBuckets ?? 600;
  const bucketSeconds = slotSeconds * Math.max(1, Math.ceil(slots.length / maxBuckets));
  const slotsPerBucket = bucketSeconds / slotSeconds;
  const eventsPerSecond: { second: number; count: number }[] = [];
  let peakSecond: { second: number; count: number } | undefined;
  for (let slot = 0; slot < slots.length; slot++) {
    const count = slots[slot]!;
    const bucket = Math.floor(slot / slotsPerBucket);
    if (bucket === eventsPerSecond.length) eventsPerSecond.push({ second: bucket * bucketSeconds, count: 0 });
    eventsPerSecond[bucket]!.count += count;
    if (count > 0 && (peakSecond === undefined || count > peakSecond.count))
      peakSecond = { second: slot * slotSeconds, count };
  }

  const { summary } = stream;
  return {
    file: path,
    header,
    events: summary.events,
    durationS,
    bucketSeconds,
    eventsPerSecond,
    peakSecond,
    outOfRange,
    kinds: tally.kinds,
    orders: tally.orderFigures(),
    skuConcentration: tally.skuConcentration(header.skus, options.topSkus ?? 10),
    stores: tally.stores.size,
    tenders: tally.tenders,
    refunds: tally.refunds,
    rfid: { ...tally.rfid, uniqueEpcs: tally.lastRead.size, duplicateWindowMs },
    ...(options.skipInvalid ? { invalid: { count: summary.invalid, samples: summary.problems } } : {}),
  };
}

class Tally {
  readonly kinds: Record<string, number> = {};
  readonly stores = new Set<string>();
  readonly unitsBySku = new Map<string, number>();
  readonly tenders: Partial<Record<TenderType, MoneyFigure>> = {};
  readonly refunds: Partial<Record<TenderType, MoneyFigure>> = {};
  readonly lastRead = new Map<string, number>();
  readonly rfid = { reads: 0, duplicateReads: 0 };
  readonly #duplicateWindowMs: number;
  #orders = 0;
  #retries = 0;

  constructor(duplicateWindowMs: number) {
    this.#duplicateWindowMs = duplicateWindowMs;
  }

  add(event: RecordingEvent): void {
    this.kinds[event.kind] = (this.kinds[event.kind] ?? 0) + 1;
    if ('store' in event && event.store !== undefined) this.stores.add(event.store);
    switch (event.kind) {
      case 'order':
        // A retry repeats its first attempt: counting it again would double the demand and the money.
        if (event.retryOf !== undefined) {
          this.#retries += 1;
          return;
        }
        this.#orders += 1;
        for (const line of event.lines)
          this.unitsBySku.set(line.sku, (this.unitsBySku.get(line.sku) ?? 0) + line.qty);
        addMoney(this.tenders, event.tenders);
        return;
      case 'return':
        addMoney(this.refunds, event.refunds);
        return;
      case 'exchange':
        addMoney(this.refunds, event.refunds);
        addMoney(this.tenders, event.tenders);
        return;
      case 'rfid-read': {
        this.rfid.reads += 1;
        const last = this.lastRead.get(event.epc);
        if (last !== undefined && event.t - last <= this.#duplicateWindowMs) this.rfid.duplicateReads += 1;
        if (last !== undefined || this.lastRead.size < MAX_TRACKED_EPCS)
          this.lastRead.set(event.epc, event.t);
        return;
      }
      default:
        return;
    }
  }

  orderFigures(): InspectionResult['orders'] {
    const returns = this.kinds.return ?? 0;
    const exchanges = this.kinds.exchange ?? 0;
    return {
      count: this.#orders,
      retries: this.#retries,
      returns,
      exchanges,
      returnRate: this.#orders === 0 ? 0 : (returns + exchanges) / this.#orders,
    };
  }

  skuConcentration(catalogSkus: number, top: number): InspectionResult['skuConcentration'] {
    const ranked = [...this.unitsBySku].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const units = ranked.reduce((sum, [, u]) => sum + u, 0);
    const catalog = catalogSkus > 0 ? catalogSkus : ranked.length;
    const topCount = Math.max(1, Math.ceil(catalog * 0.01));
    const topUnits = ranked.slice(0, topCount).reduce((sum, [, u]) => sum + u, 0);
    return {
      top1PercentShare: units === 0 ? 0 : topUnits / units,
      topSkus: ranked
        .slice(0, top)
        .map(([sku, u]) => ({ sku, units: u, share: units === 0 ? 0 : u / units })),
      units,
      distinctSkus: ranked.length,
    };
  }
}

function addMoney(into: Partial<Record<TenderType, MoneyFigure>>, tenders: readonly Tender[]): void {
  for (const tender of tenders) {
    const figure = into[tender.type] ?? { count: 0, amountCents: 0 };
    figure.count += 1;
    figure.amountCents += tender.amountCents;
    into[tender.type] = figure;
  }
}

/** The inspection as text for a terminal. */
export function formatInspection(result: InspectionResult): string {
  const { header } = result;
  const out: string[] = [];
  const row = (label: string, text: string) => out.push(`${label.padEnd(10)} ${text}`);
  const meta = [header.source, `schema ${header.schemaVersion}`];
  if (header.seed !== undefined) meta.push(`seed ${header.seed}`);
  row('recording', `${result.file} (${meta.join(', ')})`);
  row('window', `${header.startTime} → ${header.endTime} (${formatSeconds(result.durationS)})`);
  row(
    'catalog',
    `${num(header.stores)} stores, ${num(header.skus)} SKUs declared; ${num(result.stores)} locations seen`,
  );
  const average = result.durationS > 0 ? result.events / result.durationS : result.events;
  const peak = result.peakSecond
    ? `, peak ${num(result.peakSecond.count)}/s at +${formatSeconds(result.peakSecond.second)}`
    : '';
  row('events', `${num(result.events)} (${average.toFixed(1)}/s average${peak})`);
  if (result.outOfRange > 0) row('', `${num(result.outOfRange)} events after endTime`);
  row(
    'kinds',
    Object.entries(result.kinds)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, count]) => `${kind} ${num(count)}`)
      .join(' · ') || '-',
  );
  const o = result.orders;
  row(
    'orders',
    `${num(o.count)} first attempts, ${num(o.retries)} retries; ${num(o.returns)} returns, ${num(o.exchanges)} exchanges (${pct(o.returnRate)} of orders)`,
  );
  row('tenders', formatMoneyMix(result.tenders));
  if (Object.keys(result.refunds).length > 0) row('refunds', formatMoneyMix(result.refunds));
  const c = result.skuConcentration;
  row(
    'SKUs',
    `${num(c.distinctSkus)} ordered, ${num(c.units)} units; top 1% of the catalog takes ${pct(c.top1PercentShare)}`,
  );
  if (c.topSkus.length > 0)
    row(
      '',
      c.topSkus
        .slice(0, 5)
        .map((s) => `${s.sku} ${pct(s.share)}`)
        .join(' · '),
    );
  if (result.rfid.reads > 0)
    row(
      'rfid',
      `${num(result.rfid.reads)} reads of ${num(result.rfid.uniqueEpcs)} tags, ${num(result.rfid.duplicateReads)} duplicates within ${formatSeconds(result.rfid.duplicateWindowMs / 1000)}`,
    );
  row(
    'rate',
    `${sparkline(result.eventsPerSecond.map((b) => b.count))}  (${formatSeconds(result.bucketSeconds)} buckets)`,
  );
  if (result.invalid !== undefined) {
    row('invalid', result.invalid.count === 0 ? 'none' : `${num(result.invalid.count)} lines skipped`);
    for (const p of result.invalid.samples.slice(0, 5)) row('', `line ${p.line}: ${p.reason}`);
  }
  return out.join('\n');
}

function formatMoneyMix(mix: Partial<Record<TenderType, MoneyFigure>>): string {
  const entries = Object.entries(mix) as [TenderType, MoneyFigure][];
  const total = entries.reduce((sum, [, f]) => sum + f.count, 0);
  if (total === 0) return '-';
  return entries
    .sort((a, b) => b[1].count - a[1].count)
    .map(([type, f]) => `${type} ${pct(f.count / total)} ${dollars(f.amountCents)}`)
    .join(' · ');
}

const BARS = '▁▂▃▄▅▆▇█';

function sparkline(values: readonly number[], width = 60): string {
  if (values.length === 0) return '-';
  const per = Math.ceil(values.length / width);
  const columns: number[] = [];
  for (let i = 0; i < values.length; i += per) columns.push(Math.max(...values.slice(i, i + per)));
  const max = Math.max(...columns);
  return columns
    .map((v) => (max === 0 ? BARS[0] : BARS[Math.min(7, Math.floor((v / max) * 7.999))]))
    .join('');
}

function num(n: number): string {
  return n.toLocaleString('en-US');
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function dollars(cents: number): string {
  return `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Number(seconds.toFixed(1))}s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 ? `${s}s` : ''}`;
}
