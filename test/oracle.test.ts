// The oracle end to end: generated traffic replayed through the real fleets
// against the reference store on the local stack (two regions, real PostgreSQL
// replication, Kafka, Toxiproxy edges), the final state read back with
// readReferenceStoreState, and every checker run on the history and that state.
// The correct store must raise no alarm; each seeded defect must be caught by
// the checker meant to catch it, with evidence. One stack per case, same traffic;
// a last case loses region a mid-run and heals it: region b, which took over, is the truth.
import { describe, expect, it } from 'vitest';
import { catalogFor, generateRecording } from '../recorders/synthetic-generator.ts';
import { FleetClient } from '../simulators/fleet-client.ts';
import { checkAll } from '../src/checkers/all-checkers.ts';
import type { CheckResult } from '../src/checkers/checker.ts';
import { type HistoryIndex, indexHistory } from '../src/checkers/history-index.ts';
import { OpenModelScheduler, type SchedulerStats } from '../src/engines/open-model-scheduler.ts';
import { runFaultSchedule } from '../src/faults/fault-schedule.ts';
import { Nemesis } from '../src/faults/nemesis.ts';
import { RunClock } from '../src/history/run-clock.ts';
import { authoritativeState, type FinalState } from '../src/model/final-state.ts';
import { type HistoryEntry, runHeader } from '../src/model/history-entry.ts';
import { OP } from '../src/model/op-values.ts';
import type { RecordingEvent, RecordingHeader } from '../src/model/recording-schema.ts';
import { faultScheduleSchema, type ScheduledFault } from '../src/model/scenario-schema.ts';
import { readReferenceStoreState } from '../src/oracle/reference-store-oracle.ts';
import { planRecording, type ReplayOp } from '../src/plan/recording-planner.ts';
import type { DefectName } from '../src/reference-store/defects.ts';
import type { SeedRequest } from '../src/reference-store/request-schemas.ts';
import { StoreClient } from '../src/reference-store/store-client.ts';
import { BUSINESS_REJECTION_CODES } from '../src/run/check-run.ts';
import { LocalStack } from '../src/stack/local-stack.ts';
import { checkerSettingsFor } from '../src/verdict/checker-settings.ts';
import { tempStackDir } from './support/stack-fixture.ts';

/** Each part of the traffic: a generated profile, its SKUs renamed apart so catalogs do not clash. */
const PARTS = [
  // Orders, returns and exchanges (web and POS), marketplace webhooks: 60 s of trading in 15 s.
  { profile: 'returns-wave', durationS: 60, speed: 4, seed: 21, prefix: 'RW-' },
  // RFID cycle counts and barcode scans over Kafka, with a few orders.
  { profile: 'rfid-cycle-count', durationS: 60, speed: 4, seed: 22, prefix: 'RF-' },
  // The drop: ~70 checkouts a second, mostly on five hot SKUs, bots retrying with their key.
  { profile: 'flash-sale', durationS: 15, speed: 1, seed: 23, prefix: 'FS-' },
] as const;
const STORES = 2;
const SKUS = 40;
/** Hot SKUs of the drop get this little stock, so they sell out while shoppers still race for them. */
const HOT_STOCK = 40;
/** A doorbuster: this many shoppers hit one SKU with this much stock at the same instant. */
const DOORBUSTER = { sku: 'DOORBUSTER', stock: 10, shoppers: 40, atMs: 4_000, priceCents: 1_999 };

interface Traffic {
  readonly ops: ReplayOp[];
  /** SKUs seeded with little stock for the demand on them: where a lost update oversells. */
  readonly lowStock: Set<string>;
  readonly seed: SeedRequest['skus'];
  readonly prices: Map<string, number>;
}

