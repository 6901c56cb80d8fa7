// The reference store as a target: two regions (store-a/store-b behind
// edge-a/edge-b, each on its own PostgreSQL, a POS uplink per group of stores),
// its JSON API as the codec, /admin/* to reset and seed, /health for the role,
// the SQL-backed /admin/state oracle with "two reads agree" as its settled rule,
// and its inventory-events topic as an event stream.
import { localStackDeclaration } from '../../faults/fault-targets.ts';
import { type Ability, ABILITIES as ALL_ABILITIES } from '../../model/abilities.ts';
import { PeakdrillError } from '../../model/errors.ts';
import type { FinalState } from '../../model/final-state.ts';
import { PROBE } from '../../model/op-values.ts';
import { readReferenceStoreState } from '../../oracle/reference-store-oracle.ts';
import { cdcLagProbe } from '../../probes/cdc-lag-probe.ts';
import type { ProbeSpec } from '../../probes/probe-runner.ts';
import { checkoutProbe, ProbePools, propagationProbe, type StoreRegion } from '../../probes/store-probes.ts';
import { StoreClient } from '../../reference-store/store-client.ts';
import { startEventCapture } from '../../run/event-capture-phase.ts';
import { PROPAGATION_PROBE_SKU, type SeedSku } from '../../run/run-catalog.ts';
import { LocalStack } from '../../stack/local-stack.ts';
import { posUplinkOf } from '../../stack/pos-uplinks.ts';
import type { StackState } from '../../stack/stack-state.ts';
import type { LocalStartOptions, ProbeContext, StartedTarget, TargetModule } from '../target.ts';
import { ReferenceStoreCodec } from './reference-store-codec.ts';
import { StoreExchangeDecoder } from './store-exchange-decoder.ts';
import { StoreRowDecoder } from './store-row-decoder.ts';

// The reference store has every ability a scenario can ask for: it is what they were written against.
const ABILITIES: ReadonlySet<Ability> = new Set(ALL_ABILITIES);

/** The store's answers that are the business saying no, not the system failing. */
export const REFERENCE_STORE_REJECTIONS: readonly string[] = [
  'out-of-stock',
  'unit-already-sold',
  'nothing-to-return',
  'refund-exceeds-tenders',
  'unknown-order',
  'sold-offline',
  'offline-declined',
  'not-needed',
];

export const referenceStoreTarget: TargetModule = {
  name: 'reference-store',
  description: 'the reference store that ships with peakdrill (two regions, seeded defects)',
  abilities: ABILITIES,
  exchangeDecoder: () => new StoreExchangeDecoder(),
  rowDecoder: () => new StoreRowDecoder(),
  businessRejections: REFERENCE_STORE_REJECTIONS,
  publishesEvents: true,
  singleWriter: true,
  declaration: () => localStackDeclaration({ store: true }),
  async startLocal(options: LocalStartOptions): Promise<StartedTarget> {
    const started = await new LocalStack()
      .withDir(options.dir)
      .forRun(options.runDir, { temporary: true })
      .withReplication(options.scenarioStore.replication)
      .withTopology(options.scenarioStore.topology ?? 'regions')
      .withReferenceStore({
        defect: options.defect,
        failover: options.scenarioStore.failover,
        failoverDetectionMs: options.scenarioStore.detection,
      })
      .withEnv(options.env)
      .withLogger(options.log)
      .start();
    return referenceStoreApiOn(started.state, edgeRegions(started.state), () => started.stop());
  },
  async attach(state: StackState): Promise<StartedTarget> {
    return referenceStoreApiOn(state, edgeRegions(state), async () => {});
  },
};

/**
 * A system that speaks the reference store's API, reached at `regions` (site a,
 * and b when there is one): the reference store itself, or an external service
 * implementing the same contract.
 */
export function referenceStoreApiOn(
  state: StackState,
  regions: readonly StoreRegion[],
  stop: () => Promise<void>,
): StartedTarget {
  const byName = new Map(state.proxies.map((p) => [p.name, `http://${p.listen.host}:${p.listen.port}`]));
  const kafka = state.endpoints.kafka?.url;
  return {
    stack: state,
    sites: regions,
    defect: state.defect ?? null,
    codec: new ReferenceStoreCodec(),
    secrets: [state.secrets.pgPassword].filter((s) => s !== ''),
    kafkaBrokers: kafka === undefined ? [] : [kafka],
    uplinkOf(store) {
      // Each store's POS uplink when the stack has them (pos-uplink-N), then region b's edge.
      const name = posUplinkOf(store);
      const url = name === undefined ? undefined : byName.get(name);
      const fallback = regions[1]?.url;
      return url === undefined ? undefined : fallback === undefined ? [url] : [url, fallback];
    },
    resetAndSeed: (seed) => resetAndSeed(regions, seed),
    probes: (context) => {
      const probes = referenceStoreProbes(regions, context);
      const blue = state.endpoints['postgres-a']?.port;
      // The migration's CDC, forward then fallback, measured all the way (the migration topology only).
      const green = state.endpoints['postgres-b']?.port;
      if (state.topology === 'migration' && blue !== undefined && green !== undefined) {
        probes.specs.set(
          PROBE.cdcLag,
          cdcLagProbe({
            bluePort: blue,
            greenPort: green,
            password: state.secrets.pgPassword,
            everyMs: context.propagationEveryMs,
          }),
        );
      }
      return probes;
    },
    captureEvents: (runDir, log) => startEventCapture(state, runDir, log),
    readFinalState: (log) => settledState(oracleRegions(state, regions), log),
    stop,
  };
}

