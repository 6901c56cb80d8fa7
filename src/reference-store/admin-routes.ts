// Health and admin routes: GET /health, GET /admin/state (the oracle's read),
// POST /admin/reset, /admin/seed, /admin/migrate, /admin/failover (business-
// controlled: promote this standby region), /admin/fence (sent by the peer) and
// the failback moves /admin/rejoin, /admin/step-down, /admin/resume.
import type { FastifyInstance } from 'fastify';
import { resetStore, seedCatalog } from './catalog-repository.ts';
import type { DatabaseHealth } from './database-health.ts';
import type { FailoverController } from './failover-controller.ts';
import { readFinalState } from './final-state-query.ts';
import { requireWriter } from './http-support.ts';
import { parseBody, seedRequest } from './request-schemas.ts';
import { applyMigrations } from './schema-migrations.ts';
import type { StoreContext } from './store-context.ts';
import { read } from './store-database.ts';
import { StoreApiError } from './store-errors.ts';

export interface HealthBody {
  readonly region: string;
  readonly role: string;
  readonly defect: string | null;
  /** The database answers and this store can do its role's job. */
  readonly ready: boolean;
  readonly database: { reachable: boolean; inRecovery: boolean | null; error: string | null };
  readonly failover: ReturnType<FailoverController['status']>;
}

export function registerAdminRoutes(
  app: FastifyInstance,
  ctx: StoreContext,
  failover: FailoverController,
  health: DatabaseHealth,
): void {
  // Liveness, for supervisors: the process serves HTTP, whatever its role or database.
  // A fenced store is alive and must not be restarted in a loop for being fenced.
  app.get('/live', async () => ({ region: ctx.region, role: failover.role }));

  app.get('/health', async (_request, reply) => {
    const db = await health.check();
    const role = failover.role;
    // A fenced store is alive but must not be mistaken for a working region.
    const ready = db.ready && role !== 'fenced';
    const body: HealthBody = {
      region: ctx.region,
      role,
      defect: ctx.defects.active ?? null,
      ready,
      database: { reachable: db.ready, inRecovery: db.inRecovery, error: db.error },
      failover: failover.status(),
    };
    return reply.code(ready ? 200 : 503).send(body);
  });

  app.get('/admin/state', async () => read(ctx.pool, (client) => readFinalState(client)));

  app.post('/admin/reset', async () => {
    requireWriter(failover, ctx.region);
    await resetStore(ctx);
    return { reset: true };
  });

  // A large catalog (10,000 SKUs × stores) is a few MiB of JSON.
  app.post('/admin/seed', { bodyLimit: 64 * 1024 * 1024 }, async (request, reply) => {
    requireWriter(failover, ctx.region);
    const body = parseBody(seedRequest, request.body, 'seed');
    return reply.code(201).send(await seedCatalog(ctx, body));
  });

  app.post('/admin/migrate', async () => {
    requireWriter(failover, ctx.region);
    const applied = await read(ctx.pool, (client) => applyMigrations(client));
    return { applied };
  });

  app.post('/admin/failover', async () => {
    if (failover.role === 'primary') {
      throw new StoreApiError(
        409,
        'not-standby',
        `region ${ctx.region} already takes writes; send failover to the standby region`,
      );
    }
    const started = performance.now();
    await failover.promote('admin');
    return { region: ctx.region, role: failover.role, tookMs: Math.round(performance.now() - started) };
  });

  app.post('/admin/fence', async () => {
    await failover.fence();
    return { region: ctx.region, role: failover.role };
  });

  // A failback, in three moves: the returning region rejoins as standby once its database
  // streams from the writer, the writer steps down, and the returning region is promoted
  // (POST /admin/failover). /admin/resume undoes a step-down whose handover never finished.
  app.post('/admin/rejoin', async () => {
    await failover.rejoin();
    return { region: ctx.region, role: failover.role };
  });
  app.post('/admin/step-down', async () => {
    await failover.stepDown();
    return { region: ctx.region, role: failover.role };
  });
  // A migration cutover's freeze window: writes held (503 frozen), webhooks queued on Kafka.
  app.post('/admin/freeze', async (request) => {
    const checkouts = (request.body as { checkouts?: unknown } | undefined)?.checkouts;
    if (checkouts !== undefined && checkouts !== 'hold' && checkouts !== 'refuse') {
      throw new StoreApiError(
        400,
        'invalid-request',
        `checkouts must be "hold" or "refuse", not ${JSON.stringify(checkouts)}`,
      );
    }
    await failover.freeze({ holdCheckouts: checkouts === 'hold' });
    return { region: ctx.region, role: failover.role };
  });
  app.post('/admin/stop-queueing', async () => {
    failover.stopQueueing();
    return { region: ctx.region, role: failover.role };
  });
  app.post('/admin/unfreeze', async () => {
    await failover.unfreeze();
    return { region: ctx.region, role: failover.role };
  });
  app.post('/admin/resume', async () => {
    await failover.resume();
    return { region: ctx.region, role: failover.role };
  });
}
