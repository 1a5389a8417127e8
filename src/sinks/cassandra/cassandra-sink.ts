import { policies } from 'cassandra-driver';
import type { CassandraConfig } from '../../stores/cassandra/config';
import type { SharedSink } from '../sink';
import { connectClient } from '../../stores/cassandra/client';
import { createWriteClock } from './write-clock';
import { readCql } from '../../stores/cassandra/reads';
import { DEFAULT_RETRY, type RetryPolicy } from '../../stores/cassandra/retry';
import { assertKeyspaceName } from '../../stores/cassandra/schema';
import { createSchema } from '../../stores/cassandra/setup';
import type { Session } from './session';
import { follow, readPartitions, writeShare } from './shares';
import { writeWindow } from './window-write';
import { assertColumnsAlign, writeCql } from './writes';

export interface CassandraSinkOptions {
  readonly retry?: RetryPolicy;
}

/**
 * `--sink cassandra`. Windows are written one after another, each with many requests in flight;
 * a write resolves once every request is acknowledged at LOCAL_QUORUM. A Kafka job, run as one
 * instance or several, writes through writeShare (shares.ts), which keeps its progress per input
 * partition; writeWindows serves jobs without a Kafka source, whose progress is not kept.
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
    async writeWindows(windows) {
      const current = opened();
      // A malformed window fails the call before anything of it is written.
      windows.forEach(assertColumnsAlign);
      for (const window of windows) await writeWindow(current, window, `writing the window ending ${window.windowEnd} to ${keyspace}`);
    },
    async readProgress() {
      return -Infinity;
    },
    async readPartitions(job) {
      return readPartitions(opened(), job);
    },
    async writeShare(windows, scope, closedThrough, idle) {
      await writeShare(opened(), windows, scope, closedThrough, idle);
    },
    async follow(scope) {
      return follow(opened(), scope);
    },
    async close() {
      await session?.client.shutdown();
      session = undefined;
    },
  };
}
