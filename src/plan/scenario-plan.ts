// A scenario's traffic as a replay plan: its generator profile (seeded) or its
// recording, planned with the scenario's speed, window and fleet layout, plus
// the catalog the store must be seeded with. The same steps `peakdrill run`
// takes (src/run/run-scenario.ts), for callers that only need the plan (k6 export).
import { generateRecording } from '../../recorders/synthetic-generator.ts';
import type { RecordingEvent, RecordingHeader } from '../model/recording-schema.ts';
import type { Scenario } from '../model/scenario-schema.ts';
import { readRecording } from '../recording/recording-reader.ts';
import { profileCatalog, recordingCatalog, type SeedSku } from '../run/run-catalog.ts';
import type { CatalogFile } from '../run/run-directory.ts';
import { type PlanOptions, planRecording, type ReplayPlan } from './recording-planner.ts';

export function scenarioPlanOptions(scenario: Scenario, speed: number): PlanOptions {
  const traffic = scenario.traffic;
  const fleets = scenario.fleets;
  const window = 'recording' in traffic ? traffic.window : undefined;
  return {
    speed,
    ...(window === undefined
      ? {}
      : { window: { fromMs: window.from, ...(window.to === undefined ? {} : { toMs: window.to }) } }),
    ...('recording' in traffic && traffic.maxIdleGap !== undefined
      ? { maxIdleGapMs: traffic.maxIdleGap }
      : {}),
    devices: {
      ...(fleets.web ? { webShoppers: fleets.web.shoppers } : {}),
      ...(fleets.pos ? { posLanesPerStore: fleets.pos.lanesPerStore } : {}),
      ...(fleets.rfid ? { rfidReadersPerStore: fleets.rfid.readersPerStore } : {}),
      ...(fleets.scanners ? { scannersPerStore: fleets.scanners.perStore } : {}),
    },
  };
}

export interface ScenarioTraffic {
  readonly header: RecordingHeader;
  readonly events: Iterable<RecordingEvent>;
  readonly catalog: { readonly catalog: CatalogFile; readonly seed: SeedSku[] };
}

export async function scenarioTraffic(scenario: Scenario, seed: number): Promise<ScenarioTraffic> {
  const traffic = scenario.traffic;
  if ('profile' in traffic) {
    const options = {
      profile: traffic.profile,
      durationS: Math.max(1, Math.round(traffic.duration / 1_000)),
      stores: traffic.stores,
      skus: traffic.skus,
    };
    const recording = generateRecording({ ...options, seed });
    return {
      header: recording.header,
      events: recording.events,
      catalog: profileCatalog(scenario, options, seed),
    };
  }
  const { header, events } = await readRecording(traffic.recording);
  return { header, events, catalog: recordingCatalog(scenario, events) };
}

/** The scenario's plan (all devices; shard it with shardPlan) and the catalog to seed. */
export async function planScenario(
  scenario: Scenario,
  options: { readonly seed?: number; readonly speed?: number } = {},
): Promise<{ plan: ReplayPlan; catalog: ScenarioTraffic['catalog'] }> {
  const seed = options.seed ?? scenario.seed;
  const speed = options.speed ?? scenario.speed;
  const { header, events, catalog } = await scenarioTraffic(scenario, seed);
  return { plan: planRecording(header, events, scenarioPlanOptions(scenario, speed)), catalog };
}
