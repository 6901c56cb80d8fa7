// The rollback drill: after a cutover, green hands writes back to blue by the same
// playbook (migration-handover.ts), drained through the fallback CDC the cutover set
// up, so every sale green took is on blue afterwards; the lost-acks checker names any
// that is not, one by one. Blue resumes (it was fenced by green's promotion) and green
// is fenced. `settleRollback` is the undo an interrupted one needs.
import type { Toxiproxy } from 'toxiproxy-node-client';
import { PeakdrillError } from '../model/errors.ts';
import { fallbackRoute } from '../stack/migration-cdc.ts';
import type { StackState } from '../stack/stack-state.ts';
import { type CutoverMove, cutoverMove } from './migration-cutover.ts';
import {
  assertMigrationTopology,
  type HandoverReport,
  handOver,
  migrationPorts,
  settleMove,
  storeAdmin,
  storeHealth,
} from './migration-handover.ts';

/** `to`: blue, the side writes go back to; `from`: green. */
export type RollbackMove = CutoverMove;

export function rollbackMove(spec: Parameters<typeof cutoverMove>[0]): RollbackMove {
  return cutoverMove(spec);
}

async function preconditions(state: StackState, move: RollbackMove): Promise<void> {
  assertMigrationTopology(state);
  const from = await storeHealth(state, `store-${move.from}`).catch(() => undefined);
  if (from?.role !== 'primary') {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_FAULT_APPLY',
      `nothing to roll back: store-${move.from} is ${from?.role ?? 'unreachable'}, not the writer`,
      { hint: 'schedule the rollback after the migration-cutover (after: <its name>)' },
    );
  }
}

export async function rollBack(
  state: StackState,
  toxiproxy: Toxiproxy,
  move: RollbackMove,
): Promise<HandoverReport> {
  await preconditions(state, move);
  const ports = migrationPorts(state);
  return handOver(state, toxiproxy, {
    ...move,
    what: `rollback to ${move.to}`,
    route: fallbackRoute(ports),
    afterDrain: async () => {},
    takeWrites: async () => {
      await storeAdmin(state, `store-${move.to}`, '/admin/resume');
      await storeAdmin(state, `store-${move.from}`, '/admin/fence');
    },
    abandon: () => storeAdmin(state, `store-${move.from}`, '/admin/unfreeze'),
  });
}

/** The undo: a finished rollback stays; an unfinished one leaves green the writer, unfrozen. */
export function settleRollback(
  state: StackState,
  toxiproxy: Toxiproxy,
  move: Pick<RollbackMove, 'to' | 'from'>,
): Promise<void> {
  return settleMove(state, toxiproxy, move);
}