function doorbusterRecording(): { header: RecordingHeader; events: RecordingEvent[] } {
  const header: RecordingHeader = {
    type: 'header',
    schemaVersion: 1,
    source: 'oracle-test',
    startTime: '2025-11-28T09:00:00.000Z',
    endTime: '2025-11-28T09:00:10.000Z',
    stores: 1,
    skus: 1,
  };
  const events: RecordingEvent[] = Array.from({ length: DOORBUSTER.shoppers }, (_, i) => ({
    t: DOORBUSTER.atMs,
    kind: 'order' as const,
    id: `door-${i}`,
    channel: 'web' as const,
    store: 'S000',
    customer: { id: `door-customer-${i}` },
    lines: [{ sku: DOORBUSTER.sku, qty: 1, unitPriceCents: DOORBUSTER.priceCents }],
    tenders: [{ type: 'card' as const, amountCents: DOORBUSTER.priceCents }],
    idempotencyKey: `door-key-${i}`,
  }));
  return { header, events };
}

function buildTraffic(parts: readonly (typeof PARTS)[number][], doorbuster: boolean): Traffic {
  const ops: ReplayOp[] = [];
  const seed: SeedRequest['skus'] = [];
  const lowStock = new Set<string>();
  for (const part of parts) {
    const options = {
      profile: part.profile,
      seed: part.seed,
      durationS: part.durationS,
      stores: STORES,
      skus: SKUS,
    };
    const rename = (sku: string) => `${part.prefix}${sku}`;
    const catalog = catalogFor(options);
    for (const k of catalog.skus) {
      const stock: Record<string, number> = {
        [catalog.onlineLocation]: k.hot ? HOT_STOCK : k.stockOnline,
      };
      for (const store of catalog.stores) stock[store] = k.stockPerStore;
      if (k.hot) lowStock.add(rename(k.sku));
      seed.push({ sku: rename(k.sku), priceCents: k.priceCents, serialized: k.rfidTagged, stock });
    }
    const { header, events } = generateRecording(options);
    ops.push(...planRecording(header, events, { speed: part.speed, skuMap: rename }).ops);
  }
  if (doorbuster) {
    const door = doorbusterRecording();
    ops.push(...planRecording(door.header, door.events).ops);
    seed.push({ sku: DOORBUSTER.sku, priceCents: DOORBUSTER.priceCents, stock: { S000: DOORBUSTER.stock } });
    lowStock.add(DOORBUSTER.sku);
  }
  ops.sort((x, y) => x.atMs - y.atMs);
  return { ops, lowStock, seed, prices: new Map(seed.map((s) => [s.sku, s.priceCents])) };
}

