// What every service module needs to start its process inside one stack: the
// stack directory layout, the tools, the port allocator and a place to record
// what it started so stop() and the reaper can find it.
import { join } from 'node:path';
import type { PortAllocator } from './free-port.ts';
import type { SupervisedProcess } from './process-supervisor.ts';
import type { PostgresUser } from './toolchain/postgres-installer.ts';
import type { ResolvedTools } from './toolchain/tool-locator.ts';

export interface StackContext {
  readonly dir: string;
  readonly tools: ResolvedTools;
  readonly ports: PortAllocator;
  readonly postgresUser: PostgresUser | undefined;
  readonly log: (line: string) => void;
  /** Every process started for this stack, in start order (stopped in reverse). */
  readonly processes: SupervisedProcess[];
}

export function stackLayout(dir: string) {
  return {
    pids: join(dir, 'pids'),
    /** How each process was started (env included), for restarts: 0600, removed with the stack. */
    specs: join(dir, 'specs'),
    logs: join(dir, 'logs'),
    data: join(dir, 'data'),
    stateFile: join(dir, 'stack.json'),
    logFile: (name: string) => join(dir, 'logs', `${name}.log`),
    dataDir: (name: string) => join(dir, 'data', name),
  };
}
