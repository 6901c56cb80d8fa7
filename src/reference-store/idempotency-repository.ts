// Stripe-style idempotency keys in PostgreSQL. A request claims its key in the
// same transaction as its effects, so a concurrent retry waits on the claim and
// then replays the committed outcome; there is never an "in progress" row to see.
import type pg from 'pg';
import { autocommit } from './store-database.ts';
import { StoreApiError } from './store-errors.ts';

export interface StoredOutcome {
  readonly statusCode: number;
  readonly body: unknown;
  /** True when this answer is a replay of an earlier request's outcome. */
  readonly replayed: boolean;
}

export type Claim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'replay'; readonly outcome: StoredOutcome };

export interface IdempotentRequest {
  readonly key: string;
  /** e.g. `checkout`, `return:<orderId>`; part of the fingerprint too. */
  readonly operation: string;
  readonly fingerprint: string;
}

export interface StoredRecord {
  readonly statusCode: number;
  readonly response: unknown;
  /** Set for a successful checkout, whose response is rebuilt from its order. */
  readonly orderId: string | null;
}

/** The committed outcome for a key, after checking the request is the same one. */
export async function loadStored(client: pg.ClientBase, request: IdempotentRequest): Promise<StoredRecord> {
  const stored = await client.query<{
    operation: string;
    fingerprint: string;
    status_code: number | null;
    response: unknown;
    order_id: string | null;
  }>({
    name: 'idem-load',
    text: 'SELECT operation, fingerprint, status_code, response, order_id FROM idempotency_keys WHERE key = $1',
    values: [request.key],
  });
  const row = stored.rows[0];
  if (!row || row.status_code === null) {
    // Cannot happen while claims and outcomes commit together; refuse rather than guess.
    throw new StoreApiError(
      409,
      'idempotency-key-reused',
      `idempotency key ${request.key} has no stored outcome yet; retry later`,
    );
  }
  if (row.fingerprint !== request.fingerprint) {
    throw new StoreApiError(
      422,
      'idempotency-key-reused',
      `idempotency key ${request.key} was already used for a different request (${row.operation}); a retry must send the same method, path and body, and a new request needs a new key`,
      { details: { key: request.key, firstUsedFor: row.operation } },
    );
  }
  return { statusCode: row.status_code, response: row.response, orderId: row.order_id };
}

async function replayStored(client: pg.ClientBase, request: IdempotentRequest): Promise<StoredOutcome> {
  const stored = await loadStored(client, request);
  return { statusCode: stored.statusCode, body: stored.response, replayed: true };
}

/** Claims the key inside the caller's transaction, or returns the outcome to replay. */
export async function claimKey(client: pg.ClientBase, request: IdempotentRequest): Promise<Claim> {
  const inserted = await client.query({
    name: 'idem-claim',
    text: `INSERT INTO idempotency_keys (key, operation, fingerprint) VALUES ($1, $2, $3)
           ON CONFLICT (key) DO NOTHING RETURNING 1`,
    values: [request.key, request.operation, request.fingerprint],
  });
  if (inserted.rowCount === 1) return { kind: 'claimed' };
  return { kind: 'replay', outcome: await replayStored(client, request) };
}

/** Records the outcome of a claimed key, in the same transaction as the effects. */
export async function recordOutcome(
  client: pg.ClientBase,
  key: string,
  statusCode: number,
  body: unknown,
): Promise<void> {
  await client.query({
    name: 'idem-record',
    text: 'UPDATE idempotency_keys SET status_code = $2, response = $3 WHERE key = $1',
    values: [key, statusCode, JSON.stringify(body)],
  });
}

/**
 * Stores a business rejection (e.g. out of stock) after its transaction rolled
 * back, so a retry gets the same answer. If a concurrent request with the key
 * won meanwhile, its outcome is returned instead.
 */
export async function storeRejection(
  pool: pg.Pool,
  request: IdempotentRequest,
  error: StoreApiError,
): Promise<StoredOutcome> {
  // Whatever happens here, the request itself did nothing: only the record of its answer is at stake.
  return autocommit(pool, async (client) => {
    const inserted = await client.query({
      name: 'idem-reject',
      text: `INSERT INTO idempotency_keys (key, operation, fingerprint, status_code, response)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING RETURNING 1`,
      values: [
        request.key,
        request.operation,
        request.fingerprint,
        error.statusCode,
        JSON.stringify(error.toBody()),
      ],
    });
    if (inserted.rowCount === 1)
      return { statusCode: error.statusCode, body: error.toBody(), replayed: false };
    return replayStored(client, request);
  }).catch((failure: unknown) => {
    if (failure instanceof StoreApiError && failure.outcome === 'unknown') {
      throw new StoreApiError(
        503,
        'database-unavailable',
        `${error.message}; the answer could not be recorded: ${failure.message}`,
        {
          cause: failure,
        },
      );
    }
    throw failure;
  });
}
