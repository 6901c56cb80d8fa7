// The codec half of the target seam: a business op (op-values shapes) in, the
// target's wire exchange, and a completion out (ok with the op's value, fail:
// known not to have happened, info: maybe). Device fleets keep the device's
// behaviour (retries, double taps, offline selling, duplicates) and ask a
// codec channel to carry each attempt, so a target never needs its own fleets.
import type { Completion } from '../engines/open-model-scheduler.ts';

/** The business ops a codec may carry; a target lists those it has a notion of. */
export const CODEC_OPS = ['checkout', 'return', 'exchange', 'read-stock', 'webhook', 'offline-sync'] as const;
export type CodecOp = (typeof CODEC_OPS)[number];

export interface CodecRequest {
  readonly op: CodecOp;
  /** The op's invoke value (CheckoutInvokeValue, ReturnInvokeValue, … or an offline batch body). */
  readonly value: unknown;
  /** Which till sends it, for targets that record one. */
  readonly terminal?: string | undefined;
  readonly timeoutMs: number;
}

export interface CodecResult {
  readonly completion: Completion;
  /**
   * answered: the target said something; not-sent: provably never reached it;
   * unknown: sent, or maybe sent, with no readable answer (it may have acted on it).
   */
  readonly transport: 'answered' | 'not-sent' | 'unknown';
  /** The target answered that it cannot take writes now and did not apply this one. */
  readonly unavailable: boolean;
  /** The target answered with a server-side failure that may have applied the op. */
  readonly serverError: boolean;
  /** The answer's HTTP status, for codecs that speak HTTP (a sender may redeliver on 408/429). */
  readonly status?: number | undefined;
}

/** One way into the target: a list of site URLs (preferred first) or one uplink. */
export interface CodecChannel {
  open(): void;
  close(): Promise<void>;
  /** Settles, never rejects. */
  send(request: CodecRequest): Promise<CodecResult>;
}

export interface TargetCodec {
  readonly ops: ReadonlySet<CodecOp>;
  channel(urls: string | readonly string[], options?: { readonly connections?: number }): CodecChannel;
}

/** One request and its answer, as the HTTP recorder saw them (bodies as UTF-8 text, unmasked). */
export interface HttpExchange {
  readonly method: string;
  /** Path and query, as sent. */
  readonly path: string;
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly requestBody: string;
  readonly status: number;
  readonly responseBody: string;
}

/** An event without its envelope (`t`, `id`: the recorder's), or why the exchange is none. */
export type DecodedExchange =
  | { readonly event: Record<string, unknown> & { readonly kind: string } }
  | { readonly undecodable: string };

/**
 * The codec's other direction, for `record http`: captured exchanges into recording events.
 * One per capture (it may remember earlier exchanges, e.g. order ids → order events).
 */
export interface ExchangeDecoder {
  /** `eventId` is the id the recorder gives the event, so later exchanges can refer to it. */
  decode(exchange: HttpExchange, eventId: string): DecodedExchange;
}

/** The result of an op the codec cannot carry: nothing was sent. */
export function unsupportedOp(op: CodecOp, target: string): CodecResult {
  return {
    completion: {
      type: 'fail',
      error: { code: 'unsupported-op', message: `${target} has no notion of ${op}` },
    },
    transport: 'not-sent',
    unavailable: false,
    serverError: false,
  };
}

/** One committed transaction's inserted rows, as `record postgres` read them from the WAL. */
export interface CommittedRows {
  /** Commit time, epoch milliseconds. */
  readonly commitMs: number;
  readonly inserts: readonly { readonly table: string; readonly row: Readonly<Record<string, unknown>> }[];
}

/** The target's tables back into recording events (without `t`; `id` is the decoder's). */
export interface RowDecoder {
  /** The tables to capture (they need a primary key, as publications of inserts do). */
  readonly tables: readonly string[];
  decode(tx: CommittedRows): {
    readonly events: (Record<string, unknown> & { kind: string; id: string })[];
    readonly undecodable: number;
  };
}
