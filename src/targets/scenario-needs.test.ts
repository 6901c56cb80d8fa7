import { describe, expect, it } from 'vitest';
import type { Ability } from '../model/abilities.ts';
import { OP } from '../model/op-values.ts';
import { validateScenario } from '../model/scenario-schema.ts';
import type { ReplayOp } from '../plan/recording-planner.ts';
import {
  assertTargetServes,
  exercisablePlan,
  missingAbilities,
  unexercisedFollowUps,
} from './scenario-needs.ts';

const target = (name: string, abilities: Ability[]) => ({ name, abilities: new Set(abilities) });
const checkoutOnly = target('shop', ['checkout', 'reset-seed']);

const scenario = (extra: Record<string, unknown>) =>
  validateScenario(
    {
      name: 's',
      description: 'a test scenario',
      traffic: { profile: 'flash-sale', duration: '1m', stores: 2, skus: 10 },
      fleets: { web: { shoppers: 5 }, pos: { lanesPerStore: 1 } },
      ...extra,
    },
    'test',
  );

const op = (f: string, process: string): ReplayOp =>
  ({ atMs: 0, f, process, value: {}, source: 'e' }) as ReplayOp;

describe('what a scenario needs of a target', () => {
  it('a scenario requires checkout by default, which a checkout-only target has', () => {
    expect(missingAbilities(scenario({}), checkoutOnly)).toEqual([]);
  });

  it('a required ability the target lacks is named with its field', () => {
    const s = scenario({ requires: ['checkout', 'offline-sync'] });
    expect(missingAbilities(s, checkoutOnly)).toEqual([
      'requires[1]: the scenario needs offline-sync, which shop does not have',
    ]);
    expect(() => assertTargetServes(s, checkoutOnly)).toThrow(
      /cannot run on target shop[\s\S]*requires\[1\]/,
    );
  });

  it('a region loss needs a target that can fail over, named by the fault field', () => {
    const s = scenario({
      faults: [{ name: 'lose-a', fault: { kind: 'region-loss', target: 'a' }, at: '10s', for: '10s' }],
    });
    expect(missingAbilities(s, checkoutOnly)).toEqual([
      'faults[0] (lose-a).fault.kind: region-loss needs failover, which shop does not have',
    ]);
    expect(missingAbilities(s, target('r', ['checkout', 'failover']))).toEqual([]);
  });

  it('ops the target cannot carry leave the plan and are counted by op, the rest keep their order', () => {
    const ops = [
      op(OP.checkout, 'web:1'),
      op(OP.return, 'pos:S1:lane-1'),
      op(OP.webhook, 'webhook:m'),
      op(OP.checkout, 'pos:S1:lane-1'),
      op(OP.return, 'web:2'),
    ];
    const { ops: kept, notExercised } = exercisablePlan(ops, checkoutOnly);
    expect(kept.map((o) => `${o.f}@${o.process}`)).toEqual(['checkout@web:1', 'checkout@pos:S1:lane-1']);
    expect(notExercised).toEqual([
      { op: 'return', ops: 2, why: 'shop has no returns' },
      { op: 'webhook', ops: 1, why: 'shop has no marketplace-webhooks' },
    ]);
  });

  it('a target with every ability keeps the whole plan and lists nothing', () => {
    const all = target('all', ['checkout', 'returns', 'marketplace-webhooks']);
    const ops = [op(OP.checkout, 'web:1'), op(OP.return, 'web:1'), op(OP.webhook, 'webhook:m')];
    expect(exercisablePlan(ops, all)).toEqual({ ops, notExercised: [] });
  });

  it('follow-ups the devices will not make are listed too: stock reads, offline uploads', () => {
    const s = scenario({
      fleets: {
        web: { shoppers: 1 },
        pos: { lanesPerStore: 1, offline: { maxSaleCents: 1, maxSales: 1, cardAllowed: true } },
      },
    });
    expect(unexercisedFollowUps(s, checkoutOnly).map((n) => n.op)).toEqual(['read-stock', 'offline-sync']);
    expect(unexercisedFollowUps(s, target('x', ['stock-reads', 'offline-sync']))).toEqual([]);
  });
});
