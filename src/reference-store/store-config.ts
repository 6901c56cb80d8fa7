// Configuration of one reference-store process, read once from its environment
// (PEAKDRILL_STORE_*) and validated with zod; every error names the variable.
// `storeEnv` is the inverse, for whoever spawns a store (stack, tests, bench).
import { z } from 'zod';
import { PeakdrillError } from '../model/errors.ts';
import { DEFECT_NAMES, type DefectName } from './defects.ts';

export type Region = 'a' | 'b';
export type StoreRole = 'primary' | 'standby';
export type FailoverMode = 'auto' | 'manual';

export interface StoreConfig {
  readonly region: Region;
  readonly host: string;
  /** 0 picks a free port (the listening line says which). */
  readonly port: number;
  /** This region's database, normally through its db-a/db-b proxy. */
  readonly pgUrl: string;
  /** The other region's store, polled for automatic failover. */
  readonly peerUrl: string | undefined;
  /** Empty: no Kafka (no scan consumer; the ledger is kept but not relayed). */
  readonly kafkaBrokers: readonly string[];
  readonly role: StoreRole;
  readonly defect: DefectName | undefined;
  readonly failover: FailoverMode;
  readonly failoverDetectionMs: number;
  readonly pgPoolSize: number;
  readonly logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug';
}

const url = z.string().refine((v) => URL.canParse(v), 'must be a URL');

const envSchema = z.object({
  PEAKDRILL_STORE_REGION: z.enum(['a', 'b']),
  PEAKDRILL_STORE_PORT: z.coerce.number().int().min(0).max(65_535),
  PEAKDRILL_STORE_HOST: z.string().min(1).default('127.0.0.1'),
  PEAKDRILL_STORE_PG_URL: url.refine((v) => /^postgres(ql)?:/.test(v), 'must be a postgres:// URL'),
  PEAKDRILL_STORE_PEER_URL: z
    .string()
    .refine((v) => v === '' || URL.canParse(v), 'must be a URL (or empty for none)')
    .optional(),
  PEAKDRILL_STORE_KAFKA_BROKERS: z
    .string()
    .default('')
    .refine(
      (v) => v.trim() === '' || v.split(',').every((b) => /^[^\s:,]+:\d+$/.test(b.trim())),
      'must be a comma list of host:port',
    ),
  PEAKDRILL_STORE_ROLE: z.enum(['primary', 'standby']).optional(),
  PEAKDRILL_STORE_DEFECT: z.enum(['', ...DEFECT_NAMES]).default(''),
  PEAKDRILL_STORE_FAILOVER: z.enum(['auto', 'manual']).default('auto'),
  PEAKDRILL_STORE_FAILOVER_DETECTION_MS: z.coerce.number().int().min(100).max(600_000).default(3_000),
  PEAKDRILL_STORE_PG_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(24),
  PEAKDRILL_STORE_LOG_LEVEL: z.enum(['silent', 'error', 'warn', 'info', 'debug']).default('warn'),
});

/** Parses a store's environment; throws one PeakdrillError listing every bad variable. */
export function parseStoreConfig(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      `invalid reference-store configuration: ${problems.join('; ')}`,
      {
        hint: `set ${problems.length === 1 ? 'that variable' : 'those variables'} (see src/reference-store/store-config.ts)`,
      },
    );
  }
  const e = parsed.data;
  const brokers = e.PEAKDRILL_STORE_KAFKA_BROKERS.split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  return {
    region: e.PEAKDRILL_STORE_REGION,
    host: e.PEAKDRILL_STORE_HOST,
    port: e.PEAKDRILL_STORE_PORT,
    pgUrl: e.PEAKDRILL_STORE_PG_URL,
    peerUrl: e.PEAKDRILL_STORE_PEER_URL || undefined,
    kafkaBrokers: brokers,
    // Active-passive: region a starts as the writer unless told otherwise.
    role: e.PEAKDRILL_STORE_ROLE ?? (e.PEAKDRILL_STORE_REGION === 'a' ? 'primary' : 'standby'),
    defect: e.PEAKDRILL_STORE_DEFECT === '' ? undefined : e.PEAKDRILL_STORE_DEFECT,
    failover: e.PEAKDRILL_STORE_FAILOVER,
    failoverDetectionMs: e.PEAKDRILL_STORE_FAILOVER_DETECTION_MS,
    pgPoolSize: e.PEAKDRILL_STORE_PG_POOL_SIZE,
    logLevel: e.PEAKDRILL_STORE_LOG_LEVEL,
  };
}

/** The environment that makes `store-main.ts` run with this configuration. */
export function storeEnv(config: StoreConfig): Record<string, string> {
  return {
    PEAKDRILL_STORE_REGION: config.region,
    PEAKDRILL_STORE_HOST: config.host,
    PEAKDRILL_STORE_PORT: String(config.port),
    PEAKDRILL_STORE_PG_URL: config.pgUrl,
    PEAKDRILL_STORE_PEER_URL: config.peerUrl ?? '',
    PEAKDRILL_STORE_KAFKA_BROKERS: config.kafkaBrokers.join(','),
    PEAKDRILL_STORE_ROLE: config.role,
    PEAKDRILL_STORE_DEFECT: config.defect ?? '',
    PEAKDRILL_STORE_FAILOVER: config.failover,
    PEAKDRILL_STORE_FAILOVER_DETECTION_MS: String(config.failoverDetectionMs),
    PEAKDRILL_STORE_PG_POOL_SIZE: String(config.pgPoolSize),
    PEAKDRILL_STORE_LOG_LEVEL: config.logLevel,
  };
}

/** A full configuration from the few fields that differ between uses; for tests and the bench. */
export function storeConfig(
  fields: Pick<StoreConfig, 'region' | 'pgUrl'> & Partial<StoreConfig>,
): StoreConfig {
  return parseStoreConfig({
    ...storeEnv({
      host: '127.0.0.1',
      port: 0,
      peerUrl: undefined,
      kafkaBrokers: [],
      role: fields.region === 'a' ? 'primary' : 'standby',
      defect: undefined,
      failover: 'auto',
      failoverDetectionMs: 3_000,
      pgPoolSize: 24,
      logLevel: 'warn',
      ...fields,
    }),
  });
}

/** A postgres:// URL from client settings (host, port, user, password, database), password escaped. */
export function postgresUrl(c: {
  host?: string;
  port?: number;
  user?: string;
  password?: unknown;
  database?: string;
}): string {
  const auth = c.password === undefined ? `${c.user}` : `${c.user}:${encodeURIComponent(String(c.password))}`;
  return `postgres://${auth}@${c.host ?? '127.0.0.1'}:${c.port ?? 5432}/${c.database ?? c.user}`;
}
