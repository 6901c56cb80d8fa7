// Which of a scenario's traffic a target can carry. A scenario names what it
// cannot run without (`requires`): a target lacking one of those is refused
// before anything starts. Every other op the target has no notion of is left
// out of the plan and listed as "not exercised" in the verdict and the report,
// never dropped silently. Pure.
import type { Ability } from '../model/abilities.ts';
import { PeakdrillError } from '../model/errors.ts';
import { OP } from '../model/op-values.ts';
import type { Scenario } from '../model/scenario-schema.ts';
import type { ReplayOp } from '../plan/recording-planner.ts';

/** Traffic a run left out because the target cannot carry it. */
export interface NotExercised {
  /** The op, e.g. `return`, `webhook`. */
  readonly op: string;
  /** Planned ops left out (absent: follow-ups the devices did not make, not counted). */
  readonly ops?: number;
  readonly why: string;
}

/** The ability each op needs; an op not listed needs none. */
const ABILITY_OF_OP: Readonly<Record<string, Ability>> = {
  [OP.checkout]: 'checkout',
  [OP.return]: 'returns',
  [OP.exchange]: 'exchanges',
  [OP.readStock]: 'stock-reads',
  [OP.webhook]: 'marketplace-webhooks',
  [OP.offlineSync]: 'offline-sync',
  [OP.scan]: 'scans',
};

/** What a fault kind needs of the target besides a declared member. */
const ABILITY_OF_FAULT: Readonly<Record<string, Ability>> = {
  'region-loss': 'failover',
  'db-failover': 'failover',
  failback: 'failback',
  'migration-cutover': 'migration',
  'migration-rollback': 'migration',
};

export interface TargetAbilities {
  readonly name: string;
  readonly abilities: ReadonlySet<Ability>;
}

/** Every problem with running `scenario` on `target`, each naming the scenario field and the ability. */
export function missingAbilities(scenario: Scenario, target: TargetAbilities): string[] {
  const problems: string[] = [];
  scenario.requires.forEach((ability, i) => {
    if (!target.abilities.has(ability))
      problems.push(`requires[${i}]: the scenario needs ${ability}, which ${target.name} does not have`);
  });
  scenario.faults.forEach((f, i) => {
    const ability = ABILITY_OF_FAULT[f.fault.kind];
    if (ability !== undefined && !target.abilities.has(ability))
      problems.push(
        `faults[${i}] (${f.name}).fault.kind: ${f.fault.kind} needs ${ability}, which ${target.name} does not have`,
      );
  });
  return problems;
}

export function assertTargetServes(scenario: Scenario, target: TargetAbilities): void {
  const problems = missingAbilities(scenario, target);
  if (problems.length === 0) return;
  throw new PeakdrillError(
    'PEAKDRILL_ERR_INVALID_INPUT',
    `scenario ${scenario.name} cannot run on target ${target.name}:\n  - ${problems.join('\n  - ')}`,
    {
      hint: `run it on a target that has ${[...new Set(problems.map((p) => /needs ([a-z-]+)/.exec(p)?.[1]))].join(', ')} (\`peakdrill target list\`), or choose a scenario this target can serve`,
    },
  );
}

/** The plan without the ops the target cannot carry, and what was left out. */
export function exercisablePlan(
  ops: readonly ReplayOp[],
  target: TargetAbilities,
): { ops: ReplayOp[]; notExercised: NotExercised[] } {
  const left = new Map<string, number>();
  const kept: ReplayOp[] = [];
  for (const op of ops) {
    const ability = ABILITY_OF_OP[op.f];
    if (ability === undefined || target.abilities.has(ability)) kept.push(op);
    else left.set(op.f, (left.get(op.f) ?? 0) + 1);
  }
  const notExercised = [...left].map(([op, n]) => ({
    op,
    ops: n,
    why: `${target.name} has no ${ABILITY_OF_OP[op]}`,
  }));
  return { ops: kept.length === ops.length ? [...ops] : kept, notExercised };
}

/** Follow-ups a fleet would make that a target cannot take (stock reads, offline uploads). */
export function unexercisedFollowUps(scenario: Scenario, target: TargetAbilities): NotExercised[] {
  const out: NotExercised[] = [];
  if (scenario.fleets.web !== undefined && !target.abilities.has('stock-reads'))
    out.push({ op: OP.readStock, why: `${target.name} has no stock-reads: web shoppers skip browsing` });
  if (scenario.fleets.pos?.offline !== undefined && !target.abilities.has('offline-sync'))
    out.push({ op: OP.offlineSync, why: `${target.name} has no offline-sync: tills never sell offline` });
  return out;
}
