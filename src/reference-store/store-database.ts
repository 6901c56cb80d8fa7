// The store's PostgreSQL access: one pool per process and the transaction
// wrapper every mutating call goes through. It retries deadlocks, and turns
// connection loss into answers that say whether the write may have happened.
import pg from 'pg';
import { isReadOnlyError, isRetryableConflict, StoreApiError, sqlState } from './store-errors.ts';

// int8 and numeric as numbers: every amount and count here is far below 2^53.
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 || oid === 1700
      ? Number
      : pg.types.getTypeParser(oid, (format ?? 'text') as 'text')) as typeof pg.types.getTypeParser,
};

export function createPool(pgUrl: string, max: number, applicationName: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: pgUrl,
    max,
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
    application_name: applicationName,
    types,
    // The store's statements are prepared once per connection; without this,
    // PostgreSQL re-plans them for every execution (custom plans for array
    // parameters), which cost more CPU than executing the checkout itself.
    options: '-c plan_cache_mode=force_generic_plan',
    // Keep-alive so a connection cut by a proxy is noticed rather than hanging forever.
    keepAlive: true,
    keepAliveInitialDelayMillis: 5_000,
  });
  // An idle client whose server went away must not crash the process; the pool drops it.
  pool.on('error', () => {});
  // Nor one that is checked out: a connection the server ends between two statements of a
  // transaction (a failback fencing this region) fails that transaction's next query.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** A dedicated connection for health checks, so a saturated pool never looks like a dead database. */
export function createClient(pgUrl: string, applicationName: string): pg.Client {
  const client = new pg.Client({
    connectionString: pgUrl,
    connectionTimeoutMillis: 1_000,
    application_name: applicationName,
    types,
  });
  client.on('error', () => {});
  return client;
}

function isConnectionError(error: unknown): boolean {
  // A server-side error has a SQLSTATE; anything else (ECONNRESET, "Connection
  // terminated", timeouts) means the connection itself is gone or unusable.
  return !(error instanceof StoreApiError) && sqlState(error) === undefined;
}

async function acquire(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw new StoreApiError(
      503,
      'database-unavailable',
      `the database is unreachable: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

export interface TransactionOptions {
  /** Statements run right after BEGIN (e.g. SET LOCAL), as one simple query. */
  readonly begin?: string;
  /** Turns a PostgreSQL error from the body into an API answer (e.g. a unique violation). */
  readonly mapError?: (error: unknown) => StoreApiError | undefined;
}

const MAX_ATTEMPTS = 5;

/**
 * Runs fn in one transaction. Nothing is acknowledged before COMMIT returns,
 * which with synchronous replication means the standby has the commit.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await acquire(pool);
    let phase: 'body' | 'commit' = 'body';
    let broken: unknown;
    try {
      await client.query(options.begin ? `BEGIN; ${options.begin}` : 'BEGIN');
      const result = await fn(client);
      phase = 'commit';
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (isConnectionError(error)) broken = error;
      else await client.query('ROLLBACK').catch((e: unknown) => (broken = e));
      if (isRetryableConflict(error) && attempt < MAX_ATTEMPTS) continue;
      throw toApiError(error, phase, options.mapError);
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}

function toApiError(
  error: unknown,
  phase: 'body' | 'commit',
  mapError: TransactionOptions['mapError'],
): StoreApiError {
  if (error instanceof StoreApiError) return error;
  if (isReadOnlyError(error)) {
    return new StoreApiError(
      503,
      'not-writable',
      'this region’s database is read-only (a standby); writes go to the primary region',
      {
        cause: error,
      },
    );
  }
  if (isConnectionError(error)) {
    // Lost during COMMIT: the server may have committed; the caller must treat it as indeterminate.
    return phase === 'commit'
      ? new StoreApiError(
          503,
          'commit-outcome-unknown',
          `the database connection was lost during commit: ${(error as Error).message}`,
          {
            outcome: 'unknown',
            cause: error,
          },
        )
      : new StoreApiError(
          503,
          'database-unavailable',
          `the database connection was lost: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
  }
  const mapped = mapError?.(error);
  if (mapped) return mapped;
  return new StoreApiError(
    500,
    'internal',
    `database error ${sqlState(error)}: ${(error as Error).message}`,
    {
      cause: error,
    },
  );
}

/**
 * Runs fn's statements without an explicit transaction: each is its own
 * transaction (one round trip for a single-statement write). A lost connection
 * after a write was sent is indeterminate, as the statement may have committed.
 */
export async function autocommit<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  options: Pick<TransactionOptions, 'mapError'> = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await acquire(pool);
    let broken: unknown;
    try {
      return await fn(client);
    } catch (error) {
      if (isConnectionError(error)) broken = error;
      if (isRetryableConflict(error) && attempt < MAX_ATTEMPTS) continue;
      throw toApiError(error, 'commit', options.mapError);
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}

/** Runs one read on the pool, with the same error translation as transactions. */
export async function read<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await acquire(pool);
  let broken: unknown;
  try {
    return await fn(client);
  } catch (error) {
    if (isConnectionError(error)) broken = error;
    throw toApiError(error, 'body', undefined);
  } finally {
    client.release(broken instanceof Error ? broken : undefined);
  }
}