interface Rehearsal {
  readonly state: FinalState;
  readonly history: HistoryIndex;
  readonly results: Map<string, CheckResult>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Reads the state until it holds every scan the fleets published (the store
 * consumes Kafka asynchronously) and two reads a second apart agree.
 */
async function settledState(regions: { a: string; b: string }, entries: readonly HistoryEntry[]) {
  const published = new Set<string>();
  const scanOf = new Map<string, string>();
  for (const e of entries) {
    if (e.type === 'invoke' && e.f === OP.scan) scanOf.set(e.op, (e.value as { scanId: string }).scanId);
    if (e.type === 'ok' && scanOf.has(e.op)) published.add(scanOf.get(e.op)!);
  }
  const fingerprint = (s: FinalState) =>
    Object.values(s.regions)
      .map(
        (r) =>
          `${r.region}:${r.ledger.length}/${r.scans.length}/${r.orders.length}/${r.webhookEvents.length}`,
      )
      .join(' ');
  const deadline = Date.now() + 60_000;
  let last = '';
  for (;;) {
    const state = await readReferenceStoreState({ regions, timeoutMs: 10_000 });
    const scans = new Set(authoritativeState(state)!.scans.map((s) => s.eventId));
    const print = fingerprint(state);
    if ([...published].every((id) => scans.has(id)) && print === last) return state;
    if (Date.now() > deadline) {
      throw new Error(`the store did not settle within 60 s (${print}; ${published.size} scans published)`);
    }
    last = print;
    await sleep(1_000);
  }
}

async function rehearse(
  defect: DefectName | undefined,
  traffic: Traffic,
  faults: readonly ScheduledFault[] = [],
): Promise<Rehearsal> {
  const label = `${defect ?? 'correct'}${faults.length > 0 ? '-faults' : ''}`;
  await using stack = await new LocalStack()
    .withDir(tempStackDir(`oracle-${label}`))
    .withReferenceStore({ defect })
    .start();
  const edge = (name: string) => {
    const { listen } = stack.proxy(name);
    return `http://${listen.host}:${listen.port}`;
  };
  const regions = { a: edge('edge-a'), b: edge('edge-b') };
  const seeded = await new StoreClient(regions.a).seed(traffic.seed);
  expect(seeded.status, seeded.text).toBe(201);

  const entries: HistoryEntry[] = [];
  const fleet = new FleetClient({
    storeUrl: [regions.a, regions.b],
    kafkaBrokers: stack.kafkaBrokers,
    seed: 5,
    tailMs: 5_000,
    pos: { prices: traffic.prices },
    web: { stockReads: { rate: 0.25 } },
    webhook: { duplicateRate: 0.5, reorderRate: 0.2 },
    rfid: { duplicateRate: 0.3, reorderRate: 0.2 },
    scanner: { duplicateRate: 0.3 },
  });
  const sink = { append: (e: HistoryEntry) => entries.push(e) };
  const clock = new RunClock();
  // As a run's history opens: its wall-clock start places counts on the ledger's clock.
  entries.push(runHeader({ runId: `oracle-${label}`, startedAt: clock.startedAt, t0: clock.t0 }));
  // Traffic and faults share plan time 0, a moment after the fleets have connected.
  await fleet.open();
  const startAtNs = clock.nowNs() + 300e6;
  fleet.setPlanOrigin(performance.now() + 300);
  const nemesis = Nemesis.forStack(stack.dir);
  const schedule = runFaultSchedule(faults, { nemesis, clock, history: sink, startNs: startAtNs });
  let stats: SchedulerStats;
  try {
    stats = await new OpenModelScheduler(fleet, {
      runId: `oracle-${label}`,
      clock,
      history: sink,
      startAtNs,
      timeoutMs: 5_000,
    }).run(fleet.plan(traffic.ops));
  } finally {
    await schedule.catch(() => {});
    await nemesis.healAll();
  }
  await schedule;
  const failures: Record<string, number> = {};
  for (const e of entries) {
    if (e.type === 'fail' || e.type === 'info') {
      const k = `${e.f} ${e.type} ${e.error?.code ?? ''}`;
      failures[k] = (failures[k] ?? 0) + 1;
    }
  }
  console.log(`${label}: ${JSON.stringify(stats)}\n  not ok: ${JSON.stringify(failures)}`);

  const state = await settledState(regions, entries);
  const history = indexHistory(entries);
  const settings = checkerSettingsFor({ assertions: {}, expectedErrorCodes: BUSINESS_REJECTION_CODES });
  const results = new Map(checkAll(history, state, settings).map((r) => [r.name, r]));
  for (const r of results.values()) console.log(`  ${r.name}: ${String(r.valid)} — ${r.explanation}`);
  return { state, history, results };
}

/** Found nothing wrong: proven (true), or nothing of its kind happened in the run (no offline sale…). */
function passesOrNotApplicable(r: CheckResult): boolean {
  return r.valid === true || r.notApplicable === true;
}

describe('the reference store oracle, end to end on the local stack', () => {
  const traffic = buildTraffic(PARTS, true);

  it('finds nothing wrong with the correct store', { timeout: 300_000 }, async () => {
    const { state, history, results } = await rehearse(undefined, traffic);
    expect([...history.unreadable]).toEqual([]);
    expect(state.authoritativeRegion).toBe('a');
    expect(state.regions.b?.role).toBe('standby');
    const a = authoritativeState(state)!;
    // The traffic reached every part of the state the checkers read.
    expect(a.orders.some((o) => o.offlineSaleId === null && o.idempotencyKey !== null)).toBe(true);
    expect(a.returns.length).toBeGreaterThan(0);
    expect(a.refunds.length).toBeGreaterThan(0);
    expect(a.webhookEvents.length).toBeGreaterThan(5);
    expect(a.scans.length).toBeGreaterThan(50);
    expect(a.orders.filter((o) => o.lines.some((l) => l.sku === DOORBUSTER.sku))).toHaveLength(
      DOORBUSTER.stock,
    );

    // Nothing it should judge is left undecided (no fault, offline sale, probe or stream
    // capture here: those checkers say not applicable).
    const undecided = [...results.values()].filter((r) => r.valid !== true && !r.notApplicable);
    expect(undecided.map((r) => `${r.name}: ${r.valid} — ${r.explanation}`)).toEqual([]);
    expect(results.get('lost-acks')!.figures.acknowledgedOps).toBeGreaterThan(300);
    expect(results.get('oversell')!.figures.availabilityKnown).toBe(1);
    // Scans that changed stock (a count that matched it, a stale or repeated one leaves no entry).
    expect(results.get('ordering')!.figures.sequencedEntries).toBeGreaterThan(20);
  });

  it('catches oversell-race: units sold beyond stock, with the SKU and the ledger as evidence', {
    timeout: 300_000,
  }, async () => {
    const { results } = await rehearse('oversell-race', traffic);
    const oversell = results.get('oversell')!;
    expect(oversell.valid).toBe(false);
    expect(oversell.figures.oversoldUnits).toBeGreaterThan(0);
    // Which contended SKU loses an update varies from run to run; only those can be oversold.
    const beyond = oversell.evidence.filter((e) => e.what === 'sold more than was made available');
    expect(beyond.length).toBeGreaterThan(0);
    for (const e of beyond) expect(traffic.lowStock.has(e.sku!), e.sku).toBe(true);
    expect(oversell.evidence).toContainEqual(
      expect.objectContaining({ what: 'ledger balance went below zero', sku: beyond[0]!.sku }),
    );
    // Lost updates leave the counter above the ledger: the books do not reconcile either.
    expect(results.get('drift')!.valid).toBe(false);
    for (const name of ['lost-acks', 'idempotency', 'offline-reconciliation', 'tender-integrity'])
      expect(passesOrNotApplicable(results.get(name)!), name).toBe(true);
  });

  it('catches webhook-no-dedupe: redelivered marketplace events applied again', {
    timeout: 300_000,
  }, async () => {
    const { results } = await rehearse('webhook-no-dedupe', traffic);
    const idempotency = results.get('idempotency')!;
    expect(idempotency.valid).toBe(false);
    expect(idempotency.figures.duplicateApplies).toBeGreaterThan(0);
    expect(idempotency.evidence).toContainEqual(
      expect.objectContaining({ what: 'webhook event applied more than once' }),
    );
    for (const name of ['oversell', 'lost-acks', 'offline-reconciliation', 'tender-integrity'])
      expect(passesOrNotApplicable(results.get(name)!), name).toBe(true);
  });

  it('after region a is lost and healed, takes region b (which took over) as the truth and loses nothing', {
    timeout: 300_000,
  }, async () => {
    const lose = faultScheduleSchema.parse({
      name: 'lose-region-a',
      fault: { kind: 'region-loss', target: 'a' },
      at: '4s',
      for: '9s',
    });
    const { state, history, results } = await rehearse(undefined, buildTraffic(PARTS.slice(0, 2), false), [
      lose,
    ]);
    expect([...history.unreadable]).toEqual([]);
    expect(history.faults.map((f) => [f.name, f.stopped, f.healFailed])).toEqual([
      ['lose-region-a', true, false],
    ]);
    expect(state.authoritativeRegion).toBe('b');
    expect(state.regions.b!.role).toBe('primary');
    // Region a came back, found region b writing and stayed fenced: read, kept, not the truth.
    expect(state.regions.a?.role).toBe('standby');
    const undecided = [...results.values()].filter((r) => r.valid !== true && !r.notApplicable);
    // No probe runs here: recovery time cannot be measured (a fault with no samples is unknown).
    expect(undecided.map((r) => `${r.name}: ${r.valid}`)).toEqual(['rto: unknown']);
    expect(results.get('lost-acks')!.figures.acknowledgedOps).toBeGreaterThan(50);
  });
});
