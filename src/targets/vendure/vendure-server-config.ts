// The contract between the peakdrill side that starts Vendure (vendure-service.ts)
// and the process that runs it (vendure-server-main.ts): settings travel as
// PEAKDRILL_VENDURE_* variables, read once here; and the VendureConfig built from
// them — loopback only, no plugins that need the network, telemetry off.
import { z } from 'zod';

export interface VendureServerSettings {
  /** A file inside the Vendure npm prefix; `@vendure/core` is required relative to it. */
  readonly resolveFrom: string;
  readonly host: string;
  readonly port: number;
  readonly db: {
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly user: string;
    readonly password: string;
  };
  readonly superadminPassword: string;
  readonly cookieSecret: string;
}

export const SUPERADMIN_IDENTIFIER = 'superadmin';
export const SHOP_API_PATH = 'shop-api';
export const ADMIN_API_PATH = 'admin-api';
/** Vendure's own name for the dummy handler (core/src/config/payment/dummy-payment-method-handler.ts). */
export const DUMMY_PAYMENT_HANDLER = 'dummy-payment-handler';
/** Printed by the server once it serves both APIs. */
export const READY_LINE = 'peakdrill-vendure listening';

export function serverEnv(s: VendureServerSettings): Record<string, string> {
  return {
    PEAKDRILL_VENDURE_RESOLVE_FROM: s.resolveFrom,
    PEAKDRILL_VENDURE_HOST: s.host,
    PEAKDRILL_VENDURE_PORT: String(s.port),
    PEAKDRILL_VENDURE_DB_HOST: s.db.host,
    PEAKDRILL_VENDURE_DB_PORT: String(s.db.port),
    PEAKDRILL_VENDURE_DB_NAME: s.db.database,
    PEAKDRILL_VENDURE_DB_USER: s.db.user,
    PEAKDRILL_VENDURE_DB_PASSWORD: s.db.password,
    PEAKDRILL_VENDURE_SUPERADMIN_PASSWORD: s.superadminPassword,
    PEAKDRILL_VENDURE_COOKIE_SECRET: s.cookieSecret,
    // Vendure 3.x posts usage data to telemetry.vendure.io unless told not to;
    // a rehearsal must not reach the internet (core/src/telemetry/).
    VENDURE_DISABLE_TELEMETRY: 'true',
  };
}

const port = z.coerce.number().int().min(1).max(65_535);
const text = z.string().min(1);
const envSchema = z.object({
  PEAKDRILL_VENDURE_RESOLVE_FROM: text,
  PEAKDRILL_VENDURE_HOST: z.literal('127.0.0.1'),
  PEAKDRILL_VENDURE_PORT: port,
  PEAKDRILL_VENDURE_DB_HOST: text,
  PEAKDRILL_VENDURE_DB_PORT: port,
  PEAKDRILL_VENDURE_DB_NAME: text,
  PEAKDRILL_VENDURE_DB_USER: text,
  PEAKDRILL_VENDURE_DB_PASSWORD: text,
  PEAKDRILL_VENDURE_SUPERADMIN_PASSWORD: text,
  PEAKDRILL_VENDURE_COOKIE_SECRET: text,
});

/** Reads the settings; a missing or bad variable is named (the server exits 2 with it). */
export function parseServerEnv(env: NodeJS.ProcessEnv): VendureServerSettings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`bad Vendure server environment (${fields}); start it through startVendure()`);
  }
  const e = parsed.data;
  return {
    resolveFrom: e.PEAKDRILL_VENDURE_RESOLVE_FROM,
    host: e.PEAKDRILL_VENDURE_HOST,
    port: e.PEAKDRILL_VENDURE_PORT,
    db: {
      host: e.PEAKDRILL_VENDURE_DB_HOST,
      port: e.PEAKDRILL_VENDURE_DB_PORT,
      database: e.PEAKDRILL_VENDURE_DB_NAME,
      user: e.PEAKDRILL_VENDURE_DB_USER,
      password: e.PEAKDRILL_VENDURE_DB_PASSWORD,
    },
    superadminPassword: e.PEAKDRILL_VENDURE_SUPERADMIN_PASSWORD,
    cookieSecret: e.PEAKDRILL_VENDURE_COOKIE_SECRET,
  };
}

/** The parts of `@vendure/core` the config needs; loaded at run time from the Vendure prefix. */
export interface VendureCoreModule {
  readonly dummyPaymentHandler: unknown;
  readonly DefaultLogger: new (options: { level: number; timestamp?: boolean }) => unknown;
  readonly LogLevel: { readonly Info: number };
}

/** A VendureConfig (plain object) for one server on the stack's database. */
export function vendureConfig(s: VendureServerSettings, core: VendureCoreModule): Record<string, unknown> {
  return {
    apiOptions: {
      hostname: s.host,
      port: s.port,
      adminApiPath: ADMIN_API_PATH,
      shopApiPath: SHOP_API_PATH,
      adminApiPlayground: false,
      shopApiPlayground: false,
    },
    authOptions: {
      // Bearer so a client holds its session in a header it controls (one per shopper);
      // cookie kept for a browser pointed at it by hand.
      tokenMethod: ['bearer', 'cookie'],
      superadminCredentials: { identifier: SUPERADMIN_IDENTIFIER, password: s.superadminPassword },
      cookieOptions: { secret: s.cookieSecret },
    },
    dbConnectionOptions: {
      type: 'postgres',
      host: s.db.host,
      port: s.db.port,
      database: s.db.database,
      username: s.db.user,
      password: s.db.password,
      // Creates the schema on an empty database and is a no-op on one it made;
      // a restart on a promoted standby finds the replicated schema in place.
      synchronize: true,
      logging: false,
      extra: { connectionTimeoutMillis: 5_000 },
    },
    paymentOptions: { paymentMethodHandlers: [core.dummyPaymentHandler] },
    // No email, asset or search plugins: none is on the checkout path, and some reach the network.
    plugins: [],
    logger: new core.DefaultLogger({ level: core.LogLevel.Info }),
  };
}
