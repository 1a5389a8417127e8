import { policies } from 'cassandra-driver';
import type { CassandraConfig } from '../../stores/cassandra/config';
import type { Progress, SharedSink } from '../sink';
import { connectClient, numberOf } from '../../stores/cassandra/client';
import { createWriteClock } from './write-clock';
import { readCql } from '../../stores/cassandra/reads';
import { DEFAULT_RETRY, type RetryPolicy } from '../../stores/cassandra/retry';
import { assertKeyspaceName } from '../../stores/cassandra/schema';
import { createSchema } from '../../stores/cassandra/setup';
import { type Session, reader, sendAll } from './session';
import { readPartitions, writeShare } from './shares';
import { writeWindow } from './window-write';
import { alone, assertColumnsAlign, writeCql } from './writes';

export interface CassandraSinkOptions {
  readonly retry?: RetryPolicy;
}

/**
 * `--sink cassandra`. Windows are written one after another, each with many requests in
 * flight; writeWindows resolves once every request is acknowledged at LOCAL_QUORUM, then records the
 * progress, so progress never runs ahead of the rows. Several instances of a job write it together
 * through writeShare (shares.ts).
 */
export function createCassandraSink(config: CassandraConfig, options: CassandraSinkOptions = {}): SharedSink {
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
      session = { keyspace, client, writes: writeCql(keyspace), reads: readCql(keyspace), clock: createWriteClock(), retry };
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
    async readPartitions(job) {
      return readPartitions(opened(), job);
    },
    async writeShare(windows, scope, closedThrough) {
      await writeShare(opened(), windows, scope, closedThrough);
    },
    async close() {
      await session?.client.shutdown();
      session = undefined;
    },
  };
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
