// Production-shaped synthetic recordings: generateRecording() returns the
// header and a lazy, re-iterable stream of events; catalogFor() returns the
// catalog those events assume. Same options → same events → same bytes.
import { z } from 'zod';
import { PeakdrillError } from '../src/model/errors.ts';
import {
  RECORDING_SCHEMA_VERSION,
  type RecordingEvent,
  type RecordingHeader,
} from '../src/model/recording-schema.ts';
import { SHOPPING_DEFAULTS } from './profiles/profile-defaults.ts';
import { findProfile, PROFILE_NAMES } from './profiles/profile-registry.ts';
import { SeededRandom } from './synthetic/seeded-random.ts';
import { SimulationContext } from './synthetic/simulation-context.ts';
import { buildDemandModel, type DemandModel, type SyntheticCatalog } from './synthetic/synthetic-catalog.ts';
import type { GenerateOptions, ResolvedGenerateOptions, TrafficPlan } from './synthetic/traffic-plan.ts';
import { simulate } from './synthetic/traffic-simulation.ts';

export type { CatalogSku, SyntheticCatalog } from './synthetic/synthetic-catalog.ts';
export type { GenerateOptions, ResolvedGenerateOptions } from './synthetic/traffic-plan.ts';
export { PROFILE_NAMES };

export interface GeneratedRecording {
  readonly header: RecordingHeader;
  /** Each iteration replays the run from the seed; nothing is held in memory. */
  readonly events: Iterable<RecordingEvent>;
  readonly options: ResolvedGenerateOptions;
}

const MAX_DURATION_S = 7 * 24 * 3600;

const optionsSchema = z.object({
  profile: z.string().refine((name) => findProfile(name) !== undefined, {
    message: `unknown profile; expected one of ${PROFILE_NAMES.join(', ')}`,
  }),
  // The Mersenne Twister seeds from 32 bits: larger seeds would silently collide.
  seed: z.number().int().min(0).max(0xffff_ffff),
  durationS: z.number().int().min(1).max(MAX_DURATION_S).optional(),
  stores: z.number().int().min(1).max(999).optional(),
  // EPC item references are 20 bits; SKU ids have six digits.
  skus: z.number().int().min(12).max(999_999).optional(),
  startTime: z.iso.datetime({ offset: true }).optional(),
});

export function resolveGenerateOptions(options: GenerateOptions): ResolvedGenerateOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`)
      .join('; ');
    throw new PeakdrillError('PEAKDRILL_ERR_INVALID_INPUT', `invalid generator options: ${problems}`, {
      hint: `stay in range: seed 0–4294967295, duration 1s–7d in whole seconds, stores 1–999, skus 12–999999, start time as ISO 8601 with a zone (profiles: ${PROFILE_NAMES.join(', ')})`,
    });
  }
  const profile = findProfile(parsed.data.profile)!;
  return {
    profile: profile.name,
    seed: parsed.data.seed,
    durationS: parsed.data.durationS ?? profile.defaults.durationS,
    stores: parsed.data.stores ?? profile.defaults.stores,
    skus: parsed.data.skus ?? profile.defaults.skus,
    startTime: new Date(parsed.data.startTime ?? profile.defaults.startTime).toISOString(),
  };
}

export function generateRecording(options: GenerateOptions): GeneratedRecording {
  const resolved = resolveGenerateOptions(options);
  const startMs = Date.parse(resolved.startTime);
  const header: RecordingHeader = {
    type: 'header',
    schemaVersion: RECORDING_SCHEMA_VERSION,
    source: `generator:${resolved.profile}`,
    startTime: resolved.startTime,
    endTime: new Date(startMs + resolved.durationS * 1000).toISOString(),
    stores: resolved.stores,
    skus: resolved.skus,
    seed: resolved.seed,
    profile: resolved.profile,
  };
  const events: Iterable<RecordingEvent> = {
    [Symbol.iterator]: () => {
      const { random, plan, model } = setUp(resolved);
      return simulate(new SimulationContext(random, resolved, plan, model));
    },
  };
  return { header, events, options: resolved };
}

/** The SKUs, prices, RFID tagging and initial stock a generated recording assumes, to seed the SUT. */
export function catalogFor(options: GenerateOptions): SyntheticCatalog {
  return setUp(resolveGenerateOptions(options)).model.catalog;
}

// The catalog is drawn first from the run's PRNG; that is what keeps
// catalogFor() and the events in agreement without a second seed.
function setUp(options: ResolvedGenerateOptions): {
  random: SeededRandom;
  plan: TrafficPlan;
  model: DemandModel;
} {
  const plan = findProfile(options.profile)!.plan(options);
  const random = new SeededRandom(options.seed);
  const demand = expectedUnits(plan, options);
  const model = buildDemandModel(random, {
    stores: options.stores,
    skus: options.skus,
    hotSkuCount: plan.hotDrop?.skuCount ?? 0,
    hotStockOnline: plan.hotDrop?.stockOnline ?? 0,
    expectedUnitsPerStore: demand.perStore,
    expectedUnitsOnline: demand.online,
  });
  return { random, plan, model };
}

/** Units the plan expects to sell over the window, per store and online, for stocking to demand. */
function expectedUnits(
  plan: TrafficPlan,
  options: ResolvedGenerateOptions,
): { perStore: number; online: number } {
  const meanQty = SHOPPING_DEFAULTS.lineQtyWeights.reduce((sum, w, i) => sum + w * (i + 1), 0);
  const unitsPerBasket = SHOPPING_DEFAULTS.meanLinesPerBasket * meanQty;
  let laneSeconds = 0;
  let webOrders = 0;
  for (let s = 0; s < options.durationS; s++) {
    if (plan.pos !== undefined) laneSeconds += Math.min(1, plan.pos.utilisation(s));
    if (plan.web !== undefined)
      webOrders += plan.web.ordersPerSecond(s) * (1 - (plan.hotDrop?.share(s) ?? 0));
  }
  const lanes = plan.pos?.lanesPerStore ?? 0;
  const perStore =
    ((lanes * laneSeconds * SHOPPING_DEFAULTS.posCustomersPerLaneHour) / 3600) * unitsPerBasket;
  const marketplaceUnits = (plan.marketplace?.ordersPerSecond ?? 0) * options.durationS * 1.1;
  return { perStore, online: webOrders * unitsPerBasket + marketplaceUnits };
}
