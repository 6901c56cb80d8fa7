// What the fleet knows of each checkout, by Idempotency-Key: in flight, the
// SUT's order id once acknowledged (online or by an offline upload), refused,
// or unknown. Returns and exchanges are planned against it.
import type { ReturnInvokeValue } from '../src/model/op-values.ts';
import type { ReplayOp } from '../src/plan/recording-planner.ts';

export type OrderState = 'pending' | 'ok' | 'fail' | 'unknown';

interface Entry {
  inFlight: number;
  orderId: string | undefined;
  /** An attempt ended `info`: it may have gone through, so the order is unknown, never refused. */
  maybe: boolean;
}

export class OrderRegistry {
  private readonly byKey = new Map<string, Entry>();

  begin(key: string): void {
    const e = this.byKey.get(key);
    if (e === undefined) this.byKey.set(key, { inFlight: 1, orderId: undefined, maybe: false });
    else e.inFlight++;
  }

  /** One attempt settled. An acknowledgement wins over any other answer for the same key. */
  settle(key: string, type: 'ok' | 'fail' | 'info', orderId?: string): void {
    const e = this.byKey.get(key);
    if (e === undefined) return;
    e.inFlight = Math.max(0, e.inFlight - 1);
    if (type === 'ok' && orderId !== undefined) e.orderId ??= orderId;
    if (type === 'info') e.maybe = true;
  }

  /** A sale the SUT acknowledged some other way (an offline batch). */
  acknowledge(key: string, orderId: string): void {
    const e = this.byKey.get(key);
    if (e === undefined) this.byKey.set(key, { inFlight: 0, orderId, maybe: false });
    else e.orderId ??= orderId;
  }

  lookup(key: string): { state: OrderState | 'absent'; orderId: string | undefined } {
    const e = this.byKey.get(key);
    if (e === undefined) return { state: 'absent', orderId: undefined };
    const state = e.orderId !== undefined ? 'ok' : e.inFlight > 0 ? 'pending' : e.maybe ? 'unknown' : 'fail';
    return { state, orderId: e.orderId };
  }
}

/**
 * Gives a return or exchange the SUT's order id, learnt when its checkout was acknowledged;
 * null while that checkout is in flight; else why it cannot be sent (the order failed, is unknown).
 */
export function resolveOrder(op: ReplayOp, orders: OrderRegistry): ReplayOp | string | null {
  if (op.orderKey === undefined) return op;
  const found = orders.lookup(op.orderKey);
  if (found.state === 'pending') return null;
  if (found.state !== 'ok') return `return-of-${found.state}-order`;
  return { ...op, value: { ...(op.value as ReturnInvokeValue), orderId: found.orderId! } };
}
