// Active-passive roles. The standby region's store polls its peer's /health
// and, once the peer has been unhealthy for the detection window, promotes its
// own database with pg_promote() and takes writes; POST /admin/failover does the same at once.
import { setTimeout as sleep } from 'node:timers/promises';
import { SLOW_FAILOVER_MS } from './defects.ts';
import type { FailoverMode } from './store-config.ts';
import type { StoreContext } from './store-context.ts';
import { StoreApiError } from './store-errors.ts';

/**
 * `fenced`: a former primary told to stop writing because the other region took over.
 * `frozen`: a primary holding writes for a migration cutover's freeze window; it takes
 * writes again on unfreeze, or is fenced once the new system takes over.
 */
export type LiveRole = 'primary' | 'standby' | 'fenced' | 'frozen';

export interface FailoverOptions {
  readonly ctx: StoreContext;
  readonly role: 'primary' | 'standby';
  readonly mode: FailoverMode;
  readonly detectionMs: number;
  readonly peerUrl: string | undefined;
  /** Run after this store becomes the writer (start workers); errors are logged, not fatal. */
  readonly onPrimary: () => Promise<void>;
  /** Run when this store stops being the writer. */
  readonly onFenced: () => Promise<void>;
}

export interface FailoverStatus {
  readonly role: LiveRole;
  readonly mode: FailoverMode;
  readonly detectionMs: number;
  readonly promotedAt: string | null;
  readonly promotedBy: 'admin' | 'automatic' | null;
  readonly peer: { url: string; healthy: boolean | null; unhealthyForMs: number | null } | null;
}

export class FailoverController {
  private readonly options: FailoverOptions;
  private currentRole: LiveRole;
  private promotedAt: string | null = null;
  private promotedBy: 'admin' | 'automatic' | null = null;
  private promoting: Promise<void> | undefined;
  private queueing = false;
  /** Frozen with checkouts held (not refused): they wait for the freeze to end. */
  private holding = false;
  private readonly frozenWaiters = new Set<() => void>();
  private peerHealthy: boolean | null = null;
  private peerSeenHealthy = false;
  private unhealthySince: number | undefined;
  private readonly abort = new AbortController();
  private polling: Promise<void> | undefined;

  constructor(options: FailoverOptions) {
    this.options = options;
    this.currentRole = options.role;
  }

  get role(): LiveRole {
    return this.currentRole;
  }

  /** The window after which an unhealthy peer is declared lost. */
  get detectionMs(): number {
    // `slow-failover`: region b waits 90 s, whatever the configured window says.
    return this.options.ctx.defects.slowFailover ? SLOW_FAILOVER_MS : this.options.detectionMs;
  }

