// Starts a real local stack in a fresh temp directory for one test file and
// guarantees it is stopped, even when a test or the start itself fails; and a
// reference store on it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DefectName } from '../../src/reference-store/defects.ts';
import { postgresUrl, storeConfig } from '../../src/reference-store/store-config.ts';
import { type StartedStore, startStore } from '../../src/reference-store/store-server.ts';
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

/** A reference store (region a) on a test stack's postgres-a through db-a, optionally with one seeded defect. */
export function startStoreOn(stack: StartedLocalStack, defect?: DefectName): Promise<StartedStore> {
  return startStore(
    storeConfig({
      region: 'a',
      pgUrl: postgresUrl(stack.postgres('postgres-a', 'proxy')),
      kafkaBrokers: stack.kafkaBrokers,
      ...(defect === undefined ? {} : { defect }),
      logLevel: 'error',
    }),
  );
}
