// The `local` stack provider: the topology of DESIGN.md as child processes on
// 127.0.0.1 — Toxiproxy with its named proxies, postgres-a (primary) and
// postgres-b (hot standby replicating through repl-ab), and a KRaft Kafka.
// Used in-process by tests and commands (`await using stack = await new
// LocalStack().start()`) and by `peakdrill stack up|status|down`.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type pg from 'pg';
import type { Toxiproxy } from 'toxiproxy-node-client';
import { retireJournal } from '../faults/fault-journal.ts';
import { PeakdrillError } from '../model/errors.ts';
import { LOOPBACK, PortAllocator } from './free-port.ts';
import { createTopics, STACK_TOPICS, startKafka } from './kafka-service.ts';
import { startMigrationCdc } from './migration-cdc.ts';
import {
  connectionConfig,
  PG_DATABASE,
  PG_USER,
  type PostgresServer,
  promote,
  type StandbyBootstrap,
  setSynchronous,
  startPrimary,
  startStandby,
} from './postgres-service.ts';
import { anyAlive, reapPidDir, type SupervisedProcess } from './process-supervisor.ts';
import {
  type ReferenceStoreOptions,
  type StoreLinks,
  startReferenceStores,
} from './reference-store-service.ts';
import { StackBuilder } from './stack-builder.ts';
import { type StackContext, stackLayout } from './stack-context.ts';
import { registerStack, unregisterStack } from './stack-registry.ts';
import {
  type PublicStackState,
  publicState,
  readStackState,
  type StackState,
  writeStackState,
} from './stack-state.ts';
import { ensurePostgresUser } from './toolchain/postgres-installer.ts';
import { resolveTools } from './toolchain/tool-locator.ts';
import { type ProxyEndpoint, type StartedToxiproxy, startToxiproxy } from './toxiproxy-service.ts';

export type ReplicationMode = 'sync' | 'async';
export type StackTopology = 'regions' | 'migration';

/** What a target's members get from the stack they join: its processes' context, proxies and links. */
export interface StackInfra {
  readonly ctx: StackContext;
  readonly toxiproxy: StartedToxiproxy;
  readonly links: StoreLinks;
  /** postgres-a's and postgres-b's own ports (for a superuser setting up a database). */
  readonly postgresPorts: Record<'a' | 'b', number>;
}

/** Members a target started inside the stack: their proxies and named endpoints (recorded in stack.json). */
export interface StartedMembers {
  readonly proxies: readonly ProxyEndpoint[];
  readonly endpoints: Readonly<Record<string, StackState['endpoints'][string]>>;
}

/** Starts a target's members once the databases and Kafka are up; pushes its processes onto ctx.processes. */
export type MemberStarter = (infra: StackInfra) => Promise<StartedMembers>;
export type PostgresName = 'postgres-a' | 'postgres-b';

export function defaultStackDir(env: NodeJS.ProcessEnv = process.env): string {
  // Under the temp dir rather than ~/.cache: when peakdrill is root, PostgreSQL
  // runs as its own user and must be able to reach its data directory.
  return env.PEAKDRILL_STACK_DIR ?? join(tmpdir(), `peakdrill-${process.getuid?.() ?? 'user'}`, 'stack');
}

export class LocalStack extends StackBuilder {
  private replication: ReplicationMode = 'sync';
  private topology: StackTopology = 'regions';
  private toxiproxyPort: number | undefined;
  private standbyBootstrap: StandbyBootstrap = 'basebackup';
  private referenceStore: ReferenceStoreOptions | undefined;
  private members: MemberStarter | undefined;

  withReplication(mode: ReplicationMode): this {
    this.replication = mode;
    return this;
  }

  /**
   * `migration`: postgres-b is a primary of its own (green) fed by CDC from postgres-a
   * (blue) through repl-ab, and store-b stands by until a cutover promotes it.
   */
  withTopology(topology: StackTopology): this {
    this.topology = topology;
    return this;
  }

  withToxiproxyPort(port: number | undefined): this {
    this.toxiproxyPort = port;
    return this;
  }

