// The record of a running local stack (stack.json in its directory): every
// endpoint and proxy, and the generated database password. The file is 0600;
// what is printed or logged is the public form, which has no secrets.
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { PeakdrillError } from '../model/errors.ts';

const hostPort = z.object({ host: z.string(), port: z.number().int() });

export const stackStateSchema = z.object({
  version: z.literal(1),
  dir: z.string(),
  startedAt: z.string(),
  replication: z.enum(['sync', 'async']),
  /** regions: a primary and its streaming standby; migration: blue (a) and green (b) joined by CDC. */
  topology: z.enum(['regions', 'migration']).optional(),
  /** The reference store's seeded defect, null for the correct store (absent: no store). */
  defect: z.string().nullable().optional(),
  endpoints: z.record(
    z.string(),
    hostPort.extend({ kind: z.string(), url: z.string().optional(), role: z.string().optional() }),
  ),
  proxies: z.array(z.object({ name: z.string(), listen: hostPort, upstream: z.string() })),
  processes: z.array(z.object({ name: z.string(), pid: z.number().int() })),
  secrets: z.object({ pgPassword: z.string() }),
});

export type StackState = z.infer<typeof stackStateSchema>;
export type PublicStackState = Omit<StackState, 'secrets'>;

export function publicState(state: StackState): PublicStackState {
  const { secrets: _secrets, ...rest } = state;
  return rest;
}

export async function writeStackState(file: string, state: StackState): Promise<void> {
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export function readStackState(file: string): StackState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return stackStateSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_STACK_STATE',
      `the stack record ${file} is unreadable: ${(error as Error).message}`,
      {
        hint: 'run `peakdrill stack down` to clean up, then `peakdrill stack up`',
      },
    );
  }
}
