// A target config for a system peakdrill does not start (a user's staging, a
// laptop service): where each site is, which API it speaks, and what it can do.
// JSON or YAML; anything a config cannot say is a target module (.ts) instead.
// Validated whole: every problem names its field and why.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ABILITIES } from '../../model/abilities.ts';
import { PeakdrillError } from '../../model/errors.ts';

const name = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'a lowercase name: letters, digits and -');
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });

export const externalConfigSchema = z.strictObject({
  name,
  description: z.string().default('an external system under test'),
  /** Sites by name (a, b; blue, green): the URL peakdrill puts its own Toxiproxy in front of. */
  sites: z.record(name, z.strictObject({ url: httpUrl })).refine((s) => Object.keys(s).length > 0, {
    message: 'declare at least one site',
  }),
  /**
   * The API it speaks: reference-store is the reference store's HTTP API (the codec,
   * /admin/reset and /admin/seed, /health roles, the /admin/state oracle), which a
   * team's own service can implement. Anything else is a target module (.ts).
   */
  api: z.literal('reference-store'),
  /** What it can do; a scenario that needs more is refused at load. */
  abilities: z.array(z.enum(ABILITIES)).min(1),
  /** A Toxiproxy of the user's to drive instead of starting one (its API URL). */
  toxiproxy: z.strictObject({ api: httpUrl }).optional(),
});

export type ExternalConfig = z.output<typeof externalConfigSchema>;

/** A target config by its extension: .json, or .yaml / .yml. */
export function isConfigPath(path: string): boolean {
  return ['.json', '.yaml', '.yml'].includes(extname(path).toLowerCase());
}

/** Reads and validates a config file (JSON, or YAML by extension); every problem is named by its field. */
export function loadExternalConfig(path: string): ExternalConfig {
  let json: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    json =
      extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_INVALID_INPUT',
      `target config ${path}: ${(error as Error).message}`,
      { hint: 'a target config is a JSON or YAML file (see docs/targets/external.md)' },
    );
  }
  return parseExternalConfig(json, path);
}

export function parseExternalConfig(json: unknown, source: string): ExternalConfig {
  const parsed = externalConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new PeakdrillError(
      'PEAKDRILL_ERR_INVALID_INPUT',
      `target config ${source} is invalid:\n  - ${problems.join('\n  - ')}`,
      { hint: 'fix the named fields (docs/targets/external.md describes each)' },
    );
  }
  const config = parsed.data;
  return config;
}