  /** How postgres-b gets its first copy; `copy` is what a PostgreSQL build without pg_basebackup uses. */
  withStandbyBootstrap(bootstrap: StandbyBootstrap): this {
    this.standbyBootstrap = bootstrap;
    return this;
  }

  /** Adds store-a and store-b (the reference store) behind edge-a/edge-b, optionally with one seeded defect. */
  withReferenceStore(options: ReferenceStoreOptions = {}): this {
    this.referenceStore = options;
    return this;
  }

  /** Adds a target's own members (a third-party back end) behind proxies of its choosing. */
  withMembers(start: MemberStarter): this {
    this.members = start;
    return this;
  }

  async start(): Promise<StartedLocalStack> {
    const dir = this.dir ?? defaultStackDir(this.env);
    const layout = stackLayout(dir);
    // Registered before the first process starts: a kill -9 from here on is found by the next peakdrill.
    registerStack(dir, { ...this.registration, detached: false }, this.env);
    const reaped = await reapPidDir(layout.pids);
    if (reaped.length > 0) this.log(`reaped leftovers of an earlier stack: ${reaped.join(', ')}`);
    const tools = await resolveTools(this.env);
    await rm(layout.data, { recursive: true, force: true });
    await mkdir(layout.logs, { recursive: true });
    retireJournal(dir, layout.logs);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const postgresUser = await ensurePostgresUser();
    if (postgresUser) await assertReachableBy(dir, postgresUser.name);
    const ctx: StackContext = {
      dir,
      tools,
      ports: new PortAllocator(),
      postgresUser,
      log: this.log,
      processes: [],
    };
    const password = this.env.PEAKDRILL_PG_PASSWORD ?? randomBytes(18).toString('base64url');
    try {
      const toxiproxy = await startToxiproxy(ctx, this.toxiproxyPort);
      const [portA, portB, kafkaInternal, kafkaClientPort, kafkaController] = await Promise.all([
        ctx.ports.free(),
        ctx.ports.free(),
        ctx.ports.free(),
        ctx.ports.free(),
        ctx.ports.free(),
      ]);
      const dbA = await toxiproxy.createProxy('db-a', `${LOOPBACK}:${portA}`);
      const dbB = await toxiproxy.createProxy('db-b', `${LOOPBACK}:${portB}`);
      const repl = await toxiproxy.createProxy('repl-ab', `${LOOPBACK}:${portA}`);
      // The way back: a failback resynchronises region a from b through this link.
      const replBack = await toxiproxy.createProxy('repl-ba', `${LOOPBACK}:${portB}`);
      const kafkaProxy = await toxiproxy.createProxy('kafka', `${LOOPBACK}:${kafkaClientPort}`);

      const migration = this.topology === 'migration';
      const postgres = (async () => {
        if (migration) {
          const [primary, standby] = await Promise.all([
            startPrimary(ctx, 'postgres-a', portA, password),
            startPrimary(ctx, 'postgres-b', portB, password),
          ]);
          return { primary, standby };
        }
        const primary = await startPrimary(ctx, 'postgres-a', portA, password);
        const standby = await startStandby(
          ctx,
          'postgres-b',
          portB,
          password,
          primary,
          repl.listen.port,
          this.standbyBootstrap,
        );
        if (this.replication === 'sync') await setSynchronous(portA, password, true);
        return { primary, standby };
      })();
      const kafka = (async () => {
        const started = await startKafka(ctx, {
          internal: kafkaInternal,
          client: kafkaClientPort,
          controller: kafkaController,
          advertisedClient: kafkaProxy.listen.port,
        });
        await createTopics(started.brokers, STACK_TOPICS);
        return started;
      })();
      const [pgResult, kafkaResult] = await Promise.allSettled([postgres, kafka]);
      if (pgResult.status === 'rejected') throw pgResult.reason;
      if (kafkaResult.status === 'rejected') throw kafkaResult.reason;
      const { primary, standby } = pgResult.value;
      const links: StoreLinks = {
        password,
        dbProxy: { a: dbA, b: dbB },
        kafkaBrokers: kafkaResult.value.brokers,
      };
      const stores = this.referenceStore
        ? await startReferenceStores(ctx, toxiproxy, links, { ...this.referenceStore, migration })
        : [];
      // Once blue's store made its schema: green gets the same, then subscribes.
      if (migration) {
        await startMigrationCdc({
          password,
          blue: portA,
          green: portB,
          link: repl.listen.port,
          backLink: replBack.listen.port,
        });
      }
      const members = this.members
        ? await this.members({ ctx, toxiproxy, links, postgresPorts: { a: portA, b: portB } })
        : { proxies: [], endpoints: {} };
      const state: StackState = {
        version: 1,
        dir,
        startedAt: new Date().toISOString(),
        replication: this.replication,
        topology: this.topology,
        endpoints: {
          toxiproxy: {
            kind: 'toxiproxy-api',
            host: LOOPBACK,
            port: toxiproxy.port,
            url: toxiproxy.apiUrl,
          },
          'postgres-a': {
            kind: 'postgres',
            host: LOOPBACK,
            port: primary.port,
            role: 'primary',
            url: pgUrl(primary.port),
          },
          'postgres-b': {
            kind: 'postgres',
            host: LOOPBACK,
            port: standby.port,
            // Green is a primary of its own, written only by CDC until the cutover.
            role: migration ? 'primary' : 'standby',
            url: pgUrl(standby.port),
          },
          kafka: {
            kind: 'kafka',
            host: LOOPBACK,
            port: kafkaProxy.listen.port,
            url: `${LOOPBACK}:${kafkaProxy.listen.port}`,
          },
          'kafka-internal': { kind: 'kafka', host: LOOPBACK, port: kafkaInternal },
          ...Object.fromEntries(
            stores.map((st) => [
              `store-${st.region}`,
              {
                kind: 'reference-store',
                host: LOOPBACK,
                port: st.port,
                role: st.region === 'a' ? 'primary' : 'standby',
                url: `http://${LOOPBACK}:${st.port}`,
              },
            ]),
          ),
          ...members.endpoints,
        },
        // null: the correct store; absent: no store at all.
        ...(this.referenceStore ? { defect: this.referenceStore.defect ?? null } : {}),
        proxies: [
          ...stores.flatMap((st) => [st.edge, ...st.uplinks]),
          ...members.proxies,
          dbA,
          dbB,
          repl,
          replBack,
          kafkaProxy,
        ],
        processes: ctx.processes.map((p) => ({ name: p.name, pid: p.pid })),
        secrets: { pgPassword: password },
      };
      await writeStackState(layout.stateFile, state);
      return new StartedLocalStack(state, ctx.processes, toxiproxy.client, { primary, standby }, this.env);
    } catch (error) {
      await stopAll(ctx.processes);
      await removeSecrets(dir);
      unregisterStack(dir, this.env);
      throw error;
    }
  }
}

