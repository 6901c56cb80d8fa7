// The reference store's oracle: maps the store's own final state
// (StoreFinalState, GET /admin/state) to the checkers' FinalState, and reads
// it from both regions after a run. The mapping is pure; readReferenceStoreState
// is the edge (HTTP), tolerating one unreadable region.
import { PeakdrillError } from '../model/errors.ts';
import {
  type FinalAvailability,
  type FinalLedgerEntry,
  type FinalOfflineSale,
  type FinalRefund,
  type FinalState,
  type FinalStateInput,
  parseFinalState,
  REGION_COLLECTIONS,
  type RefundPolicy,
  type RegionState,
} from '../model/final-state.ts';
import type { StoreFinalState } from '../reference-store/final-state.ts';
import {
  chooseAuthoritativeRegion,
  REGION_NAMES,
  type RegionCandidate,
  type RegionName,
  type StoreRoleReport,
} from './authoritative-region.ts';

export type { RegionName, StoreRoleReport } from './authoritative-region.ts';

/**
 * Ledger reasons whose units belong to an order line (sold, returned, exchanged):
 * the oversell checker counts those from the orders. Every other reason (seed,
 * receiving, adjustment, cycle-count, marketplace, and any the store adds later)
 * is stock made available to orders or taken from them by something else, so
 * per SKU: Σ available − Σ sold-and-kept = Σ stock, which is ≥ 0 in a correct store.
 */
const ORDER_REASONS: ReadonlySet<string> = new Set(['sale', 'offline-sale', 'return', 'exchange']);

/**
 * How the reference store splits a refund (src/reference-store/refund-allocation.ts):
 * the tender taken last is paid back first, each up to what it has left.
 */
export const REFERENCE_STORE_REFUND_POLICY: RefundPolicy = 'last-tender-first';

/** The ledger stream (the ordering checker's word) of each ref type with a per-SKU sequence. */
const STREAM_OF_REF: Readonly<Record<string, string>> = { webhook: 'webhooks', scan: 'scans' };

/** One region's StoreFinalState in the checkers' shape. */
export function toRegionState(store: StoreFinalState, region: string, health?: StoreRoleReport): RegionState {
  const tenderKind = new Map<string, string>();
  for (const o of store.orders) for (const t of o.tenders) tenderKind.set(t.tenderId, t.kind);
  const returnKey = new Map<string, string | null>();
  for (const r of store.returns) returnKey.set(r.returnId, r.idempotencyKey);

  const refunds: FinalRefund[] = store.refunds.map((r) => ({
    returnId: r.returnId,
    orderId: r.orderId,
    tenderId: r.tenderId,
    // A refund names a tender of its order; one that does not is still money paid out.
    tender: tenderKind.get(r.tenderId) ?? 'unknown',
    amountCents: r.amountCents,
    idempotencyKey: returnKey.get(r.returnId) ?? null,
  }));

  const sequenceOf = new Map<string, number>();
  for (const e of store.webhookEvents) sequenceOf.set(`webhook\u0000${e.eventId}`, e.sequence);
  for (const e of store.scanEvents) sequenceOf.set(`scan\u0000${e.scanId}`, e.sequence);
  const ledger: FinalLedgerEntry[] = store.ledger.map((e) => {
    const offline = e.refType === 'offline-sale';
    const entry: FinalLedgerEntry = {
      seq: e.id,
      sku: e.sku,
      store: e.store,
      delta: e.delta,
      reason: e.reason,
      refType: e.refType,
      refId: e.refId,
      // An offline sale's ledger rows carry its upload's batch id, which a re-sent
      // batch repeats: it is the batch, not an idempotency key of the sale.
      idempotencyKey: offline ? null : e.idempotencyKey,
      batchId: offline ? e.idempotencyKey : null,
      absolute: e.reason === 'cycle-count',
      at: e.at,
    };
    const stream = STREAM_OF_REF[e.refType];
    const sequence = stream === undefined ? undefined : sequenceOf.get(`${e.refType}\u0000${e.refId}`);
    return stream === undefined || sequence === undefined ? entry : { ...entry, stream, sequence };
  });

  const available = new Map<string, FinalAvailability>();
  for (const e of store.ledger) {
    if (ORDER_REASONS.has(e.reason)) continue;
    const k = `${e.sku}\u0000${e.store}\u0000${e.reason}`;
    const a = available.get(k);
    if (a === undefined) available.set(k, { sku: e.sku, store: e.store, qty: e.delta, source: e.reason });
    else a.qty += e.delta;
  }

  const backorderedOfSale = new Map<string, number>();
  for (const b of store.backorders) {
    if (b.refType === 'offline-sale')
      backorderedOfSale.set(b.refId, (backorderedOfSale.get(b.refId) ?? 0) + b.qty);
  }
  const offlineSales: FinalOfflineSale[] = store.offlineSales.map((s) => ({
    saleId: s.saleId,
    batchId: s.batchId,
    orderId: s.orderId,
    backorderedQty: backorderedOfSale.get(s.saleId) ?? 0,
    // The sale id is the table's key: the store records a sale once. Stock taken
    // again for it shows in the ledger, which the offline checker sets against its order.
    applications: 1,
  }));

  return {
    region,
    // GET /admin/state answers every table whole, so every list below is the full truth.
    read: [...REGION_COLLECTIONS],
    role: roleOf(store, health),
    skus: store.skus.map((s) => s.sku),
    orders: store.orders.map((o) => ({
      orderId: o.orderId,
      idempotencyKey: o.idempotencyKey,
      offlineSaleId: o.offlineSaleId,
      channel: o.channel,
      store: o.store,
      status: o.status,
      lines: o.lines.map((l) => ({
        sku: l.sku,
        qty: l.qty,
        epc: l.epc,
        backorderedQty: l.backorderedQty,
        returnedQty: l.returnedQty,
      })),
      // In the order taken: the refund policy is stated in that order.
      tenders: [...o.tenders]
        .sort((x, y) => x.seq - y.seq)
        .map((t) => ({ tenderId: t.tenderId, type: t.kind, amountCents: t.amountCents })),
    })),
    returns: store.returns.map((r) => ({
      returnId: r.returnId,
      orderId: r.orderId,
      idempotencyKey: r.idempotencyKey,
      exchangeOrderId: r.exchangeOrderId,
    })),
    refunds,
    stock: store.stock.map((s) => ({ sku: s.sku, store: s.store, onHand: s.onHand })),
    available: [...available.values()],
    ledger,
    webhookEvents: store.webhookEvents.map((e) => ({
      eventId: e.eventId,
      sku: e.sku,
      store: e.store,
      sequence: e.sequence,
      kind: e.type,
      outcome: e.outcome,
      applications: e.applications,
    })),
    scans: store.scanEvents.map((e) => ({
      eventId: e.scanId,
      sku: e.sku,
      store: e.store,
      sequence: e.sequence,
      kind: e.kind,
      outcome: e.outcome,
      applications: e.applications,
    })),
    offlineSales,
    serializedUnits: store.serializedUnits.map((u) => ({
      epc: u.epc,
      sku: u.sku,
      orderIds: u.status === 'sold' ? [u.orderId] : [],
    })),
  };
}

