// Vendure (https://vendure.io, TypeScript on PostgreSQL) as a target nobody here
// wrote. Local provider: the stack's PostgreSQL pair, and Vendure 3.7.3 (installed
// on first use) as `vendure-a` on postgres-a through db-a, reached through edge-a.
// Codec: its Shop API (vendure-codec.ts). Oracle: its database, read directly.
// Controls: seed (a fresh database per run, a shop and the catalog through the
// Admin API); no failover control of its own, so region-loss is not offered yet.

import type pg from 'pg';
import { localStackDeclaration } from '../../faults/fault-targets.ts';
import { PeakdrillError } from '../../model/errors.ts';
import { parseFinalState } from '../../model/final-state.ts';
import { codecCheckoutProbe } from '../../probes/codec-probes.ts';
import type { ProbeSpec } from '../../probes/probe-runner.ts';
import type { SeedSku } from '../../run/run-catalog.ts';
import { LOOPBACK } from '../../stack/free-port.ts';
import { LocalStack, type StackInfra, type StartedLocalStack } from '../../stack/local-stack.ts';
import { connectionConfig, PG_USER } from '../../stack/postgres-service.ts';
import type { ProxyEndpoint } from '../../stack/toxiproxy-service.ts';
import type { Ability, LocalStartOptions, ProbeContext, StartedTarget, TargetModule } from '../target.ts';
import { VendureAdminClient } from './vendure-admin-client.ts';
import { seedCatalog, type VendureSeedSku } from './vendure-catalog-seeder.ts';
import { VendureCodec } from './vendure-codec.ts';
import { VendureFailover } from './vendure-failover.ts';
import { vendureFinalState, vendureFingerprint } from './vendure-final-state.ts';
import { ensureVendure, type VendureInstall } from './vendure-installer.ts';
import { readVendureState } from './vendure-oracle.ts';
import { ADMIN_API_PATH } from './vendure-server-config.ts';
import {
  ensureVendureDatabase,
  type StartedVendure,
  VENDURE_DATABASE,
  VendureServer,
} from './vendure-service.ts';
import { setUpShop } from './vendure-shop-setup.ts';

const ABILITIES: ReadonlySet<Ability> = new Set(['checkout', 'reset-seed', 'failover']);

/** Vendure's answers that are the shop saying no: not enough stock for the line. */
export const VENDURE_REJECTIONS: readonly string[] = ['INSUFFICIENT_STOCK_ERROR', 'not-needed'];

export const vendureTarget: TargetModule = {
  name: 'vendure',
  description: 'Vendure 3.7.3 (open-source headless commerce, @vendure/core) on the stack’s PostgreSQL',
  abilities: ABILITIES,
  businessRejections: VENDURE_REJECTIONS,
  publishesEvents: false,
  singleWriter: true,
  declaration: () => {
    const base = localStackDeclaration({ store: false });
    return {
      ...base,
      source: 'the vendure target on the local stack',
      proxies: ['edge-a', 'edge-b', ...base.proxies],
      processes: [...base.processes, 'vendure-a', 'vendure-b'],
    };
  },
  async startLocal(options: LocalStartOptions): Promise<StartedTarget> {
    const install = await ensureVendure(options.env, options.log);
    let member: VendureMember | undefined;
    const started = await new LocalStack()
      .withDir(options.dir)
      .forRun(options.runDir, { temporary: true })
      .withReplication(options.scenarioStore.replication)
      .withMembers(async (infra) => {
        member = await startVendureMember(infra, install, options.log);
        const { vendure, edges } = member;
        return {
          proxies: edges,
          endpoints: {
            'vendure-a': {
              kind: 'vendure',
              host: LOOPBACK,
              port: Number(new URL(vendure.url).port),
              url: vendure.url,
              role: 'primary',
            },
          },
        };
      })
      .withEnv(options.env)
      .withLogger(options.log)
      .start();
    return vendureOn(started, member!, options);
  },
  async attach(): Promise<StartedTarget> {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      'the vendure target runs on a stack of its own: --stack existing is not supported for it',
      { hint: 'run with --stack local (the default for `peakdrill run`)' },
    );
  },
};

interface VendureMember {
  readonly vendure: StartedVendure;
  /** edge-a → vendure-a; edge-b → where vendure-b listens once a failover starts it. */
  readonly edges: readonly ProxyEndpoint[];
  readonly standbyPort: number;
  readonly infra: StackInfra;
  readonly install: VendureInstall;
}

async function startVendureMember(
  infra: StackInfra,
  install: VendureInstall,
  log: (line: string) => void,
): Promise<VendureMember> {
  const { ctx, links } = infra;
  await ensureVendureDatabase(connectionConfig(infra.postgresPorts.a, links.password, 'postgres'));
  const [port, standbyPort] = [await ctx.ports.free(), await ctx.ports.free()];
  const edgeA = await infra.toxiproxy.createProxy('edge-a', `${LOOPBACK}:${port}`);
  // Nothing listens behind edge-b until a failover: shoppers sent there are refused (never sent).
  const edgeB = await infra.toxiproxy.createProxy('edge-b', `${LOOPBACK}:${standbyPort}`);
  const vendure = await startVendureServer(infra, install, 'a', port);
  log(`Vendure ${install.version} booted in ${vendure.bootMs} ms`);
  return { vendure, edges: [edgeA, edgeB], standbyPort, infra, install };
}

