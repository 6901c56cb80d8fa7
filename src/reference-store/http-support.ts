// What every route shares: the Idempotency-Key header, the writer-only guard,
// replies for stored outcomes, and the error handler that turns anything thrown
// (zod, the body parser, PostgreSQL) into `{ error, message, outcome }`.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FailoverController } from './failover-controller.ts';
import { isValidIdempotencyKey } from './idempotency-fingerprint.ts';
import type { StoredOutcome } from './idempotency-repository.ts';
import type { Region } from './store-config.ts';
import { StoreApiError } from './store-errors.ts';

export function idempotencyKey(request: FastifyRequest): string {
  const raw = request.headers['idempotency-key'];
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (key === undefined || key === '') {
    throw new StoreApiError(
      400,
      'missing-idempotency-key',
      'this call needs an Idempotency-Key header: a unique string (1–255 visible ASCII characters) per request, sent again unchanged only to retry it',
    );
  }
  if (!isValidIdempotencyKey(key)) {
    throw new StoreApiError(
      400,
      'missing-idempotency-key',
      'the Idempotency-Key header must be 1–255 visible ASCII characters',
    );
  }
  return key;
}

/** What a frozen store tells a client to wait before sending again (a freeze lasts seconds). */
const FROZEN_RETRY_S = 2;

/** Refuses a write unless this store is the region taking writes. */
export function requireWriter(failover: FailoverController, region: Region): void {
  const role = failover.role;
  if (role === 'primary') return;
  if (role === 'frozen') {
    throw new StoreApiError(
      503,
      'frozen',
      `region ${region} is frozen for a cutover: nothing was written; send it again in ${FROZEN_RETRY_S} s`,
      { details: { region, role, retryAfterS: FROZEN_RETRY_S } },
    );
  }
  throw new StoreApiError(
    503,
    'not-writable',
    role === 'standby'
      ? `region ${region} is the standby: it serves reads; writes go to the primary region until failover`
      : `region ${region} was fenced: the other region took over writes`,
    { details: { region, role } },
  );
}

export function sendOutcome(reply: FastifyReply, outcome: StoredOutcome): FastifyReply {
  return reply
    .code(outcome.statusCode)
    .header('idempotent-replayed', String(outcome.replayed))
    .send(outcome.body);
}

/** Fastify body-parser errors, by code, as the store's own answers. */
function fromFastify(error: FastifyError): StoreApiError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new StoreApiError(
        413,
        'payload-too-large',
        `the body is larger than this route accepts: ${error.message}`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new StoreApiError(415, 'unsupported-media-type', 'send the body as application/json');
    default:
      return error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500
        ? new StoreApiError(error.statusCode, 'invalid-request', error.message)
        : undefined;
  }
}

export function installHttpSupport(app: FastifyInstance): void {
  // Plain JSON.parse: cheaper than Fastify's prototype-poisoning scan, which buys
  // nothing here, as every body goes through a strict zod schema before use.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') {
      done(
        new StoreApiError(400, 'invalid-json', 'the body is empty but Content-Type is application/json'),
        undefined,
      );
      return;
    }
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(
        new StoreApiError(400, 'invalid-json', `the body is not valid JSON: ${(error as Error).message}`),
        undefined,
      );
    }
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = error instanceof StoreApiError ? error : fromFastify(error);
    if (known) {
      if (known.statusCode >= 500) request.log.warn({ err: known.cause ?? known }, known.message);
      return reply.code(known.statusCode).send(known.toBody());
    }
    request.log.error({ err: error }, 'unhandled error');
    const internal = new StoreApiError(500, 'internal', `internal error: ${error.message}`, {
      outcome: 'unknown',
    });
    return reply.code(500).send(internal.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const body = new StoreApiError(404, 'not-found', `no route ${request.method} ${request.url}`).toBody();
    return reply.code(404).send(body);
  });
}