/**
 * As root, PostgreSQL runs as its own user, which must be able to walk down to
 * its data directory. The stack dir itself is ours to open up; its parents are
 * not, so a private parent (e.g. under /root) is an error that says so.
 */
async function assertReachableBy(dir: string, user: string): Promise<void> {
  await chmod(dir, 0o755);
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    if (((await stat(d)).mode & 0o001) === 0) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_STACK_START',
        `PostgreSQL runs as the user ${user} and cannot reach ${dir}: ${d} is not searchable by other users`,
        {
          hint: `use a stack directory under a world-searchable path (the default is under ${tmpdir()}), e.g. --dir ${join(tmpdir(), 'peakdrill-stack')}`,
        },
      );
    }
  }
}

function pgUrl(port: number): string {
  return `postgres://${PG_USER}@${LOOPBACK}:${port}/${PG_DATABASE}`;
}

async function stopAll(processes: readonly SupervisedProcess[]): Promise<void> {
  // Tier by tier (clients before the services they use), everything in a tier at once: down must be fast.
  const tiers = [...new Set(processes.map((p) => p.stopTier))].sort((a, b) => a - b);
  for (const tier of tiers) {
    await Promise.all(
      processes.filter((p) => p.stopTier === tier).map((p) => p.stop(p.name === 'kafka' ? 3_000 : 2_000)),
    );
  }
}