/**
 * Where the oracle reads each site. After a migration cutover edge-a leads to green, so
 * blue is read at its own port; otherwise through the edges, as traffic went.
 */
function oracleRegions(state: StackState, regions: readonly StoreRegion[]): readonly StoreRegion[] {
  if (state.topology !== 'migration') return regions;
  return regions.map((r) => ({ ...r, url: state.endpoints[`store-${r.name}`]?.url ?? r.url }));
}

function edgeRegions(state: StackState): readonly [StoreRegion, StoreRegion] {
  const edge = (region: 'a' | 'b'): StoreRegion => {
    const proxy = state.proxies.find((p) => p.name === `edge-${region}`);
    if (proxy === undefined) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_STACK_STATE',
        `the stack in ${state.dir} has no edge-${region} proxy`,
        {
          hint: 'start it with the reference store: `peakdrill stack up` (without --no-store)',
        },
      );
    }
    return { name: region, url: `http://${proxy.listen.host}:${proxy.listen.port}` };
  };
  return [edge('a'), edge('b')];
}

/** Seeded in slices: a peak catalog is larger than one request should be. */
const SEED_SLICE = 5_000;

async function resetAndSeed(regions: readonly StoreRegion[], seed: readonly SeedSku[]): Promise<void> {
  const primary = await findPrimary(regions);
  const admin = new StoreClient(primary.url, { timeoutMs: 60_000 });
  // A stack that ran before holds its sales: start each run from the same books.
  const reset = await admin.reset();
  if (reset.status >= 300) throw storeAdminError(primary, 'POST /admin/reset', reset.status, reset.text);
  for (let i = 0; i < seed.length; i += SEED_SLICE) {
    const seeded = await admin.seed(seed.slice(i, i + SEED_SLICE) as never);
    if (seeded.status >= 300) throw storeAdminError(primary, 'POST /admin/seed', seeded.status, seeded.text);
  }
}

async function findPrimary(regions: readonly StoreRegion[]): Promise<StoreRegion> {
  const seen: string[] = [];
  for (const region of regions) {
    try {
      const health = await new StoreClient(region.url, { timeoutMs: 5_000 }).health();
      seen.push(`${region.name}: ${health.status} ${health.body?.role ?? ''}`);
      if (health.status === 200 && health.body?.role === 'primary') return region;
    } catch (error) {
      seen.push(`${region.name}: ${(error as Error).message}`);
    }
  }
  throw new PeakdrillError(
    'PEAKDRILL_ERR_UNREACHABLE',
    `no region of the store takes writes (${seen.join('; ')})`,
    {
      hint: 'check `peakdrill stack status`; restart the stack with `peakdrill stack down && peakdrill stack up`',
    },
  );
}

function storeAdminError(region: StoreRegion, what: string, status: number, text: string): PeakdrillError {
  return new PeakdrillError(
    'PEAKDRILL_ERR_UNREACHABLE',
    `${what} on region ${region.name} (${region.url}) answered ${status}: ${text.slice(0, 300)}`,
    { hint: 'see the store logs in the run directory (logs/store-*.log)' },
  );
}

/** A checkout probe per region (checkout-a, checkout-b) and the cross-region propagation probe. */
function referenceStoreProbes(regions: readonly StoreRegion[], context: ProbeContext) {
  const pools = new ProbePools();
  const specs = new Map<string, ProbeSpec>();
  for (const region of regions) {
    specs.set(
      `checkout-${region.name}`,
      checkoutProbe({
        runId: context.runId,
        region,
        checkout: context.checkout,
        pools,
        everyMs: context.checkoutEveryMs,
      }),
    );
  }
  // Propagation needs a second site to see the write in.
  if (regions.length === 2)
    specs.set(
      'propagation',
      propagationProbe({
        runId: context.runId,
        regions: [regions[0]!, regions[1]!],
        checkout: { ...context.checkout, sku: PROPAGATION_PROBE_SKU },
        pools,
        clock: context.clock,
        everyMs: context.propagationEveryMs,
      }),
    );
  return { specs, close: () => pools.close() };
}

/** The store applies Kafka scans and replicates asynchronously: read until two reads agree. */
const SETTLE_MAX_MS = 20_000;
const SETTLE_EVERY_MS = 1_000;

async function settledState(
  regions: readonly StoreRegion[],
  log: (line: string) => void,
): Promise<FinalState> {
  const warnings = new Set<string>();
  const read = () =>
    readReferenceStoreState({
      regions: Object.fromEntries(regions.map((r) => [r.name, r.url])),
      timeoutMs: 60_000,
      onWarning: (message) => warnings.add(message),
    });
  const deadline = performance.now() + SETTLE_MAX_MS;
  let state = await read();
  let print = fingerprint(state);
  for (;;) {
    await new Promise((r) => setTimeout(r, SETTLE_EVERY_MS));
    const next = await read();
    const nextPrint = fingerprint(next);
    state = next;
    if (nextPrint === print) {
      for (const w of warnings) log(`oracle: ${w}`);
      return state;
    }
    if (performance.now() > deadline) {
      log(
        `the store was still changing ${SETTLE_MAX_MS / 1_000} s after the run (${nextPrint}); checking what it held then`,
      );
      return state;
    }
    print = nextPrint;
  }
}

/** What moves while the store catches up: ledger, scans and events per region. */
function fingerprint(state: FinalState): string {
  return Object.entries(state.regions)
    .map(
      ([name, r]) =>
        `${name}:${r.ledger.length}/${r.scans.length}/${r.webhookEvents.length}/${r.orders.length}`,
    )
    .join(' ');
}
