// Runs a short-lived helper program (go, mvn, java --version, apt-get) to
// completion and captures its output. Long-lived services use the process
// supervisor instead; this is only for install and version probes.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTicks } from '../process-supervisor.ts';

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  readonly uid?: number;
  readonly gid?: number;
  /**
   * Record the process in a stack's pid directory while it runs, in its own
   * process group, so a reaper can stop it if this peakdrill dies first.
   */
  readonly track?: { readonly pidDir: string; readonly name: string };
}

export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 600_000,
      killSignal: 'SIGKILL',
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
      detached: options.track !== undefined,
    });
    const pidFile =
      options.track && child.pid ? join(options.track.pidDir, `${options.track.name}.json`) : undefined;
    if (pidFile && options.track) {
      mkdirSync(options.track.pidDir, { recursive: true });
      const record = {
        name: options.track.name,
        pid: child.pid,
        startTicks: processStartTicks(child.pid!),
        command: [command, ...args].join(' '),
        stopSignal: 'SIGTERM',
        owner: process.pid,
      };
      writeFileSync(pidFile, `${JSON.stringify(record)}\n`);
    }
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (error) => resolve({ code: null, stdout, stderr: stderr + String(error.message) }));
    child.on('close', (code) => {
      if (pidFile) rmSync(pidFile, { force: true });
      resolve({ code, stdout, stderr });
    });
  });
}

/** The last few lines of a tool's output, for error messages. */
export function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

export async function which(command: string): Promise<string | undefined> {
  const result = await runCommand('sh', ['-c', `command -v -- "$1"`, 'sh', command], { timeoutMs: 5_000 });
  const found = result.stdout.trim();
  return result.code === 0 && found !== '' ? found : undefined;
}
