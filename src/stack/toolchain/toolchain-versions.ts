// The one place that says which versions of the external tools peakdrill
// installs and expects. The numbers live in toolchain.json at the repository
// root so shell bootstrap (scripts/ensure-node.sh) and TypeScript read the same.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const toolchainSchema = z.object({
  node: z.object({ version: z.string(), npmPackage: z.string() }),
  postgres: z.object({
    major: z.number().int(),
    npmPackage: z.string(),
    npmVersion: z.string(),
    aptPackage: z.string(),
  }),
  kafka: z.object({
    version: z.string(),
    scala: z.string(),
    slf4jBackend: z.string(),
    /** Older broker versions → their slf4j backend (3.x logs through reload4j, 4.x through log4j2). */
    alsoTested: z.record(z.string(), z.string()).default({}),
  }),
  toxiproxy: z.object({ version: z.string(), goModule: z.string() }),
  k6: z.object({ version: z.string(), goModule: z.string() }),
  /** A third-party target, installed on first use (or `setup --vendure`), never a project dependency. */
  vendure: z.object({
    version: z.string(),
    npmPackage: z.string(),
    /** Packages it needs beside it to boot (the PostgreSQL driver it loads by name), pinned too. */
    companions: z.record(z.string(), z.string()),
  }),
});

export type Toolchain = z.infer<typeof toolchainSchema>;

export const TOOLCHAIN_FILE = fileURLToPath(new URL('../../../toolchain.json', import.meta.url));

export const TOOLCHAIN: Toolchain = toolchainSchema.parse(JSON.parse(readFileSync(TOOLCHAIN_FILE, 'utf8')));

export interface KafkaRelease {
  readonly version: string;
  readonly scala: string;
  readonly slf4jBackend: string;
}

/**
 * The Kafka broker this environment runs: the pinned one, or an older tested one
 * named by PEAKDRILL_KAFKA_VERSION (to rehearse against the line a team still runs).
 */
export function kafkaRelease(env: NodeJS.ProcessEnv = process.env): KafkaRelease {
  const { version, scala, slf4jBackend, alsoTested } = TOOLCHAIN.kafka;
  const wanted = env.PEAKDRILL_KAFKA_VERSION;
  if (wanted === undefined || wanted === '' || wanted === version) return { version, scala, slf4jBackend };
  const backend = alsoTested[wanted];
  if (backend === undefined) {
    const known = [version, ...Object.keys(alsoTested)].join(', ');
    throw new Error(
      `PEAKDRILL_KAFKA_VERSION=${wanted} is not a Kafka version peakdrill is tested with (${known}); unset it or pick one of those`,
    );
  }
  return { version: wanted, scala, slf4jBackend: backend };
}
