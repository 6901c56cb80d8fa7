// The synthetic profiles by name, in the order `peakdrill generate --help` lists them.
import type { SyntheticProfile } from '../synthetic/traffic-plan.ts';
import { flashSaleProfile } from './flash-sale-profile.ts';
import { holidayPeakProfile } from './holiday-peak-profile.ts';
import { returnsWaveProfile } from './returns-wave-profile.ts';
import { rfidCycleCountProfile } from './rfid-cycle-count-profile.ts';
import { steadyDayProfile } from './steady-day-profile.ts';

export const PROFILES: readonly SyntheticProfile[] = [
  steadyDayProfile,
  flashSaleProfile,
  holidayPeakProfile,
  returnsWaveProfile,
  rfidCycleCountProfile,
];

export const PROFILE_NAMES: readonly string[] = PROFILES.map((p) => p.name);

export function findProfile(name: string): SyntheticProfile | undefined {
  return PROFILES.find((p) => p.name === name);
}