export class StartedLocalStack implements AsyncDisposable {
  readonly state: StackState;
  readonly toxiproxy: Toxiproxy;
  private readonly processes: SupervisedProcess[];
  private readonly servers: { primary: PostgresServer; standby: PostgresServer };
  private stopping: Promise<void> | undefined;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    state: StackState,
    processes: SupervisedProcess[],
    toxiproxy: Toxiproxy,
    servers: { primary: PostgresServer; standby: PostgresServer },
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.env = env;
    this.state = state;
    this.processes = processes;
    this.toxiproxy = toxiproxy;
    this.servers = servers;
  }

  get dir(): string {
    return this.state.dir;
  }

  get publicState(): PublicStackState {
    return publicState(this.state);
  }

  process(name: string): SupervisedProcess {
    const found = this.processes.find((p) => p.name === name);
    if (!found)
      throw new PeakdrillError('PEAKDRILL_ERR_STACK_STATE', `no process named ${name} in this stack`);
    return found;
  }

  proxy(name: string) {
    const found = this.state.proxies.find((p) => p.name === name);
    if (!found) throw new PeakdrillError('PEAKDRILL_ERR_STACK_STATE', `no proxy named ${name} in this stack`);
    return found;
  }

  /** Connection settings for a database, directly or through its db-a/db-b proxy. */
  postgres(name: PostgresName, via: 'direct' | 'proxy' = 'direct', database = PG_DATABASE): pg.ClientConfig {
    const port =
      via === 'direct'
        ? this.state.endpoints[name]!.port
        : this.proxy(name === 'postgres-a' ? 'db-a' : 'db-b').listen.port;
    return connectionConfig(port, this.state.secrets.pgPassword, database);
  }

  get kafkaBrokers(): string[] {
    return [this.state.endpoints.kafka!.url!];
  }

  async promoteStandby(): Promise<void> {
    await promote(this.servers.standby.port, this.state.secrets.pgPassword);
  }

  async setSynchronous(sync: boolean): Promise<void> {
    await setSynchronous(this.servers.primary.port, this.state.secrets.pgPassword, sync);
  }

  /** Leaves the processes running when this peakdrill exits (`stack up`). */
  detach(): void {
    for (const p of this.processes) p.detach();
    registerStack(this.state.dir, { detached: true }, this.env);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await stopAll(this.processes);
      await reapPidDir(stackLayout(this.state.dir).pids);
      retireJournal(this.state.dir, stackLayout(this.state.dir).logs);
      await rm(stackLayout(this.state.dir).data, { recursive: true, force: true });
      await removeSecrets(this.state.dir);
      unregisterStack(this.state.dir, this.env);
    })();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export interface StackStatus {
  readonly dir: string;
  readonly up: boolean;
  readonly state: PublicStackState | undefined;
  readonly processes: { name: string; pid: number; alive: boolean }[];
}

export function stackStatus(dir: string): StackStatus {
  const layout = stackLayout(dir);
  const state = readStackState(layout.stateFile);
  const processes = (state?.processes ?? []).map((p) => ({ ...p, alive: isAlive(p.pid) }));
  const up = state !== undefined && processes.length > 0 && processes.every((p) => p.alive);
  return { dir, up, state: state ? publicState(state) : undefined, processes };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops whatever a stack directory's pid files name — a live stack or a dead peakdrill's leftovers. */
export async function stackDown(
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ stopped: string[] }> {
  const layout = stackLayout(dir);
  const stopped = await reapPidDir(layout.pids);
  await mkdir(layout.logs, { recursive: true });
  retireJournal(dir, layout.logs);
  await rm(layout.data, { recursive: true, force: true });
  await removeSecrets(dir);
  unregisterStack(dir, env);
  return { stopped };
}

/**
 * The files that hold the database password (stack.json, and the process specs a
 * restart fault reads) live only as long as the stack: nothing secret outlives it.
 */
async function removeSecrets(dir: string): Promise<void> {
  const layout = stackLayout(dir);
  await rm(layout.stateFile, { force: true });
  await rm(layout.specs, { recursive: true, force: true });
}

export function stackIsRunning(dir: string): boolean {
  return anyAlive(stackLayout(dir).pids);
}
