// Starts a real local stack in a fresh temp directory for one test file and
// guarantees it is stopped, even when a test or the start itself fails.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStack, type ReplicationMode, type StartedLocalStack } from '../../src/stack/local-stack.ts';

export function tempStackDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `peakdrill-test-${label}-`));
}

export async function startTestStack(
  label: string,
  replication: ReplicationMode = 'sync',
): Promise<StartedLocalStack> {
  return new LocalStack().withDir(tempStackDir(label)).withReplication(replication).start();
}
