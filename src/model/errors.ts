// Errors peakdrill raises on purpose. Each has a stable `code` so the CLI,
// reports and callers can switch on it, and a message that says what happened,
// to what, and what to do about it.

export type PeakdrillErrorCode =
  | 'PEAKDRILL_ERR_USAGE'
  | 'PEAKDRILL_ERR_MISSING_TOOL'
  | 'PEAKDRILL_ERR_SETUP'
  | 'PEAKDRILL_ERR_PORT_IN_USE'
  | 'PEAKDRILL_ERR_STACK_START'
  | 'PEAKDRILL_ERR_STACK_STATE'
  | 'PEAKDRILL_ERR_UNREACHABLE'
  | 'PEAKDRILL_ERR_INVALID_RECORDING'
  | 'PEAKDRILL_ERR_INVALID_HISTORY'
  | 'PEAKDRILL_ERR_HISTORY_WRITE'
  /** A file the user asked for (--out, --catalog) could not be written. */
  | 'PEAKDRILL_ERR_OUTPUT_WRITE'
  | 'PEAKDRILL_ERR_INVALID_SCENARIO'
  | 'PEAKDRILL_ERR_FAULT_APPLY'
  | 'PEAKDRILL_ERR_FAULT_HEAL'
  /**
   * Not peakdrill failing: a member of the target (a store, a database) did not come
   * back when its fault was healed. A finding about the target, judged by a checker.
   */
  | 'PEAKDRILL_ERR_MEMBER_DOWN'
  | 'PEAKDRILL_ERR_INVALID_INPUT';

export class PeakdrillError extends Error {
  readonly code: PeakdrillErrorCode;
  /** What the user can do about it; printed on its own line by the CLI. */
  readonly hint: string | undefined;

  constructor(code: PeakdrillErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PeakdrillError';
    this.code = code;
    this.hint = options.hint;
  }
}

export function isPeakdrillError(error: unknown): error is PeakdrillError {
  return error instanceof PeakdrillError;
}

/** A target member that stayed down after its heal: evidence for a checker, not a harness error. */
export function isMemberDown(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 'PEAKDRILL_ERR_MEMBER_DOWN';
}
