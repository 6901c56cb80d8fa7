// Runs the k6 binary on a script and reads back its end-of-test summary. The
// script must export handleSummary writing JSON to __ENV.PEAKDRILL_SUMMARY_FILE
// (k6's own summary output format is for people, not programs).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { PeakdrillError } from '../../model/errors.ts';

export interface K6Metric {
  readonly type: string;
  readonly values: Record<string, number>;
  readonly thresholds?: Record<string, { ok: boolean }>;
}

export interface K6Summary {
  readonly metrics: Record<string, K6Metric>;
}

export interface K6RunResult {
  /** 0 all thresholds held, 99 a threshold failed (k6's own codes), others: errors. */
  readonly exitCode: number | null;
  readonly summary: K6Summary;
  readonly thresholdsFailed: string[];
  readonly stderr: string;
}

export interface K6RunOptions {
  readonly k6: string;
  readonly script: string;
  readonly summaryFile: string;
  readonly env?: Record<string, string>;
  readonly extraArgs?: readonly string[];
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export async function runK6(options: K6RunOptions): Promise<K6RunResult> {
  const args = ['run', '--quiet', '--no-color', '-e', `PEAKDRILL_SUMMARY_FILE=${options.summaryFile}`];
  for (const [k, v] of Object.entries(options.env ?? {})) args.push('-e', `${k}=${v}`);
  args.push(...(options.extraArgs ?? []), options.script);
  let stderr = '';
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(options.k6, args, {
      // k6 would otherwise phone home with usage statistics.
      env: { ...process.env, K6_NO_USAGE_REPORT: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: options.timeoutMs ?? 600_000,
      killSignal: 'SIGKILL',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-20_000);
    });
    child.on('error', (error) =>
      reject(
        new PeakdrillError(
          'PEAKDRILL_ERR_MISSING_TOOL',
          `could not run k6 at ${options.k6}: ${error.message}`,
          {
            hint: 'run `peakdrill setup` (or `peakdrill doctor` to see what is missing)',
          },
        ),
      ),
    );
    child.on('close', (code) => resolve(code));
  });
  if (!existsSync(options.summaryFile)) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_INVALID_INPUT',
      `k6 exited with ${exitCode} and wrote no summary for ${options.script}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`,
      {
        hint: 'check the script runs with `k6 run` and exports handleSummary writing __ENV.PEAKDRILL_SUMMARY_FILE',
      },
    );
  }
  const summary = JSON.parse(readFileSync(options.summaryFile, 'utf8')) as K6Summary;
  const thresholdsFailed = Object.entries(summary.metrics).flatMap(([metric, m]) =>
    Object.entries(m.thresholds ?? {})
      .filter(([, t]) => !t.ok)
      .map(([expr]) => `${metric}: ${expr}`),
  );
  return { exitCode, summary, thresholdsFailed, stderr };
}