/** The schema knows writer, non-writer and unknown: a fenced store is a non-writer. */
function roleOf(store: StoreFinalState, health: StoreRoleReport | undefined): RegionState['role'] {
  switch (health?.role) {
    case 'primary':
      return 'primary';
    case 'standby':
    case 'fenced':
      return 'standby';
    default:
      // A writable database may belong to the primary or to a fenced former one.
      return store.readFromStandby ? 'standby' : 'unknown';
  }
}

export interface ToFinalStateOptions {
  /** Each region's /health answer; without it the choice falls back on the databases' recovery state. */
  readonly health?: Partial<Record<RegionName, StoreRoleReport>>;
}

/**
 * Both regions' states (either may be missing) as one FinalState, with the
 * authoritative region chosen by chooseAuthoritativeRegion. Throws
 * PEAKDRILL_ERR_UNREACHABLE when no region read can be the truth.
 */
export function toFinalState(
  states: Partial<Record<RegionName, StoreFinalState>>,
  options: ToFinalStateOptions = {},
): FinalState {
  const candidates: RegionCandidate[] = [];
  for (const region of REGION_NAMES) {
    const state = states[region];
    if (state !== undefined) candidates.push({ region, state, health: options.health?.[region] });
  }
  const choice = chooseAuthoritativeRegion(candidates);
  if (choice.region === undefined) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_UNREACHABLE',
      `no authoritative final state of the reference store: ${choice.why}`,
      { hint: UNREACHABLE_HINT },
    );
  }
  const regions: Record<string, RegionState> = {};
  for (const c of candidates) regions[c.region] = toRegionState(c.state, c.region, c.health);
  const input: FinalStateInput = {
    schemaVersion: 1,
    readAt: states[choice.region]!.readAt,
    refundPolicy: REFERENCE_STORE_REFUND_POLICY,
    authoritativeRegion: choice.region,
    regions,
  };
  return parseFinalState(input);
}

const UNREACHABLE_HINT =
  'check the stack is up (`peakdrill stack status`) and that no fault is left applied (`peakdrill faults clear`); the store logs are in the run directory (logs/store-*.log)';

