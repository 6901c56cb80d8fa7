// Toxiproxy for the local stack: the server on a loopback port and the named
// proxies in front of every link a fault can take away (db-a, db-b, repl-ab,
// kafka, and the stores' edges). Proxies listen on 127.0.0.1 only.
import { Toxiproxy } from 'toxiproxy-node-client';
import { PeakdrillError } from '../model/errors.ts';
import { LOOPBACK } from './free-port.ts';
import { type SupervisedProcess, spawnSupervised } from './process-supervisor.ts';
import { type StackContext, stackLayout } from './stack-context.ts';
import { waitUntil } from './wait-strategy.ts';

export interface ProxyEndpoint {
  readonly name: string;
  readonly listen: { readonly host: string; readonly port: number };
  readonly upstream: string;
}

export interface StartedToxiproxy {
  readonly process: SupervisedProcess;
  readonly apiUrl: string;
  readonly port: number;
  readonly client: Toxiproxy;
  createProxy(name: string, upstream: string): Promise<ProxyEndpoint>;
}

export async function startToxiproxy(ctx: StackContext, requestedPort?: number): Promise<StartedToxiproxy> {
  const layout = stackLayout(ctx.dir);
  const port =
    requestedPort === undefined ? await ctx.ports.free() : await ctx.ports.claim(requestedPort, 'toxiproxy');
  const proc = await spawnSupervised(
    {
      name: 'toxiproxy',
      command: ctx.tools.toxiproxy,
      args: ['-host', LOOPBACK, '-port', String(port)],
      logFile: layout.logFile('toxiproxy'),
      ready: { kind: 'http', url: `http://${LOOPBACK}:${port}/version` },
    },
    layout.pids,
  );
  ctx.processes.push(proc);
  const apiUrl = `http://${LOOPBACK}:${port}`;
  await waitUntil(async () => (await fetch(`${apiUrl}/version`)).ok, {
    what: `toxiproxy API on ${apiUrl}`,
    timeoutMs: 15_000,
    intervalMs: 50,
    process: proc,
  });
  const client = new Toxiproxy(apiUrl);
  return {
    process: proc,
    apiUrl,
    port,
    client,
    async createProxy(name, upstream) {
      const listenPort = await ctx.ports.free();
      try {
        await client.createProxy({ name, listen: `${LOOPBACK}:${listenPort}`, upstream });
      } catch (error) {
        throw new PeakdrillError(
          'PEAKDRILL_ERR_STACK_START',
          `could not create toxiproxy proxy ${name} → ${upstream}: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      return { name, listen: { host: LOOPBACK, port: listenPort }, upstream };
    },
  };
}
