// Targets by name, like Jepsen's `compose` of clients: adding a target is one
// module and one line here, and everything else (run, check, the CLI's
// --target choices, the abilities check) reads this list.
import { PeakdrillError } from '../model/errors.ts';
import { referenceStoreTarget } from './reference-store/reference-store-target.ts';
import type { TargetModule } from './target.ts';
import { vendureTarget } from './vendure/vendure-target.ts';

const TARGETS: readonly TargetModule[] = [referenceStoreTarget, vendureTarget];

export const DEFAULT_TARGET = referenceStoreTarget.name;

export function targetNames(): string[] {
  return TARGETS.map((t) => t.name);
}

export function findTarget(name: string): TargetModule {
  const found = TARGETS.find((t) => t.name === name);
  if (found === undefined) {
    throw new PeakdrillError('PEAKDRILL_ERR_INVALID_INPUT', `target: there is no target named "${name}"`, {
      hint: `choose one of ${targetNames().join(', ')} (\`peakdrill target list\` describes them)`,
    });
  }
  return found;
}

export function listTargets(): readonly TargetModule[] {
  return TARGETS;
}
