// The reference store in the local stack: store-a (region a, primary) and
// store-b (region b, standby) as separate processes, so a region loss can kill
// one, each behind its edge proxy and reaching its region's database through
// db-a/db-b. The database password goes to the store in its environment only.
import { fileURLToPath } from 'node:url';
import { postgresUrl, type StoreConfig, storeConfig, storeEnv } from '../reference-store/store-config.ts';
import { LOOPBACK } from './free-port.ts';
import { posUplinkNames } from './pos-uplinks.ts';
import { PG_DATABASE, PG_USER } from './postgres-service.ts';
import { type SupervisedProcess, spawnSupervised } from './process-supervisor.ts';
import { type StackContext, stackLayout } from './stack-context.ts';
import type { ProxyEndpoint, StartedToxiproxy } from './toxiproxy-service.ts';
import { waitUntil } from './wait-strategy.ts';

export const STORE_MAIN = fileURLToPath(new URL('../reference-store/store-main.ts', import.meta.url));

export interface ReferenceStoreOptions {
  /** One seeded defect by name, or undefined for the correct store. */
  readonly defect?: string | undefined;
  readonly failover?: 'auto' | 'manual';
  readonly failoverDetectionMs?: number;
  /** Migration topology: store-b (green) stands by, promoted only by a cutover. */
  readonly migration?: boolean;
}

export interface StoreEndpoints {
  readonly region: 'a' | 'b';
  readonly port: number;
  readonly edge: ProxyEndpoint;
  /** Region a only: the stores' POS uplinks, chained in front of edge-a. */
  readonly uplinks: ProxyEndpoint[];
  process: SupervisedProcess;
}

export interface StoreLinks {
  readonly password: string;
  readonly dbProxy: Record<'a' | 'b', ProxyEndpoint>;
  readonly kafkaBrokers: string[];
}

function envFor(
  region: 'a' | 'b',
  port: number,
  peerEdge: ProxyEndpoint,
  links: StoreLinks,
  options: ReferenceStoreOptions,
): Record<string, string> {
  const db = links.dbProxy[region];
  return {
    ...storeEnv(
      storeConfig({
        region,
        host: LOOPBACK,
        port,
        pgUrl: postgresUrl({
          host: db.listen.host,
          port: db.listen.port,
          user: PG_USER,
          password: links.password,
          database: PG_DATABASE,
        }),
        peerUrl: `http://${peerEdge.listen.host}:${peerEdge.listen.port}`,
        kafkaBrokers: links.kafkaBrokers,
        defect: options.defect as StoreConfig['defect'],
        // Green must never promote itself because blue is frozen: only the cutover moves writes.
        failover: options.migration ? 'manual' : (options.failover ?? 'auto'),
        failoverDetectionMs: options.failoverDetectionMs ?? 3_000,
      }),
    ),
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  };
}

async function startOne(
  ctx: StackContext,
  region: 'a' | 'b',
  env: Record<string, string>,
  edge: ProxyEndpoint,
) {
  const layout = stackLayout(ctx.dir);
  const name = `store-${region}`;
  const proc = await spawnSupervised(
    {
      name,
      command: process.execPath,
      args: [STORE_MAIN],
      logFile: layout.logFile(name),
      env,
      stopTier: 0,
      ready: { kind: 'http', url: `http://${LOOPBACK}:${env.PEAKDRILL_STORE_PORT}/live` },
    },
    layout.pids,
  );
  ctx.processes.push(proc);
  const url = `http://${edge.listen.host}:${edge.listen.port}/health`;
  await waitUntil(async () => (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok, {
    what: `${name} to answer ${url}`,
    timeoutMs: 30_000,
    intervalMs: 100,
    process: proc,
  });
  return proc;
}

/** Starts store-a then store-b (b's migrations wait for a's on the primary). */
export async function startReferenceStores(
  ctx: StackContext,
  toxiproxy: StartedToxiproxy,
  links: StoreLinks,
  options: ReferenceStoreOptions,
): Promise<StoreEndpoints[]> {
  const [portA, portB] = [await ctx.ports.free(), await ctx.ports.free()];
  const edgeA = await toxiproxy.createProxy('edge-a', `${LOOPBACK}:${portA}`);
  const edgeB = await toxiproxy.createProxy('edge-b', `${LOOPBACK}:${portB}`);
  const uplinks: ProxyEndpoint[] = [];
  for (const name of posUplinkNames()) {
    uplinks.push(await toxiproxy.createProxy(name, `${edgeA.listen.host}:${edgeA.listen.port}`));
  }
  const a = await startOne(ctx, 'a', envFor('a', portA, edgeB, links, options), edgeA);
  const b = await startOne(ctx, 'b', envFor('b', portB, edgeA, links, options), edgeB);
  return [
    { region: 'a', port: portA, edge: edgeA, uplinks, process: a },
    { region: 'b', port: portB, edge: edgeB, uplinks: [], process: b },
  ];
}
