// Vendure as an OS process a process-kill fault can SIGKILL: Shop API and Admin
// API in one Nest app, its job queue started in the same process (nothing on the
// checkout path is a job: stock is allocated inside the addPaymentToOrder
// transaction). Settings from PEAKDRILL_VENDURE_*; one READY_LINE when serving.
import { createRequire } from 'node:module';
import {
  parseServerEnv,
  READY_LINE,
  type VendureCoreModule,
  vendureConfig,
} from './vendure-server-config.ts';

interface NestApp {
  get(token: unknown): { start(): Promise<void> };
  close(): Promise<void>;
}

interface VendureCore extends VendureCoreModule {
  bootstrap(config: Record<string, unknown>): Promise<NestApp>;
  readonly JobQueueService: unknown;
}

async function main(): Promise<void> {
  const settings = parseServerEnv(process.env);
  // @vendure/core lives in its own npm prefix, not in peakdrill's node_modules.
  const core = createRequire(settings.resolveFrom)('@vendure/core') as VendureCore;
  const started = performance.now();
  const app = await core.bootstrap(vendureConfig(settings, core));
  await app.get(core.JobQueueService).start();
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`${READY_LINE} http://${settings.host}:${settings.port} bootMs=${ms}\n`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // A close that hangs on a cut database link must still end the process.
    setTimeout(() => process.exit(1), 10_000).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`peakdrill-vendure: error while stopping on ${signal}: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`peakdrill-vendure: could not start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(2);
});
