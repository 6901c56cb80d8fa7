// The Admin API as peakdrill's controls use it (setup, seeding, later stock
// adjustments): logged in as the superadmin, and strict — any GraphQL error,
// ErrorResult or lost request is thrown as a PeakdrillError naming the mutation,
// because a half-seeded shop would make every later verdict meaningless.
import { PeakdrillError } from '../../model/errors.ts';
import { type GraphqlOutcome, VendureGraphql, type VendureSession } from './vendure-graphql.ts';

export interface AdminCredentials {
  readonly identifier: string;
  readonly password: string;
}

const LOGIN = `mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    __typename
    ... on CurrentUser { id }
    ... on ErrorResult { errorCode message }
  }
}`;

export class VendureAdminClient implements AsyncDisposable {
  private readonly api: VendureGraphql;
  private readonly session: VendureSession = {};

  private constructor(adminApiUrl: string) {
    // Seeding a large catalog is one long mutation per batch: a generous timeout.
    this.api = new VendureGraphql(adminApiUrl, { connections: 2, timeoutMs: 120_000 });
  }

  static async login(adminApiUrl: string, credentials: AdminCredentials): Promise<VendureAdminClient> {
    const client = new VendureAdminClient(adminApiUrl);
    const data = await client.run<{ login: { __typename: string; errorCode?: string; message?: string } }>(
      'login',
      LOGIN,
      { username: credentials.identifier, password: credentials.password },
    );
    if (data.login.__typename !== 'CurrentUser' || !client.session.token) {
      await client.close();
      throw new PeakdrillError(
        'PEAKDRILL_ERR_STACK_STATE',
        `Vendure admin login as ${credentials.identifier} at ${adminApiUrl} failed: ${data.login.errorCode ?? data.login.__typename} ${data.login.message ?? ''}`,
        { hint: 'use the superadmin credentials the server was started with (StartedVendure.superadmin)' },
      );
    }
    return client;
  }

  /** Runs one operation; returns `data` or throws naming `what`. */
  async run<T>(what: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const outcome: GraphqlOutcome<T> = await this.api.request<T>(query, variables, this.session);
    if (outcome.kind !== 'answer') {
      throw new PeakdrillError(
        'PEAKDRILL_ERR_UNREACHABLE',
        `Vendure Admin API: ${what} got no answer (${outcome.error.code}: ${outcome.error.message})`,
        { hint: 'check that the Vendure process is running and its log (logs/vendure.log in the stack dir)' },
      );
    }
    if (outcome.errors.length > 0 || outcome.data === null) {
      const errors = outcome.errors.map((e) => `${e.code ?? 'error'}: ${e.message}`).join('; ');
      throw new PeakdrillError(
        'PEAKDRILL_ERR_STACK_STATE',
        `Vendure Admin API: ${what} failed (HTTP ${outcome.status}): ${errors || 'no data'}`,
        { hint: 'read the Vendure log in the stack dir; a seed expects a fresh Vendure database' },
      );
    }
    return outcome.data;
  }

  async close(): Promise<void> {
    await this.api.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Throws when a union answer is one of Vendure's ErrorResults instead of the entity. */
export function expectEntity<T extends { __typename: string }>(
  what: string,
  result: T & { errorCode?: string; message?: string },
  typename: string,
): T {
  if (result.__typename !== typename) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_STACK_STATE',
      `Vendure Admin API: ${what} returned ${result.errorCode ?? result.__typename}: ${result.message ?? ''}`,
    );
  }
  return result;
}
