// What a team running Vendure in two sites does when site a's database primary
// is lost (docs/targets/vendure.md, "Region loss"): their orchestrator sees the
// primary gone for `detectionMs`, promotes the streaming standby (postgres-b),
// starts a Vendure server on it (vendure-b, behind edge-b) and points site a's
// load balancer (edge-a) at that server too. It watches the database, not
// Vendure's /health, and only a refused or dropped connection counts as lost:
// an overloaded server or database answering slowly is not a lost region.
import type pg from 'pg';
import { withClient } from '../../stack/postgres-service.ts';

export interface FailoverSteps {
  /** Promotes the standby; throws if it cannot. */
  promote(): Promise<void>;
  /** Starts the server on the promoted database and points the site-a edge at it. */
  takeOver(): Promise<void>;
}

export interface VendureFailoverOptions {
  readonly primary: pg.ClientConfig;
  readonly detectionMs: number;
  readonly everyMs?: number;
  readonly steps: FailoverSteps;
  readonly log: (line: string) => void;
}

export class VendureFailover {
  private readonly options: VendureFailoverOptions;
  private timer: NodeJS.Timeout | undefined;
  private downSince: number | undefined;
  private checking = false;
  private done: Promise<void> | undefined;
  /** The site whose database is the primary now. */
  primarySite: 'a' | 'b' = 'a';

  constructor(options: VendureFailoverOptions) {
    this.options = options;
  }

  start(): void {
    this.timer = setInterval(() => void this.check(), this.options.everyMs ?? 500);
    this.timer.unref();
  }

  /** Stops watching; waits for a failover in progress to finish (or fail). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.done?.catch(() => {});
  }

  private async check(): Promise<void> {
    if (this.checking || this.done !== undefined) return;
    this.checking = true;
    try {
      const seen = await withClient({ ...this.options.primary, connectionTimeoutMillis: 1_000 }, (c) =>
        c.query('SELECT 1'),
      ).then(
        () => 'up' as const,
        (error: { code?: string; message?: string }) => primaryState(error),
      );
      const now = performance.now();
      if (seen === 'up') this.downSince = undefined;
      else if (seen === 'gone') this.downSince ??= now;
      if (this.downSince !== undefined && now - this.downSince >= this.options.detectionMs) {
        this.done = this.failOver();
      }
    } finally {
      this.checking = false;
    }
  }

  private async failOver(): Promise<void> {
    const { steps, log } = this.options;
    const started = performance.now();
    log('vendure failover: postgres-a is lost; promoting postgres-b and starting vendure-b on it');
    try {
      await steps.promote();
      this.primarySite = 'b';
      await steps.takeOver();
      log(
        `vendure failover: vendure-b takes site a's and b's traffic (${Math.round(performance.now() - started)} ms)`,
      );
    } catch (error) {
      log(`vendure failover failed: ${(error as Error).message}`);
      throw error;
    }
  }
}

/**
 * A primary that refuses or drops connections is gone; one that is slow to answer
 * (a timeout under load) is not known to be gone, and does not start a failover.
 */
export function primaryState(error: { code?: string; message?: string }): 'gone' | 'slow' {
  if (error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET' || error.code === '57P01') return 'gone';
  const message = error.message ?? '';
  // pg says "Connection terminated due to connection timeout" for a slow accept.
  if (/timeout/i.test(message)) return 'slow';
  return /terminat|closed|refused/i.test(message) ? 'gone' : 'slow';
}
