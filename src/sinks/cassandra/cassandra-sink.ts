import { type Client, policies } from 'cassandra-driver';
import type { WindowRows } from '../../windows/window';
import type { CassandraConfig } from '../../stores/cassandra/config';
import type { Progress, Sink } from '../sink';
import { CONSISTENCY, type Read, connectClient, numberOf } from '../../stores/cassandra/client';
import { createWriteClock, type WriteClock } from './write-clock';
import { forEachConcurrently } from '../../stores/cassandra/concurrency';
import { latestChanges } from './latest';
import { dayOf } from '../../stores/cassandra/partitions';
import { type ReadCql, readCql } from '../../stores/cassandra/reads';
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from '../../stores/cassandra/retry';
import { assertKeyspaceName } from '../../stores/cassandra/schema';
import { createSchema } from '../../stores/cassandra/setup';
import { type PreviousWrite, type Request, type WriteCql, alone, assertColumnsAlign, planWindow, topicsOf, writeCql } from './writes';

/** Requests in flight at once: enough to keep a node's write path busy, few enough not to overload it. */
const MAX_IN_FLIGHT = 64;

const OPTIONS = { prepare: true, consistency: CONSISTENCY, isIdempotent: true } as const;

export interface CassandraSinkOptions {
  readonly retry?: RetryPolicy;
}

interface Session {
  readonly client: Client;
  readonly writes: WriteCql;
  readonly reads: ReadCql;
  readonly clock: WriteClock;
  readonly retry: RetryPolicy;
}

/**
 * `--sink cassandra`. Windows are written one after another, each with many requests in
 * flight; writeWindows resolves once every request is acknowledged at LOCAL_QUORUM, then records the
 * progress, so progress never runs ahead of the rows.
 */
export function createCassandraSink(config: CassandraConfig, options: CassandraSinkOptions = {}): Sink {
  const { keyspace } = config;
  assertKeyspaceName(keyspace);
  const retry = options.retry ?? DEFAULT_RETRY;
  let session: Session | undefined;
  const opened = (): Session => {
    if (session === undefined) throw new Error(`the Cassandra sink of keyspace ${keyspace} is not open`);
    return session;
  };
  return {
    async open() {
      // Retries live in withRetry alone, with one budget, rather than stacked on the driver's own.
      const client = await connectClient(config, { policies: { retry: new policies.retry.FallthroughRetryPolicy() } });
      await createSchema(client, keyspace, retry).catch(async (error: unknown) => {
        await client.shutdown();
        throw error;
      });
      session = { client, writes: writeCql(keyspace), reads: readCql(keyspace), clock: createWriteClock(), retry };
    },
    async writeWindows(windows, progress) {
      const current = opened();
      // A malformed window fails the call before anything of it is written.
      windows.forEach(assertColumnsAlign);
      for (const window of windows) await writeWindow(current, window, `writing the window ending ${window.windowEnd} to ${keyspace}`);
      if (progress !== null) await saveProgress(current, progress, `recording the progress of ${progress.job} in ${keyspace}`);
    },
    async readProgress(job) {
      return readProgress(opened(), job, `reading the progress of ${job} in ${keyspace}`);
    },
    async close() {
      await session?.client.shutdown();
      session = undefined;
    },
  };
}

async function writeWindow(session: Session, window: WindowRows, what: string): Promise<void> {
  const read = reader(session, what);
  const previous = await readPreviousWrite(read, session.reads, window.windowEnd);
  const latest = await latestChanges(read, session.reads, window.windowEnd, topicsOf(window), previous.topics);
  // Above the earlier write's inserts even if that writer's clock ran ahead of this one's.
  const t = session.clock.next(previous.writtenAt + 1);
  const plan = planWindow(session.writes, window, previous.topics, latest, t);
  await sendAll(session, plan.rows, what);
  await sendAll(session, plan.index, what);
}

async function readPreviousWrite(read: Read, reads: ReadCql, windowEnd: number): Promise<PreviousWrite> {
  const row = (await read(reads.previousWrite, [dayOf(windowEnd), windowEnd])).first();
  if (row === null) return { topics: [], writtenAt: 0 };
  return { topics: row.get('topics') ?? [], writtenAt: numberOf(row.get('written')) };
}

async function readProgress(session: Session, job: string, what: string): Promise<number> {
  const row = (await reader(session, what)(session.reads.progress, [job])).first();
  return row === null ? -Infinity : numberOf(row.get('closed_through'));
}

/** Progress never moves back; read-then-write is sound as one writer records a job's progress. */
async function saveProgress(session: Session, { job, closedThrough }: Progress, what: string): Promise<void> {
  if (!Number.isSafeInteger(closedThrough)) throw new Error(`${what}: ${closedThrough} is not a window end in ms`);
  if ((await readProgress(session, job, what)) >= closedThrough) return;
  await sendAll(session, [alone({ query: session.writes.saveProgress, params: [job, closedThrough] }, session.clock.next())], what);
}

function reader(session: Session, what: string): Read {
  return (query, params) => withRetry(what, () => session.client.execute(query, params, OPTIONS), session.retry);
}

function sendAll(session: Session, requests: readonly Request[], what: string): Promise<void> {
  return forEachConcurrently(requests, MAX_IN_FLIGHT, (request) => withRetry(what, () => send(session.client, request), session.retry));
}

function send(client: Client, { statements, timestamp }: Request): Promise<unknown> {
  if (statements.length === 1) return client.execute(statements[0].query, statements[0].params, { ...OPTIONS, timestamp });
  return client.batch([...statements], { ...OPTIONS, timestamp, logged: false });
}
