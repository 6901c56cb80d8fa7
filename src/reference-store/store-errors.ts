// Errors the store's HTTP API answers with: a status, a stable kebab-case code
// a client can switch on, a message that says what was wrong, and details.
// `outcome` tells a harness whether the request is known not to have happened.

export type StoreErrorCode =
  | 'invalid-json'
  | 'invalid-request'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'not-found'
  | 'missing-idempotency-key'
  | 'idempotency-key-reused'
  | 'unknown-sku'
  | 'unknown-order'
  | 'out-of-stock'
  | 'unit-already-sold'
  | 'tender-mismatch'
  | 'nothing-to-return'
  | 'refund-exceeds-tenders'
  | 'not-writable'
  | 'frozen'
  | 'not-frozen'
  | 'not-standby'
  | 'not-primary'
  | 'not-in-recovery'
  | 'in-recovery'
  | 'database-unavailable'
  | 'commit-outcome-unknown'
  | 'internal';

export class StoreApiError extends Error {
  readonly statusCode: number;
  readonly code: StoreErrorCode;
  readonly details: unknown;
  /**
   * Stored with the idempotency key and replayed on retry: a business outcome
   * reached after the request started executing (e.g. out of stock), not a
   * rejection of its shape.
   */
  readonly replayable: boolean;
  /** 'not-applied' when nothing was written; 'unknown' when a commit may have happened. */
  readonly outcome: 'not-applied' | 'unknown';

  constructor(
    statusCode: number,
    code: StoreErrorCode,
    message: string,
    options: {
      details?: unknown;
      replayable?: boolean;
      outcome?: 'not-applied' | 'unknown';
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreApiError';
    this.statusCode = statusCode;
    this.code = code;
    this.details = options.details;
    this.replayable = options.replayable ?? false;
    this.outcome = options.outcome ?? 'not-applied';
  }

  toBody(): StoreErrorBody {
    return {
      error: this.code,
      message: this.message,
      outcome: this.outcome,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export interface StoreErrorBody {
  readonly error: StoreErrorCode;
  readonly message: string;
  readonly outcome: 'not-applied' | 'unknown';
  readonly details?: unknown;
}

/** A SQLSTATE, when the error came from PostgreSQL itself rather than the connection. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Retried transparently: the transaction did nothing and can simply run again. */
export function isRetryableConflict(error: unknown): boolean {
  const state = sqlState(error);
  return state === '40P01' || state === '40001';
}

/** The server cannot take writes: a hot standby, or a read-only session. */
export function isReadOnlyError(error: unknown): boolean {
  return sqlState(error) === '25006';
}
