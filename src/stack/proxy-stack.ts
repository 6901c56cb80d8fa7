// The stack of an external target: peakdrill starts nothing of the system under
// test, only its own Toxiproxy on 127.0.0.1 with one proxy per declared site
// (`edge-<site>` → the site's host:port), recorded in stack.json like any stack,
// so faults, the fault journal, the sweep of abandoned stacks and `faults clear`
// work on it unchanged. Registered before the first process starts.
import { mkdir, rm } from 'node:fs/promises';
import { retireJournal } from '../faults/fault-journal.ts';
import { LOOPBACK, PortAllocator } from './free-port.ts';
import { reapPidDir, type SupervisedProcess } from './process-supervisor.ts';
import { StackBuilder } from './stack-builder.ts';
import { type StackContext, stackLayout } from './stack-context.ts';
import { registerStack, unregisterStack } from './stack-registry.ts';
import { type StackState, writeStackState } from './stack-state.ts';
import { resolveTools } from './toolchain/tool-locator.ts';
import { type ProxyEndpoint, startToxiproxy } from './toxiproxy-service.ts';

export interface ProxiedSite {
  readonly name: string;
  /** host:port the proxy forwards to. */
  readonly upstream: string;
}

export class ProxyStack extends StackBuilder {
  private sites: readonly ProxiedSite[] = [];

  withSites(sites: readonly ProxiedSite[]): this {
    this.sites = sites;
    return this;
  }

  async start(): Promise<StartedProxyStack> {
    const dir = this.dir;
    if (dir === undefined) throw new Error('ProxyStack.start(): withDir not given');
    const layout = stackLayout(dir);
    registerStack(dir, { ...this.registration, detached: false }, this.env);
    await mkdir(layout.logs, { recursive: true });
    retireJournal(dir, layout.logs);
    const ctx: StackContext = {
      dir,
      tools: await resolveTools(this.env),
      ports: new PortAllocator(),
      postgresUser: undefined,
      log: this.log,
      processes: [],
    };
    try {
      const toxiproxy = await startToxiproxy(ctx);
      const proxies: ProxyEndpoint[] = [];
      for (const site of this.sites)
        proxies.push(await toxiproxy.createProxy(`edge-${site.name}`, site.upstream));
      const state: StackState = {
        version: 1,
        dir,
        startedAt: new Date().toISOString(),
        replication: 'async',
        endpoints: {
          toxiproxy: { kind: 'toxiproxy-api', host: LOOPBACK, port: toxiproxy.port, url: toxiproxy.apiUrl },
          ...Object.fromEntries(
            this.sites.map((s) => {
              const [host, port] = splitHostPort(s.upstream);
              return [`site-${s.name}`, { kind: 'external', host, port }];
            }),
          ),
        },
        proxies,
        processes: ctx.processes.map((p) => ({ name: p.name, pid: p.pid })),
        secrets: { pgPassword: '' },
      };
      await writeStackState(layout.stateFile, state);
      return new StartedProxyStack(state, ctx.processes, this.env);
    } catch (error) {
      await Promise.all(ctx.processes.map((p) => p.stop(2_000)));
      unregisterStack(dir, this.env);
      throw error;
    }
  }
}

export class StartedProxyStack {
  readonly state: StackState;
  private readonly processes: SupervisedProcess[];
  private readonly env: NodeJS.ProcessEnv;
  private stopping: Promise<void> | undefined;

  constructor(state: StackState, processes: SupervisedProcess[], env: NodeJS.ProcessEnv) {
    this.state = state;
    this.processes = processes;
    this.env = env;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(this.processes.map((p) => p.stop(2_000)));
      const layout = stackLayout(this.state.dir);
      await reapPidDir(layout.pids);
      retireJournal(this.state.dir, layout.logs);
      await rm(layout.stateFile, { force: true });
      unregisterStack(this.state.dir, this.env);
    })();
    return this.stopping;
  }
}

export function splitHostPort(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))];
}
