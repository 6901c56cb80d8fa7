// Process faults on a running stack, by process name, working from the stack
// directory alone (pid records, spec files, stack.json) so a different
// peakdrill than the one that started the stack can kill, pause, resume and
// restart its processes — and heal what a crashed run left.
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { clusterAnswers } from '../kafka/kafka-clients.ts';
import { PeakdrillError } from '../model/errors.ts';
import { connectionConfig, withClient } from './postgres-service.ts';
import {
  isRecordAlive,
  type ReadyCheck,
  readPidRecord,
  readProcessSpec,
  signalProcessGroup,
  spawnSupervised,
} from './process-supervisor.ts';
import { stackLayout } from './stack-context.ts';
import { readStackState } from './stack-state.ts';
import { waitUntil } from './wait-strategy.ts';

export class StackControl {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  private get pids(): string {
    return stackLayout(this.dir).pids;
  }

  private record(name: string) {
    const record = readPidRecord(this.pids, name);
    if (!record) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_STACK_STATE',
        `no process named ${name} is recorded in ${this.dir}`,
        {
          hint: 'name a process of the stack (`peakdrill stack status` lists them)',
        },
      );
    }
    return record;
  }

  isRunning(name: string): boolean {
    const record = readPidRecord(this.pids, name);
    return record !== undefined && isRecordAlive(record);
  }

  pid(name: string): number {
    return this.record(name).pid;
  }

  /** SIGKILL to the whole process group: a crash, not a shutdown. Waits until it is gone. */
  async kill(name: string): Promise<void> {
    const record = this.record(name);
    signalProcessGroup(record.pid, 'SIGCONT');
    signalProcessGroup(record.pid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (isRecordAlive(record) && Date.now() < deadline) await sleep(10);
  }

  pause(name: string): number {
    const record = this.record(name);
    signalProcessGroup(record.pid, 'SIGSTOP');
    return record.pid;
  }

  resume(name: string, pid?: number): void {
    signalProcessGroup(pid ?? this.record(name).pid, 'SIGCONT');
  }

  /** Starts a process again from its spec (stopping it first if it runs) and waits until it is usable. */
  async restart(name: string): Promise<void> {
    const spec = readProcessSpec(this.pids, name);
    if (!spec) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_STACK_STATE',
        `no start spec for ${name} in ${this.dir}; it cannot be restarted`,
        {
          hint: 'recreate the stack: `peakdrill stack down` then `peakdrill stack up`',
        },
      );
    }
    if (this.isRunning(name)) await this.kill(name);
    const proc = await spawnSupervised(spec, this.pids);
    // Whoever owns the stack reaps it through its pid file; this process must not wait on it.
    proc.detach();
    if (!spec.ready) return;
    try {
      await this.waitReady(name, spec.ready, proc);
    } catch (error) {
      // The harness did its part (the process was started again); what the member does
      // with it is the target's behaviour, and a checker judges it.
      throw new PeakdrillError(
        'PEAKDRILL_ERR_MEMBER_DOWN',
        `${name} did not come back after its restart: ${(error as Error).message}`,
        { cause: error, hint: `see ${name}'s log in the run directory (logs/${name}.log)` },
      );
    }
  }

  private async waitReady(
    name: string,
    ready: ReadyCheck,
    proc: Awaited<ReturnType<typeof spawnSupervised>>,
  ) {
    const state = readStackState(stackLayout(this.dir).stateFile);
    const probe = async (): Promise<boolean> => {
      switch (ready.kind) {
        case 'postgres':
          return withClient(
            connectionConfig(ready.port, state?.secrets.pgPassword ?? '', 'postgres'),
            async (c) => {
              await c.query('select 1');
              return true;
            },
          );
        case 'http':
          return (await fetch(ready.url, { signal: AbortSignal.timeout(1_000) })).ok;
        case 'kafka':
          return clusterAnswers(ready.brokers, 'peakdrill-control');
        case 'tcp':
          return new Promise((resolve) => {
            const socket = createConnection({ host: '127.0.0.1', port: ready.port });
            socket.once('connect', () => {
              socket.destroy();
              resolve(true);
            });
            socket.once('error', () => resolve(false));
          });
      }
    };
    await waitUntil(probe, {
      what: `${name} to be ready after restart`,
      timeoutMs: 60_000,
      intervalMs: 100,
      process: proc,
    });
  }
}
