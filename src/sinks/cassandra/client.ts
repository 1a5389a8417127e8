import { Client, type ClientOptions, auth, errors, policies, types } from 'cassandra-driver';
import type { CassandraConfig } from './config';
import { cassandraTlsOptionsOf } from './tls';
import { connectionFailureOf } from '../../tls/connection-failures';

/** Both sides read and write at LOCAL_QUORUM, so the recommender sees every acknowledged window. */
export const CONSISTENCY = types.consistencies.localQuorum;

/**
 * Driver options for a CassandraConfig. The password goes only to the auth provider: it is never
 * part of a message, a log line or `describeSink`.
 */
function clientOptionsOf(config: CassandraConfig, tuning: ClientOptions): ClientOptions {
  return {
    ...tuning,
    contactPoints: [...config.contactPoints],
    localDataCenter: config.localDataCenter,
    ...(config.username !== undefined && config.password !== undefined
      ? { authProvider: new auth.PlainTextAuthProvider(config.username, config.password) }
      : {}),
    ...(config.tls === null ? {} : { sslOptions: cassandraTlsOptionsOf(config.tls, config.contactPoints) }),
    policies: {
      // The default reconnection backs off to 10 minutes; a node back after a minute's outage must be
      // seen within seconds, inside the sink's retry budget.
      reconnection: new policies.reconnection.ExponentialReconnectionPolicy(500, 5_000, false),
      ...tuning.policies,
    },
    queryOptions: { consistency: CONSISTENCY, prepare: true },
  };
}

/** A connected client; fails with the contact points named (never the credentials). */
export async function connectClient(config: CassandraConfig, tuning: ClientOptions = {}): Promise<Client> {
  const client = new Client(clientOptionsOf(config, tuning));
  try {
    await client.connect();
  } catch (error) {
    await client.shutdown().catch(() => undefined);
    throw new Error(`cannot connect to Cassandra at ${config.contactPoints.join(',')}: ${messageOf(error, { tls: config.tls !== null })}`, { cause: error });
  }
  return client;
}

/**
 * The driver's "no host" message inspects each host's error, stack and all: one line a host is
 * enough. While connecting (`connecting` says whether the client spoke TLS), each says what failed
 * (authentication, TLS, a server that dropped the connection) where the driver's words do not; later,
 * a dropped connection is an outage, not a sign of the wrong protocol, and keeps the driver's words.
 */
export function messageOf(error: unknown, connecting?: { readonly tls: boolean }): string {
  if (!(error instanceof errors.NoHostAvailableError)) return error instanceof Error ? error.message : String(error);
  const perHost = Object.entries(error.innerErrors as Record<string, unknown>).map(([host, inner]) => `${host}: ${hostFailureOf(inner, connecting)}`);
  return perHost.length > 0 ? perHost.join('; ') : error.message;
}

function hostFailureOf(error: unknown, connecting: { readonly tls: boolean } | undefined): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof errors.AuthenticationError) {
    const remedy = /no authenticator/.test(error.message) ? ': give --cassandra-user and --cassandra-password' : '';
    return `authentication failed (${error.message})${remedy}`;
  }
  const explained = connecting === undefined ? null : connectionFailureOf(error, { prefix: 'cassandra', tls: connecting.tls });
  return explained ?? error.message;
}

/** bigint columns come back as Long. */
export function numberOf(value: types.Long | number): number {
  return typeof value === 'number' ? value : value.toNumber();
}

/** The window_end column of every row, in the order read. */
export function windowEndsOf(result: types.ResultSet): number[] {
  return result.rows.map((row) => numberOf(row.get('window_end')));
}

/** One prepared read, however the caller retries it. */
export type Read = (query: string, params: unknown[]) => Promise<types.ResultSet>;
