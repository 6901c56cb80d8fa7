// What the fleet knows of each checkout, by Idempotency-Key: in flight, the
// SUT's order id once acknowledged (online or by an offline upload), refused,
// or unknown. Returns and exchanges are planned against it.

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
