// Checks shared by the commands' yargs .check()s. Each throws a PeakdrillError
// (a usage error with a fix line), so a bad flag is refused before a command
// starts anything and never surfaces as a stack trace.
import { PeakdrillError } from '../model/errors.ts';

/** The generator seeds a 32-bit PRNG: a larger seed would only fail after the stack is up. */
export const MAX_SEED = 0xffff_ffff;

export function checkSpeed(speed: number | undefined): void {
  if (speed === undefined) return;
  // Infinity passes `> 0`, and JSON stores it as null: a run that cannot be judged again.
  if (!(Number.isFinite(speed) && speed > 0)) {
    throw usage(
      `--speed ${speed} is not a finite number above 0`,
      'e.g. --speed 1 (real time) or --speed 10',
    );
  }
}

export function checkSeed(seed: number | undefined): void {
  if (seed === undefined) return;
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED)) {
    throw usage(`--seed ${seed} is not a whole number from 0 to ${MAX_SEED}`, 'e.g. --seed 42');
  }
}

export function checkWholeNumber(
  name: string,
  value: number | undefined,
  range: { min: number; max: number; example: number },
): void {
  if (value === undefined) return;
  if (!(Number.isInteger(value) && value >= range.min && value <= range.max)) {
    throw usage(
      `--${name} ${value} is not a whole number from ${range.min} to ${range.max}`,
      `e.g. --${name} ${range.example}`,
    );
  }
}

function usage(message: string, hint: string): PeakdrillError {
  return new PeakdrillError('PEAKDRILL_ERR_USAGE', message, { hint });
}
