// Vendure as a supervised child process of a stack: its own database on the
// stack's PostgreSQL (reached through a Toxiproxy proxy such as db-a, so link
// faults apply), Shop and Admin API on 127.0.0.1, a pid file the reaper and a
// process-kill fault can use. `new VendureServer().with…().start()` → StartedVendure.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { PeakdrillError } from '../../model/errors.ts';
import { LOOPBACK, PortAllocator } from '../../stack/free-port.ts';
import { withClient } from '../../stack/postgres-service.ts';
import { type SupervisedProcess, spawnSupervised } from '../../stack/process-supervisor.ts';
import { stackLayout } from '../../stack/stack-context.ts';
import { waitUntil } from '../../stack/wait-strategy.ts';
import type { VendureInstall } from './vendure-installer.ts';
import {
  ADMIN_API_PATH,
  SHOP_API_PATH,
  SUPERADMIN_IDENTIFIER,
  serverEnv,
  type VendureServerSettings,
} from './vendure-server-config.ts';

export const VENDURE_MAIN = fileURLToPath(new URL('./vendure-server-main.ts', import.meta.url));
export const VENDURE_DATABASE = 'vendure';

export interface VendureDatabase {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export interface StartedVendure extends AsyncDisposable {
  readonly name: string;
  readonly url: string;
  readonly shopApiUrl: string;
  readonly adminApiUrl: string;
  readonly superadmin: { readonly identifier: string; readonly password: string };
  readonly process: SupervisedProcess;
  /** From spawn to /health answering: what a restart costs in RTO. */
  readonly bootMs: number;
  stop(): Promise<void>;
}

export class VendureServer {
  private install: VendureInstall | undefined;
  private db: VendureDatabase | undefined;
  private port: number | undefined;
  private stackDir: string | undefined;
  private name = 'vendure';
  private bootTimeoutMs = 180_000;

  withInstall(install: VendureInstall): this {
    this.install = install;
    return this;
  }

  /** The database it uses, ideally through the stack's db-a proxy (see ensureVendureDatabase). */
  withDatabase(db: VendureDatabase): this {
    this.db = db;
    return this;
  }

  withPort(port: number): this {
    this.port = port;
    return this;
  }

  /** Where its pid file, process spec and log go (the stack directory, so the reaper finds it). */
  withStackDir(dir: string): this {
    this.stackDir = dir;
    return this;
  }

  withName(name: string): this {
    this.name = name;
    return this;
  }

  withBootTimeout(ms: number): this {
    this.bootTimeoutMs = ms;
    return this;
  }

  async start(): Promise<StartedVendure> {
    const { install, db, stackDir } = this;
    if (!install || !db || !stackDir) {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_USAGE',
        `VendureServer.start(): ${[!install && 'withInstall', !db && 'withDatabase', !stackDir && 'withStackDir'].filter(Boolean).join(', ')} not given`,
      );
    }
    const port = this.port ?? (await new PortAllocator().free());
    const settings: VendureServerSettings = {
      resolveFrom: install.resolveFrom,
      host: LOOPBACK,
      port,
      db,
      superadminPassword: randomBytes(12).toString('base64url'),
      cookieSecret: randomBytes(18).toString('base64url'),
    };
    const layout = stackLayout(stackDir);
    await mkdir(layout.logs, { recursive: true });
    const url = `http://${LOOPBACK}:${port}`;
    const started = performance.now();
    const proc = await spawnSupervised(
      {
        name: this.name,
        command: process.execPath,
        args: [VENDURE_MAIN],
        logFile: layout.logFile(this.name),
        env: serverEnv(settings),
        // A client of the databases: gone before them when the stack stops.
        stopTier: 0,
        ready: { kind: 'http', url: `${url}/health` },
      },
      layout.pids,
    );
    try {
      await waitUntil(async () => (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })).ok, {
        what: `${this.name} (Vendure ${install.version}) to answer ${url}/health`,
        timeoutMs: this.bootTimeoutMs,
        intervalMs: 200,
        process: proc,
      });
    } catch (error) {
      await proc.stop(2_000);
      throw error;
    }
    const bootMs = Math.round(performance.now() - started);
    const stop = async () => {
      await proc.stop(5_000);
    };
    return {
      name: this.name,
      url,
      shopApiUrl: `${url}/${SHOP_API_PATH}`,
      adminApiUrl: `${url}/${ADMIN_API_PATH}`,
      superadmin: { identifier: SUPERADMIN_IDENTIFIER, password: settings.superadminPassword },
      process: proc,
      bootMs,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  }
}

/**
 * Creates Vendure's own database (beside the reference store's) when missing,
 * connecting directly as the stack's superuser. On a streaming-replication pair
 * it exists on the standby too, which is what a region loss restarts on.
 */
export async function ensureVendureDatabase(admin: pg.ClientConfig, name = VENDURE_DATABASE): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_USAGE',
      `Vendure database name ${name} is not a plain identifier`,
    );
  }
  await withClient({ ...admin, database: 'postgres' }, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  });
}

/** Turns the stack's pg connection settings (e.g. `stack.postgres('postgres-a', 'proxy')`) into Vendure's. */
export function vendureDatabase(config: pg.ClientConfig, database = VENDURE_DATABASE): VendureDatabase {
  const { host, port, user, password } = config;
  if (
    typeof host !== 'string' ||
    port === undefined ||
    typeof user !== 'string' ||
    typeof password !== 'string'
  ) {
    throw new PeakdrillError('PEAKDRILL_ERR_USAGE', 'Vendure needs a database host, port, user and password');
  }
  return { host, port, user, password, database };
}

export function vendureLogFile(stackDir: string, name = 'vendure'): string {
  return join(stackLayout(stackDir).logs, `${name}.log`);
}
