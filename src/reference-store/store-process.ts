// Runs store-main.ts as a child process and waits for its listening line:
// what tests and the bench use to get a store that a fault can SIGKILL like a
// lost region. stop() is idempotent; output() keeps the tail of what it printed.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PeakdrillError } from '../model/errors.ts';
import { type StoreConfig, storeEnv } from './store-config.ts';

export const STORE_MAIN = fileURLToPath(new URL('./store-main.ts', import.meta.url));
const LISTENING = /^peakdrill-store listening (\S+)$/m;

export interface StartedStoreProcess extends AsyncDisposable {
  readonly url: string;
  readonly pid: number;
  readonly config: StoreConfig;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly running: boolean;
  /** Sends a signal without waiting (SIGKILL to simulate losing the region). */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines the process wrote to stdout and stderr. */
  output(): string;
}

export async function startStoreProcess(
  config: StoreConfig,
  options: { startTimeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<StartedStoreProcess> {
  const child: ChildProcess = spawn(process.execPath, [STORE_MAIN], {
    env: { ...(options.env ?? process.env), ...storeEnv(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-16_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitStatus = { code, signal };
      resolve(exitStatus);
    });
  });
  const timeoutMs = options.startTimeoutMs ?? 45_000;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new PeakdrillError(
          'PEAKDRILL_ERR_STACK_START',
          `store-${config.region} did not report listening within ${timeoutMs} ms:\n${log}`,
        ),
      );
    }, timeoutMs);
    const onData = () => {
      const m = LISTENING.exec(log);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((status) => {
      clearTimeout(timer);
      reject(
        new PeakdrillError(
          'PEAKDRILL_ERR_STACK_START',
          `store-${config.region} exited (code ${status.code}, signal ${status.signal}) before listening:\n${log}`,
        ),
      );
    });
  });
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5_000) => {
    stopping ??= (async () => {
      if (exitStatus) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  return {
    url,
    pid: child.pid!,
    config,
    exited,
    get running() {
      return exitStatus === undefined;
    },
    kill: (signal: NodeJS.Signals = 'SIGKILL') => {
      if (!exitStatus) child.kill(signal);
    },
    stop,
    output: () => log,
    [Symbol.asyncDispose]: () => stop(),
  };
}