/** A Vendure server for site `site` on that site's database (through db-<site>), supervised in the stack. */
async function startVendureServer(infra: StackInfra, install: VendureInstall, site: 'a' | 'b', port: number) {
  const db = infra.links.dbProxy[site].listen;
  const vendure = await new VendureServer()
    .withInstall(install)
    .withName(`vendure-${site}`)
    .withPort(port)
    .withDatabase({
      host: db.host,
      port: db.port,
      user: PG_USER,
      password: infra.links.password,
      database: VENDURE_DATABASE,
    })
    .withStackDir(infra.ctx.dir)
    .start();
  // The stack stops (and the reaper finds) it with everything else.
  infra.ctx.processes.push(vendure.process);
  return vendure;
}

function vendureOn(
  started: StartedLocalStack,
  member: VendureMember,
  options: LocalStartOptions,
): StartedTarget {
  const state = started.state;
  const { vendure } = member;
  const siteOf = (name: 'a' | 'b') => {
    const edge = state.proxies.find((p) => p.name === `edge-${name}`)!;
    return { name, url: `http://${edge.listen.host}:${edge.listen.port}` };
  };
  const sites = [siteOf('a'), siteOf('b')];
  const codec = new VendureCodec();
  const databaseOf = (site: 'a' | 'b') =>
    connectionConfig(state.endpoints[`postgres-${site}`]!.port, state.secrets.pgPassword, VENDURE_DATABASE);
  const failover = new VendureFailover({
    primary: databaseOf('a'),
    detectionMs: options.scenarioStore.detection,
    log: options.log,
    steps: {
      promote: () => started.promoteStandby(),
      async takeOver() {
        await startVendureServer(member.infra, member.install, 'b', member.standbyPort);
        // Site a's load balancer now sends its shoppers to the surviving server as well.
        const edgeA = await started.toxiproxy.get('edge-a');
        await edgeA.update({
          enabled: edgeA.enabled,
          listen: edgeA.listen,
          upstream: `${LOOPBACK}:${member.standbyPort}`,
        });
      },
    },
  });
  if (options.scenarioStore.failover === 'auto') failover.start();
  return {
    stack: state,
    sites,
    defect: null,
    codec,
    secrets: [state.secrets.pgPassword, vendure.superadmin.password],
    kafkaBrokers: [],
    async resetAndSeed(seed) {
      // A fresh database per run: nothing to reset. The shop (zone, tax, shipping, the test
      // card) and the catalog go in through the Admin API, as a team would set one up.
      await using admin = await VendureAdminClient.login(
        `${sites[0]!.url}/${ADMIN_API_PATH}`,
        vendure.superadmin,
      );
      const shop = await setUpShop(admin);
      const catalog = await seedCatalog(admin, vendureSeed(seed));
      codec.seeded({ shop, catalog });
    },
    probes: (context) => vendureProbes(codec, sites, context),
    async readFinalState(log) {
      await failover.stop();
      const site = failover.primarySite;
      return parseFinalState(vendureFinalState(await settledVendureState(databaseOf(site), log), site));
    },
    async stop() {
      await failover.stop();
      await started.stop();
    },
  };
}

/**
 * Vendure has one stock location here: each SKU gets the sum of peakdrill's
 * per-store stock, which is also what the oversell checker's catalog bound sums.
 */
export function vendureSeed(seed: readonly SeedSku[]): VendureSeedSku[] {
  return seed.map((s) => ({
    sku: s.sku,
    priceCents: s.priceCents,
    stock: Object.values(s.stock).reduce((a, b) => a + b, 0),
  }));
}

/** A checkout probe per site, each through its own edge. */
function vendureProbes(
  codec: VendureCodec,
  sites: readonly { name: string; url: string }[],
  context: ProbeContext,
) {
  const channels = sites.map((site) => {
    const channel = codec.channel(site.url, { connections: 4 });
    channel.open();
    return { site, channel };
  });
  const specs = new Map<string, ProbeSpec>(
    channels.map(({ site, channel }) => [
      `checkout-${site.name}`,
      codecCheckoutProbe({
        runId: context.runId,
        site: site.name,
        channel,
        checkout: context.checkout,
        everyMs: context.checkoutEveryMs,
      }),
    ]),
  );
  return { specs, close: async () => void (await Promise.all(channels.map((c) => c.channel.close()))) };
}

/** Vendure allocates inside the payment's transaction: two equal reads a second apart are settled. */
const SETTLE_MAX_MS = 10_000;

async function settledVendureState(database: pg.ClientConfig, log: (line: string) => void) {
  const read = async () => {
    try {
      return await readVendureState(database);
    } catch (error) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_UNREACHABLE',
        `Vendure's database (postgres-a, database ${VENDURE_DATABASE}) could not be read: ${(error as Error).message}`,
        { hint: 'see logs/postgres-a.log and logs/vendure-a.log in the run directory' },
      );
    }
  };
  const deadline = performance.now() + SETTLE_MAX_MS;
  let state = await read();
  for (;;) {
    await new Promise((r) => setTimeout(r, 1_000));
    const next = await read();
    if (vendureFingerprint(next) === vendureFingerprint(state)) return next;
    state = next;
    if (performance.now() > deadline) {
      log(
        `Vendure was still placing orders ${SETTLE_MAX_MS / 1_000} s after the run; checking what it held then`,
      );
      return state;
    }
  }
}
