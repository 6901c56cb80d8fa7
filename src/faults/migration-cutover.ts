// The migration cutover: blue (store-a on postgres-a, the legacy system) hands
// writes to green (store-b on postgres-b, fed by CDC) by the playbook in
// migration-handover.ts. Before green takes writes, blue starts to follow green
// (fallback CDC through repl-ba), so a rollback can hand them back without
// losing green's sales. `settleCutover` is the undo an interrupted one needs.
import type { Toxiproxy } from 'toxiproxy-node-client';
import { PeakdrillError } from '../model/errors.ts';
import { fallbackRoute, forwardRoute, startCdc, stopMigrationCdc } from '../stack/migration-cdc.ts';
import type { StackState } from '../stack/stack-state.ts';
import {
  assertMigrationTopology,
  type HandoverReport,
  handOver,
  migrationPorts,
  settleMove,
  storeAdmin,
  storeHealth,
} from './migration-handover.ts';

export interface CutoverMove {
  /** The site taking over (green). */
  readonly to: string;
  /** The site handing over (blue). */
  readonly from: string;
  /** The longest the freeze may last before the cutover is abandoned. */
  readonly freezeMs: number;
  /** The shortest it lasts (a playbook's announced window), whatever the drain needs. */
  readonly holdMs: number;
  /** What the frozen writer does with a checkout: refuse it with a retry answer, or hold it. */
  readonly checkouts: 'refuse' | 'hold';
}

export type CutoverReport = HandoverReport;

export function cutoverMove(spec: {
  target: string;
  freezeMs: number;
  holdMs: number;
  checkouts: 'refuse' | 'hold';
}): CutoverMove {
  const { target, freezeMs, holdMs, checkouts } = spec;
  return { to: target, from: target === 'a' ? 'b' : 'a', freezeMs, holdMs, checkouts };
}

async function preconditions(state: StackState, move: CutoverMove): Promise<void> {
  assertMigrationTopology(state);
  const from = await storeHealth(state, `store-${move.from}`).catch(() => undefined);
  const to = await storeHealth(state, `store-${move.to}`).catch(() => undefined);
  if (from?.role !== 'primary' || to?.role !== 'standby') {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_FAULT_APPLY',
      `nothing to cut over: store-${move.from} is ${from?.role ?? 'unreachable'} and store-${move.to} is ${to?.role ?? 'unreachable'} (expected primary and standby)`,
      { hint: 'a cutover runs once per stack; start a new one for another rehearsal' },
    );
  }
}

export async function cutOver(
  state: StackState,
  toxiproxy: Toxiproxy,
  move: CutoverMove,
): Promise<CutoverReport> {
  await preconditions(state, move);
  const ports = migrationPorts(state);
  return handOver(state, toxiproxy, {
    ...move,
    what: `cutover to ${move.to}`,
    route: forwardRoute(ports),
    // Blue follows green from the moment green may take writes: the way back stays open.
    afterDrain: () => startCdc(fallbackRoute(ports), { copyData: false }),
    // Green's promotion fences blue (its peer is the edge, still on blue until the switch).
    takeWrites: () => storeAdmin(state, `store-${move.to}`, '/admin/failover'),
    abandon: async () => {
      const errors: string[] = [];
      await storeAdmin(state, `store-${move.from}`, '/admin/unfreeze').catch((e: Error) =>
        errors.push(e.message),
      );
      await stopMigrationCdc(ports).catch((e: Error) => errors.push(e.message));
      if (errors.length > 0) throw new Error(`abandoning the cutover: ${errors.join('; ')}`);
    },
  });
}

/** The undo: a finished cutover stays; an unfinished one goes back to blue with no CDC left. */
export function settleCutover(
  state: StackState,
  toxiproxy: Toxiproxy,
  move: Pick<CutoverMove, 'to' | 'from'>,
): Promise<void> {
  return settleMove(state, toxiproxy, move, () => stopMigrationCdc(migrationPorts(state)));
}
