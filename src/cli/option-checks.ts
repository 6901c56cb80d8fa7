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

/**
 * --seed, parsed from its text by a middleware (a PeakdrillError thrown there
 * reaches the user as it is): yargs' number type reads \`--seed ""\` as 0 and
 * \`--seed 0x10\` as 16, a seed nobody meant.
 */
export function seedFromText(argv: { seed?: unknown }): void {
  if (argv.seed === undefined) return;
  const text = argv.seed;
  const digits = typeof text === 'string' ? text.trim() : '';
  const seed = /^\d{1,10}$/.test(digits) ? Number(digits) : Number.NaN;
  if (!(seed <= MAX_SEED)) {
    throw usage(
      `--seed: ${JSON.stringify(text)} is not a whole number from 0 to ${MAX_SEED}`,
      'e.g. --seed 42',
    );
  }
  argv.seed = seed;
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