export interface ReadReferenceStoreOptions {
  /** Each region's store base URL (through its edge proxy); a region left out is not read. */
  readonly regions: Partial<Record<RegionName, string>>;
  /** Per request; both regions are read at once (default 60 s: a big run's state is many MiB). */
  readonly timeoutMs?: number;
  /** Told why a region could not be read, and which region was taken as the truth. */
  readonly onWarning?: (message: string) => void;
}

interface RegionRead {
  readonly state?: StoreFinalState;
  readonly health?: StoreRoleReport;
  readonly error?: string;
}

/**
 * Reads GET /admin/state and GET /health from each region's store and maps them
 * with toFinalState. One region may be unreadable (lost, partitioned): the other
 * is then the truth unless it was fenced. Throws PEAKDRILL_ERR_UNREACHABLE when
 * no region that could be the truth answers.
 */
export async function readReferenceStoreState(options: ReadReferenceStoreOptions): Promise<FinalState> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const named = REGION_NAMES.filter((r) => options.regions[r] !== undefined);
  if (named.length === 0) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', 'readReferenceStoreState was given no region URL', {
      hint: 'pass regions: { a: <store-a edge URL>, b: <store-b edge URL> }',
    });
  }
  const reads = await Promise.all(named.map((r) => readRegion(r, options.regions[r]!, timeoutMs)));
  const states: Partial<Record<RegionName, StoreFinalState>> = {};
  const health: Partial<Record<RegionName, StoreRoleReport>> = {};
  const failures: string[] = [];
  named.forEach((region, i) => {
    const read = reads[i]!;
    if (read.state !== undefined) states[region] = read.state;
    else failures.push(`region ${region} (${options.regions[region]}): ${read.error}`);
    if (read.health !== undefined) health[region] = read.health;
  });
  if (failures.length === named.length) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_UNREACHABLE',
      `could not read the reference store's final state from any region: ${failures.join('; ')}`,
      { hint: UNREACHABLE_HINT },
    );
  }
  let state: FinalState;
  try {
    state = toFinalState(states, { health });
  } catch (error) {
    if (error instanceof PeakdrillError && failures.length > 0) {
      throw new PeakdrillError('PEAKDRILL_ERR_UNREACHABLE', `${error.message}; and ${failures.join('; ')}`, {
        hint: UNREACHABLE_HINT,
        cause: error,
      });
    }
    throw error;
  }
  if (failures.length > 0) {
    options.onWarning?.(
      `${failures.join('; ')}; region ${state.authoritativeRegion} is taken as the final state`,
    );
  }
  return state;
}

async function readRegion(region: RegionName, baseUrl: string, timeoutMs: number): Promise<RegionRead> {
  const [health, state] = await Promise.all([
    getJson(baseUrl, '/health', timeoutMs),
    getJson(baseUrl, '/admin/state', timeoutMs),
  ]);
  let role: StoreRoleReport | undefined;
  // /health answers 503 with its body when the store is not ready (fenced, database down).
  const h = asObject(health.body);
  if (h !== undefined && typeof h.role === 'string') {
    if (typeof h.region === 'string' && h.region !== region) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_USAGE',
        `the store at ${baseUrl} is region ${h.region}, but it was given as region ${region}`,
        { hint: 'pass each region its own store URL (edge-a for a, edge-b for b)' },
      );
    }
    const failover = asObject(h.failover);
    const promotedAt = failover?.promotedAt;
    role = { role: h.role, promotedAt: typeof promotedAt === 'string' ? promotedAt : null };
  }
  const withRole = role === undefined ? {} : { health: role };
  if (state.error !== undefined) return { ...withRole, error: state.error };
  if (state.status !== 200) {
    return { ...withRole, error: `GET /admin/state answered ${state.status}: ${state.text.slice(0, 300)}` };
  }
  const body = asObject(state.body);
  if (body?.schemaVersion !== 1 || !Array.isArray(body.orders) || !Array.isArray(body.ledger)) {
    return {
      ...withRole,
      error: `GET /admin/state answered something that is not a reference store state (schemaVersion ${String(body?.schemaVersion)})`,
    };
  }
  return { ...withRole, state: body as unknown as StoreFinalState };
}

interface JsonAnswer {
  readonly status: number;
  readonly text: string;
  readonly body: unknown;
  /** Set when no answer came (refused, reset, timed out). */
  readonly error?: string;
}

async function getJson(baseUrl: string, path: string, timeoutMs: number): Promise<JsonAnswer> {
  try {
    const res = await fetch(new URL(path, baseUrl), { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, text, body };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const why =
      e.name === 'TimeoutError'
        ? `no answer to GET ${path} within ${timeoutMs} ms`
        : `GET ${path} failed: ${e.cause?.code ?? e.cause?.message ?? e.message}`;
    return { status: 0, text: '', body: undefined, error: why };
  }
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}
