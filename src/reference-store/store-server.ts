// Assembles one reference-store process: pool, schema, roles, Kafka workers
// and the Fastify app. `startStore(config)` is the in-process entry (tests, the
// bench); `store-main.ts` wraps it for the stack, one OS process per region.

import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import type pg from 'pg';
import pino from 'pino';
import { PeakdrillError } from '../model/errors.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { DatabaseHealth } from './database-health.ts';
import { DefectSwitches } from './defects.ts';
import { FailoverController } from './failover-controller.ts';
import { installHttpSupport } from './http-support.ts';
import { registerOrderRoutes } from './order-routes.ts';
import { OutboxRelay } from './outbox-relay.ts';
import { ScanConsumer } from './scan-consumer.ts';
import { applyMigrations } from './schema-migrations.ts';
import type { StoreConfig } from './store-config.ts';
import type { StoreContext } from './store-context.ts';
import { createPool } from './store-database.ts';
import { registerSyncRoutes } from './sync-routes.ts';
import { WebhookQueue } from './webhook-queue.ts';

export interface StartedStore extends AsyncDisposable {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly config: StoreConfig;
  close(): Promise<void>;
}

/**
 * `idempotency-unlogged`, once: a primary restarted after its standby took over must not
 * write at start (its commit would wait for a synchronous standby that is gone).
 */
async function makeIdempotencyUnlogged(client: pg.ClientBase): Promise<void> {
  const r = await client.query<{ p: string }>(
    "SELECT relpersistence AS p FROM pg_class WHERE relname = 'idempotency_keys' AND relkind = 'r'",
  );
  if (r.rows[0]?.p === 'p') await client.query('ALTER TABLE idempotency_keys SET UNLOGGED');
}

/** Waits for the database (it may still be starting, or behind a proxy that is healing). */
async function waitForDatabase(pool: pg.Pool, timeoutMs: number): Promise<{ inRecovery: boolean }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const r = await pool.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
      return { inRecovery: r.rows[0]!.r };
    } catch (error) {
      if (performance.now() > deadline) {
        throw new PeakdrillError(
          'PEAKDRILL_ERR_UNREACHABLE',
          `the store's database did not answer within ${timeoutMs} ms: ${(error as Error).message}`,
          {
            hint: 'check PEAKDRILL_STORE_PG_URL and that the db proxy is enabled',
            cause: error,
          },
        );
      }
      await sleep(250);
    }
  }
}

/** Kafka workers run only while this store is the writer. */
class KafkaWorkers {
  private readonly ctx: StoreContext;
  private readonly brokers: readonly string[];
  private relay: OutboxRelay | undefined;
  private consumer: ScanConsumer | undefined;

  constructor(ctx: StoreContext, brokers: readonly string[]) {
    this.ctx = ctx;
    this.brokers = brokers;
  }

  start(): void {
    if (this.brokers.length === 0 || this.relay) return;
    this.relay = new OutboxRelay(this.ctx, this.brokers);
    this.consumer = new ScanConsumer(this.ctx, this.brokers);
    this.relay.start();
    this.consumer.start();
  }

  async stop(): Promise<void> {
    const { relay, consumer } = this;
    this.relay = undefined;
    this.consumer = undefined;
    await Promise.all([relay?.stop(), consumer?.stop()]);
  }
}

export async function startStore(config: StoreConfig): Promise<StartedStore> {
  const log = pino({ level: config.logLevel, base: { region: config.region } });
  const appName = `peakdrill-store-${config.region}`;
  const pool = createPool(config.pgUrl, config.pgPoolSize, appName);
  const health = new DatabaseHealth(config.pgUrl, `${appName}-health`);
  const ctx: StoreContext = { pool, region: config.region, defects: new DefectSwitches(config.defect), log };
  const workers = new KafkaWorkers(ctx, config.kafkaBrokers);
  const webhookQueue = new WebhookQueue(ctx, config.kafkaBrokers);
  let failover: FailoverController | undefined;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Per-request logs would cost more than a checkout's database work at 1,000/s.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  });
  try {
    const db = await waitForDatabase(pool, 30_000);
    if (config.role === 'primary') {
      if (db.inRecovery) {
        throw new PeakdrillError(
          'PEAKDRILL_ERR_USAGE',
          `region ${config.region} was started as primary but its database is a standby (in recovery)`,
          {
            hint: 'start it with PEAKDRILL_STORE_ROLE=standby, or promote its database first',
          },
        );
      }
      const client = await pool.connect();
      try {
        await applyMigrations(client);
        // `idempotency-unlogged`: the keys table skips the WAL for speed, so the standby never
        // has it: after a failover every key is forgotten and a re-sent checkout sells again.
        if (ctx.defects.idempotencyUnlogged) await makeIdempotencyUnlogged(client);
      } finally {
        client.release();
      }
    }
    failover = new FailoverController({
      ctx,
      role: config.role,
      mode: config.failover,
      detectionMs: config.failoverDetectionMs,
      peerUrl: config.peerUrl,
      onPrimary: async () => {
        const client = await pool.connect();
        try {
          await applyMigrations(client);
        } finally {
          client.release();
        }
        workers.start();
      },
      onFenced: () => workers.stop(),
    });
    installHttpSupport(app);
    registerOrderRoutes(app, ctx, failover);
    registerSyncRoutes(app, ctx, failover, webhookQueue);
    registerAdminRoutes(app, ctx, failover, health);
    // A primary coming back after its region was lost must not take writes again if the
    // other region took over meanwhile (the fence it missed while it was down).
    if (config.role === 'primary' && config.peerUrl && (await peerIsPrimary(config.peerUrl))) {
      if (ctx.defects.rejoinAsPrimary) {
        // The defect: the node trusts its configured role and skips the fence check, and,
        // finding no synchronous standby, commits locally (a non-strict synchronous mode),
        // so two regions take writes on two divergent databases (split brain).
        log.warn({ peer: config.peerUrl }, 'the other region is primary; starting as primary anyway');
        await pool.query("ALTER SYSTEM SET synchronous_standby_names = ''");
        await pool.query('SELECT pg_reload_conf()');
      } else if (ctx.defects.rejoinCrash) {
        // The defect: a node that only knows how to be primary refuses to rejoin as anything else.
        throw new Error('rejoin-crash: the other region is primary and this store only runs as primary');
      } else {
        log.warn(
          { peer: config.peerUrl },
          'the other region took over while this one was down: starting fenced',
        );
        await failover.fence();
      }
    }
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close().catch(() => {});
    await health.close();
    await pool.end().catch(() => {});
    throw error;
  }
  if (failover.role === 'primary') workers.start();
  failover.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  const controller = failover;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await controller.stop();
      await app.close();
      await workers.stop();
      await webhookQueue.close();
      await health.close();
      await pool.end().catch(() => {});
    })();
    return closing;
  };
  return { url, config, close, [Symbol.asyncDispose]: close };
}

/** Whether the peer region answers that it is the primary; unreachable counts as no. */
async function peerIsPrimary(peerUrl: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('/health', peerUrl), { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { role?: unknown };
    return body.role === 'primary';
  } catch {
    return false;
  }
}
