// The attempts of one request a device sends again under the same identity (a
// shopper's checkout after a timeout, a marketplace's redelivery): counts them,
// queues the next attempt as a follow-up once an attempt's fate is unknown.
import type { FleetContext } from './device-fleet.ts';
import type { DecisionTicket, FollowUpItem, FollowUpOp } from './follow-up-queue.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Plan ms after a retryable outcome before the next attempt; doubles per attempt. */
  readonly backoffMs: number;
  /** How long one attempt can take at most (the device's own timeout). */
  readonly attemptTimeoutMs: number;
  /**
   * A retry under a new identity (a till that re-rings a return as a new transaction, new
   * idempotency key): the value of attempt `n` (2 for the first retry). Default: the same value.
   */
  readonly rekey?: (value: unknown, attempt: number) => unknown;
}

export class RetryChain implements FollowUpItem {
  readonly device: string;
  readonly f: string;
  readonly value: unknown;
  private readonly policy: RetryPolicy;
  attempts = 0;
  private inFlight = 0;
  private retryable = false;
  /** Bumped on every attempt and outcome, so only the newest queued follow-up counts. */
  private gen = 0;
  private plannedGen = -1;

  constructor(device: string, f: string, value: unknown, policy: RetryPolicy) {
    this.device = device;
    this.f = f;
    this.value = value;
    this.policy = policy;
  }

  /** A retry whose earlier attempt was answered in the meantime: do not send it. */
  get redundant(): boolean {
    return this.attempts > 0 && this.inFlight === 0 && !this.retryable;
  }

  /** An attempt is being sent; the ticket (if any) goes back to settled(). */
  started(ctx: FleetContext): DecisionTicket | undefined {
    this.attempts++;
    this.inFlight++;
    this.gen++;
    if (this.attempts >= this.policy.maxAttempts) return undefined;
    return ctx.expectDecision(ctx.nowPlanMs() + this.policy.attemptTimeoutMs);
  }

  settled(ctx: FleetContext, retryable: boolean, ticket: DecisionTicket | undefined): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.retryable = retryable;
    this.gen++;
    if (retryable && this.attempts < this.policy.maxAttempts) {
      const backoffMs = this.policy.backoffMs * 2 ** Math.max(0, this.attempts - 1);
      ctx.followUp(this, ctx.nowPlanMs() + backoffMs, this.gen);
    }
    // Closed only after the follow-up is queued, so the plan stream never sees neither.
    if (ticket !== undefined) ticket.closed = true;
  }

  takeFollowUp(gen: number): FollowUpOp | null {
    // A re-keyed retry does not wait for the attempt in flight: the till gave up on it.
    const waiting = this.inFlight > 0 && this.policy.rekey === undefined;
    if (gen !== this.gen || gen === this.plannedGen || waiting || !this.retryable) return null;
    if (this.attempts >= this.policy.maxAttempts) return null;
    this.plannedGen = gen;
    const value = this.policy.rekey ? this.policy.rekey(this.value, this.attempts + 1) : this.value;
    this.onFollowUpValue?.(value, this);
    return { f: this.f, process: this.device, value };
  }

  /** Told each follow-up's value, so a fleet can find the chain again from a re-keyed op. */
  onFollowUpValue: ((value: unknown, chain: RetryChain) => void) | undefined;
}
