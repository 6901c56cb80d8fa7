// The one small interface every device fleet implements (open, invoke, close,
// as the scheduler's Client, but told which device), the optional abilities a
// fleet may add (shape the plan, finish an op at plan time), and what fleets share.
import type { ClientOp, Completion } from '../src/engines/open-model-scheduler.ts';
import type { DeviceKind } from '../src/plan/device-ids.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';
import type { ResolvedOp } from './fleet-plan-stream.ts';
import type { DecisionTicket, FollowUpItem } from './follow-up-queue.ts';
import type { OrderRegistry } from './order-registry.ts';

export interface DeviceFleet {
  /** Devices `<kind>:…` are this fleet's. */
  readonly kind: DeviceKind;
  open(): Promise<void>;
  /** `device` is op.process without the scheduler's `#n` rename. Must settle, never reject. */
  invoke(op: ClientOp, device: string): Promise<Completion>;
  close(): Promise<void>;
}

/** A fleet whose devices add ops a recording does not have (duplicates, reads before a checkout). */
export interface PlanShaper {
  /** Pure and deterministic; may reorder, the fleet sorts the result. Keeps each op's process. */
  shapePlan(ops: readonly ReplayOp[]): ReplayOp[];
}

/** A fleet that completes an op's value when it is planned (e.g. the SUT's order id of a return). */
export interface OpResolver {
  /** The op to send (this one, or a copy with its value completed), a reason to leave it out, or null: not yet. */
  resolveOp(op: ReplayOp): ResolvedOp;
}

export function isPlanShaper(fleet: DeviceFleet): fleet is DeviceFleet & PlanShaper {
  return typeof (fleet as Partial<PlanShaper>).shapePlan === 'function';
}

export function isOpResolver(fleet: DeviceFleet): fleet is DeviceFleet & OpResolver {
  return typeof (fleet as Partial<OpResolver>).resolveOp === 'function';
}

/** What the fleets of one FleetClient share. */
export interface FleetContext {
  /** Milliseconds since plan time 0: the unit of every follow-up's due time. */
  nowPlanMs(): number;
  /** Asks `item` for an op at `dueMs` (see FollowUpItem for `gen`). */
  followUp(item: FollowUpItem, dueMs: number, gen: number): void;
  /**
   * An attempt is out whose outcome may queue a follow-up, settled by `deadlineMs` at the latest:
   * close the ticket when it settles. Follow-ups are planned when the scheduler takes its next
   * op, so in a quiet stretch (or after the last op) the plan stream waits for these.
   */
  expectDecision(deadlineMs: number): DecisionTicket;
  /** Checkouts' outcomes by Idempotency-Key: returns find their order's SUT id here. */
  readonly orders: OrderRegistry;
  /** Counts what devices did besides sending (sold offline, not-needed, …), for FleetClient.stats(). */
  count(what: string, n?: number): void;
}

/** The completion of a follow-up that turned out unnecessary: nothing was sent, so it did not happen. */
export function notNeeded(message: string): Completion {
  return { type: 'fail', error: { code: 'not-needed', message } };
}
