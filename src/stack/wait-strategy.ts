// Waits for a started service to be usable. A wait has a deadline and says
// what it waited for; when it fails, the message carries the last lines of the
// service's log, so nobody has to go looking for why it did not come up.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeakdrillError } from '../model/errors.ts';
import type { SupervisedProcess } from './process-supervisor.ts';

export interface WaitOptions {
  /** e.g. "postgres-a to accept connections on 127.0.0.1:5432" */
  readonly what: string;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Fail at once when this process exits while we wait. */
  readonly process?: SupervisedProcess;
}

export function logTail(file: string | undefined, lines = 12): string {
  if (!file || !existsSync(file)) return '(no log)';
  const text = readFileSync(file, 'utf8').trimEnd();
  return text.split('\n').slice(-lines).join('\n') || '(empty log)';
}

export async function waitUntil(probe: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    const proc = options.process;
    if (proc && !proc.running) {
      const status = proc.exitedWith;
      throw new PeakdrillError(
        'PEAKDRILL_ERR_STACK_START',
        `${proc.name} exited (code ${status?.code}, signal ${status?.signal}) while waiting for ${options.what}. Last log lines (${proc.logFile}):\n${logTail(proc.logFile)}`,
        { hint: `read ${proc.logFile}; run \`peakdrill doctor\` to check the installed tools` },
      );
    }
    if (performance.now() > deadline) {
      const why = lastError instanceof Error ? ` Last error: ${lastError.message}.` : '';
      throw new PeakdrillError(
        'PEAKDRILL_ERR_STACK_START',
        `timed out after ${options.timeoutMs} ms waiting for ${options.what}.${why}${proc ? ` Last log lines (${proc.logFile}):\n${logTail(proc.logFile)}` : ''}`,
        { hint: proc ? `read ${proc.logFile}` : 'check that the service is running' },
      );
    }
    await sleep(options.intervalMs ?? 100);
  }
}
