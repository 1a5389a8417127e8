import type { Client } from 'cassandra-driver';
import { CONSISTENCY, type Read } from './client';
import { forEachConcurrently } from './concurrency';
import type { RowEncoding } from './row-batches';
import { sendEncodedBatch } from './encoded-batch';
import type { ReadCql } from './reads';
import { type RetryPolicy, withRetry } from './retry';
import type { WriteClock } from './write-clock';
import type { Request, WriteCql } from './writes';

/** Requests in flight at once: enough to keep a node's write path busy, few enough not to overload it. */
const MAX_IN_FLIGHT = 64;

const OPTIONS = { prepare: true, consistency: CONSISTENCY, isIdempotent: true } as const;

/** An open Cassandra sink: its connection, statements, write clock, retry budget and row encoding. */
export interface Session {
  readonly keyspace: string;
  readonly client: Client;
  readonly writes: WriteCql;
  readonly reads: ReadCql;
  readonly clock: WriteClock;
  readonly retry: RetryPolicy;
  /** The order rows go in batches and their names' bytes, kept from window to window. */
  readonly encoding: RowEncoding;
}

/** Prepared reads, each retried on its own; `what` names the work in the error of one that gives up. */
export function reader(session: Session, what: string): Read {
  return (query, params) => withRetry(what, () => session.client.execute(query, params, OPTIONS), session.retry);
}

/** Sends every request, many in flight, each retried on its own; resolves once all are acknowledged. */
export function sendAll(session: Session, requests: readonly Request[], what: string): Promise<void> {
  return forEachConcurrently(requests, MAX_IN_FLIGHT, (request) => withRetry(what, () => send(session.client, request), session.retry));
}

function send(client: Client, request: Request): Promise<unknown> {
  const options = { ...OPTIONS, timestamp: request.timestamp };
  if ('rows' in request) return sendEncodedBatch(client, request.rows, options);
  return client.execute(request.statement.query, request.statement.params, options);
}
