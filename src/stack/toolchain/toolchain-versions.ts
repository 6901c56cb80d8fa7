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
  kafka: z.object({ version: z.string(), scala: z.string(), slf4jBackend: z.string() }),
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
