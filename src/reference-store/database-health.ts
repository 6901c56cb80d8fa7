// Whether this region's database answers, for GET /health. It uses its own
// connection (not the pool), so a pool saturated by commits waiting on the
// standby never looks like a dead database and triggers a needless failover.
import type pg from 'pg';
import { createClient } from './store-database.ts';

export interface DatabaseHealthReport {
  readonly ready: boolean;
  readonly inRecovery: boolean | null;
  readonly error: string | null;
}

export class DatabaseHealth {
  private readonly pgUrl: string;
  private readonly applicationName: string;
  private client: pg.Client | undefined;
  private inFlight: Promise<DatabaseHealthReport> | undefined;
  private last: { at: number; report: DatabaseHealthReport } | undefined;
  private closed = false;

  constructor(pgUrl: string, applicationName: string) {
    this.pgUrl = pgUrl;
    this.applicationName = applicationName;
  }

  /** Concurrent callers share one probe; a result is reused for 100 ms (probes poll every 100 ms). */
  check(timeoutMs = 1_000): Promise<DatabaseHealthReport> {
    if (this.last && performance.now() - this.last.at < 100) return Promise.resolve(this.last.report);
    this.inFlight ??= this.probe(timeoutMs).then((report) => {
      this.last = { at: performance.now(), report };
      this.inFlight = undefined;
      return report;
    });
    return this.inFlight;
  }

  private async probe(timeoutMs: number): Promise<DatabaseHealthReport> {
    if (this.closed) return { ready: false, inRecovery: null, error: 'closed' };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const client = await Promise.race([this.connected(), timeout]);
      const r = await Promise.race([
        client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'),
        timeout,
      ]);
      return { ready: true, inRecovery: r.rows[0]!.r, error: null };
    } catch (error) {
      // Drop the connection: after a timeout or a cut link its state is unknown.
      const stale = this.client;
      this.client = undefined;
      stale?.end().catch(() => {});
      return { ready: false, inRecovery: null, error: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  private connected(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    const client = createClient(this.pgUrl, this.applicationName);
    this.client = client;
    client.on('error', () => {
      if (this.client === client) this.client = undefined;
    });
    return client.connect().then(() => client);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.inFlight?.catch(() => {});
    await this.client?.end().catch(() => {});
    this.client = undefined;
  }
}
