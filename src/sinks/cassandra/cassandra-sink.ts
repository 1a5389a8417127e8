import { policies } from 'cassandra-driver';
import type { CassandraConfig } from './config';
import type { PartitionScope, Sink } from '../sink';
import { connectClient } from './client';
import { createWriteClock } from './write-clock';
import { readCql } from './reads';
import { DEFAULT_RETRY, type RetryPolicy } from './retry';
import { assertKeyspaceName } from './schema';
import { createSchema } from './setup';
import type { Session } from './session';
import { type JobScope, readPartitions, writeShare } from './shares';
import { writeWindow } from './window-write';
import { assertColumnsAlign, writeCql } from './writes';

export interface CassandraSinkOptions {
  readonly retry?: RetryPolicy;
}

/**
 * `--sink cassandra`. Windows are written one after another, each with many requests in flight;
 * a write resolves once every request is acknowledged at LOCAL_QUORUM. A Kafka job, run as one
 * instance or several, writes through writeShare (shares.ts), which keeps its progress per input
 * partition; a job without a Kafka source keeps none, and writes its windows whole.
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
    keepsProgress: true,
    async open() {
      // Retries live in withRetry alone, with one budget, rather than stacked on the driver's own.
      const client = await connectClient(config, { policies: { retry: new policies.retry.FallthroughRetryPolicy() } });
      await createSchema(client, keyspace, retry).catch(async (error: unknown) => {
        await client.shutdown();
        throw error;
      });
      session = { keyspace, client, writes: writeCql(keyspace), reads: readCql(keyspace), clock: createWriteClock(), retry };
    },
    async readPartitions(job) {
      return readPartitions(opened(), job);
    },
    async write(windows, scope, closedThrough) {
      const current = opened();
      if (hasJob(scope)) {
        await writeShare(current, windows, scope, closedThrough);
        return;
      }
      // A malformed window fails the call before anything of it is written.
      windows.forEach(assertColumnsAlign);
      for (const window of windows) await writeWindow(current, window, `writing the window ending ${window.windowEnd} to ${keyspace}`);
    },
    async close() {
      await session?.client.shutdown();
      session = undefined;
    },
  };
}

function hasJob(scope: PartitionScope): scope is JobScope {
  return scope.job !== null;
}