  start(): void {
    if (this.currentRole === 'standby' && this.options.mode === 'auto' && this.options.peerUrl) {
      this.polling ??= this.pollPeer(this.options.peerUrl);
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    // Held writes must not hold up a shutdown: they are refused as the store goes.
    for (const wake of [...this.frozenWaiters]) wake();
    await this.polling;
    await this.promoting?.catch(() => {});
  }

  status(): FailoverStatus {
    const { peerUrl, mode } = this.options;
    return {
      role: this.currentRole,
      mode,
      detectionMs: this.detectionMs,
      promotedAt: this.promotedAt,
      promotedBy: this.promotedBy,
      peer: peerUrl
        ? {
            url: peerUrl,
            healthy: this.peerHealthy,
            unhealthyForMs: this.unhealthySince === undefined ? null : Date.now() - this.unhealthySince,
          }
        : null,
    };
  }

  /** Promotes this region: its database becomes a writable primary and this store takes writes. */
  promote(by: 'admin' | 'automatic'): Promise<void> {
    if (this.currentRole === 'primary') return Promise.resolve();
    if (this.currentRole === 'fenced') {
      return Promise.reject(
        new StoreApiError(
          409,
          'not-standby',
          'this store was fenced after the other region took over; it cannot be promoted again',
        ),
      );
    }
    this.promoting ??= this.doPromote(by).finally(() => {
      this.promoting = undefined;
    });
    return this.promoting;
  }

  /**
   * Marketplace webhooks are queued durably instead of applied, from the freeze on: a
   * cutover replays them into the new system, so they must not be refused or lost here.
   */
  private setRole(role: LiveRole): void {
    this.currentRole = role;
    if (role === 'frozen') return;
    this.holding = false;
    for (const wake of this.frozenWaiters) wake();
    this.frozenWaiters.clear();
  }

  /**
   * A write arriving while frozen with checkouts held waits here until the freeze ends
   * (unfrozen: it goes ahead; fenced: it is refused and the client goes to the new
   * writer) or `maxMs` passes. Resolves at once when not holding.
   */
  async whileHeld(maxMs: number): Promise<void> {
    if (this.currentRole !== 'frozen' || !this.holding) return;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.frozenWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, maxMs);
      this.frozenWaiters.add(wake);
    });
  }

  get queuesWebhooks(): boolean {
    return this.queueing;
  }

  /** A migration's freeze window opens: writes are held and webhooks queued until unfreeze or fence. */
  async freeze(options: { holdCheckouts?: boolean } = {}): Promise<void> {
    if (this.currentRole === 'frozen') return;
    if (this.currentRole !== 'primary') {
      throw new StoreApiError(409, 'not-primary', `region ${this.options.ctx.region} is not the writer`);
    }
    this.setRole('frozen');
    this.holding = options.holdCheckouts === true;
    this.queueing = true;
    this.options.ctx.log.warn('frozen: writes held for a cutover; webhooks are queued');
    // Workers write (scans) and publish (the outbox): the new system takes both over.
    await this.options.onFenced().catch(() => {});
  }

  /**
   * The move is over and its queue replayed: webhooks that still reach this fenced store
   * (a connection opened before the edge moved) are refused, so the sender retries them
   * at the writer, instead of queued where no replay will read them again.
   */
  stopQueueing(): void {
    if (this.currentRole === 'frozen') {
      throw new StoreApiError(
        409,
        'frozen',
        `region ${this.options.ctx.region} is still frozen: its queue is in use`,
      );
    }
    this.queueing = false;
  }

  /** A cutover that did not finish: this store takes writes again. Refused once it was fenced. */
  async unfreeze(): Promise<void> {
    if (this.currentRole === 'primary') return;
    if (this.currentRole !== 'frozen') {
      throw new StoreApiError(
        409,
        'not-frozen',
        `region ${this.options.ctx.region} is ${this.currentRole}, not frozen: the cutover already moved writes`,
      );
    }
    this.setRole('primary');
    this.queueing = false;
    this.options.ctx.log.warn('unfrozen: the cutover did not finish; taking writes again');
    await this.options
      .onPrimary()
      .catch((error: unknown) => this.options.ctx.log.error({ err: error }, 'after unfreezing'));
  }

  /** Stops taking writes because the other region is now the writer. */
  async fence(): Promise<void> {
    if (this.currentRole === 'fenced') return;
    const was = this.currentRole;
    this.setRole('fenced');
    this.options.ctx.log.warn({ was }, 'fenced: the other region took over writes');
    if (was === 'primary') await this.options.onFenced().catch(() => {});
  }

  /**
   * A failback's first move on the region coming back: its database was resynchronised
   * from the writer and streams from it again, so this store may stand by to be promoted.
   * Refused while the database is not a standby: a store must never wait on a divergent
   * primary as if it could take over from the writer.
   */
  async rejoin(): Promise<void> {
    if (!(await this.databaseInRecovery())) {
      throw new StoreApiError(
        409,
        'not-in-recovery',
        `region ${this.options.ctx.region}'s database is not a standby; resynchronise it from the writer first`,
      );
    }
    const was = this.currentRole;
    this.setRole('standby');
    this.promotedAt = null;
    this.promotedBy = null;
    this.options.ctx.log.warn({ was }, 'rejoined as standby: the database streams from the writer again');
    if (was === 'primary') await this.options.onFenced().catch(() => {});
  }

  /** A business-controlled handover: this writer stops taking writes so the other region can take over. */
  async stepDown(): Promise<void> {
    if (this.currentRole !== 'primary') {
      throw new StoreApiError(409, 'not-primary', `region ${this.options.ctx.region} is not the writer`);
    }
    await this.fence();
  }

  /** Takes writes again after a handover that did not finish (the other region was never promoted). */
  async resume(): Promise<void> {
    if (this.currentRole === 'primary') return;
    if (await this.databaseInRecovery()) {
      throw new StoreApiError(
        409,
        'in-recovery',
        `region ${this.options.ctx.region}'s database is a standby; it cannot take writes`,
      );
    }
    this.setRole('primary');
    // A store frozen for a cutover and fenced by it queued webhooks; the writer applies them.
    this.queueing = false;
    this.options.ctx.log.warn('resumed as primary: the handover did not finish, or is being rolled back');
    await this.options
      .onPrimary()
      .catch((error: unknown) => this.options.ctx.log.error({ err: error }, 'after resuming'));
  }

  private async databaseInRecovery(): Promise<boolean> {
    try {
      const r = await this.options.ctx.pool.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
      return r.rows[0]!.r;
    } catch (error) {
      throw new StoreApiError(
        503,
        'database-unavailable',
        `cannot reach region ${this.options.ctx.region}'s database: ${(error as Error).message}`,
      );
    }
  }

  private async doPromote(by: 'admin' | 'automatic'): Promise<void> {
    const { ctx } = this.options;
    const started = performance.now();
    const client = await ctx.pool.connect().catch((error: unknown) => {
      throw new StoreApiError(
        503,
        'database-unavailable',
        `cannot reach this region's database to promote it: ${(error as Error).message}`,
      );
    });
    let broken: Error | undefined;
    try {
      const recovery = await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
      if (recovery.rows[0]!.r) {
        const promoted = await client.query<{ ok: boolean }>('SELECT pg_promote(true, 60) AS ok');
        if (!promoted.rows[0]!.ok) {
          throw new StoreApiError(503, 'database-unavailable', 'pg_promote() did not finish within 60 s');
        }
      }
    } catch (error) {
      if (!(error instanceof StoreApiError)) broken = error as Error;
      throw error instanceof StoreApiError
        ? error
        : new StoreApiError(503, 'database-unavailable', `promotion failed: ${(error as Error).message}`);
    } finally {
      client.release(broken);
    }
    this.setRole('primary');
    this.promotedAt = new Date().toISOString();
    this.promotedBy = by;
    ctx.log.warn(
      { by, ms: Math.round(performance.now() - started) },
      'promoted: this region now takes writes',
    );
    await this.options
      .onPrimary()
      .catch((error: unknown) => ctx.log.error({ err: error }, 'after promotion'));
    await this.fencePeer();
  }

  /** Best effort: a live former primary must stop writing to its now-divergent database. */
  private async fencePeer(): Promise<void> {
    const { peerUrl } = this.options;
    if (!peerUrl) return;
    await fetch(new URL('/admin/fence', peerUrl), {
      method: 'POST',
      signal: AbortSignal.timeout(1_000),
    }).catch(() => {});
  }

  private async pollPeer(peerUrl: string): Promise<void> {
    const healthUrl = new URL('/health', peerUrl);
    const intervalMs = Math.max(50, Math.min(500, this.options.detectionMs / 4));
    while (!this.abort.signal.aborted && this.currentRole === 'standby') {
      const healthy = await probe(healthUrl, Math.min(1_000, this.options.detectionMs / 2));
      this.peerHealthy = healthy;
      if (healthy) {
        this.peerSeenHealthy = true;
        this.unhealthySince = undefined;
      } else if (this.peerSeenHealthy) {
        // Only a peer that was once up can be lost: at stack start region a may not be up yet.
        this.unhealthySince ??= Date.now();
        if (Date.now() - this.unhealthySince >= this.detectionMs) {
          await this.promote('automatic').catch((error: unknown) =>
            this.options.ctx.log.warn({ err: error }, 'automatic failover failed; will retry'),
          );
        }
      }
      await sleep(intervalMs, undefined, { signal: this.abort.signal }).catch(() => {});
    }
  }
}

async function probe(url: URL, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json()) as { ready?: unknown; role?: unknown };
    return res.ok && body.ready === true && body.role === 'primary';
  } catch {
    return false;
  }
}
