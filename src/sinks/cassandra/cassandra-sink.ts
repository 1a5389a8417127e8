import { type Client, policies } from 'cassandra-driver';
import type { CassandraConfig } from './config';
import type { JobIdentity } from '../identity';
import { KeyOrder } from '../key-order';
import { NameBytes } from './row-batches';
import type { PartitionScope, Sink } from '../sink';
import { HEARTBEAT_MS, type StoreNames } from '../store-claim';
import { connectClient } from './client';
import { createWriteClock } from './write-clock';
import { readCql } from './reads';
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from './retry';
import { preparedIds } from './encoded-batch';
import type { PreparedIds } from './statement-bytes';
import { CASSANDRA_TABLE_NAMES, assertKeyspaceName } from './schema';
import { createSchema } from './setup';
import type { Session } from './session';
import { type JobScope, follow, readPartitions, writeShare } from './shares';
import { CassandraClaim, recordNothingDelivered, recordResetJob, refuseIfWritten } from './store-records';
import { writeWindows } from './window-write';
import { assertColumnsAlign, batchedInserts, writeCql } from './writes';

export interface CassandraSinkOptions {
  readonly retry?: RetryPolicy;
}

function namesOf(keyspace: string): StoreNames {
  return { store: `Cassandra keyspace ${keyspace}`, another: 'another keyspace (--keyspace OTHER)' };
}

/** Retries live in withRetry alone, with one budget, rather than stacked on the driver's own. */
function connect(config: CassandraConfig): Promise<Client> {
  return connectClient(config, { policies: { retry: new policies.retry.FallthroughRetryPolicy() } });
}

/**
 * `--sink cassandra`. Windows are written one after another, each with many requests in flight;
 * a write resolves once every request is acknowledged at LOCAL_QUORUM. A Kafka job, run as one
 * instance or several, writes through writeShare (shares.ts), which keeps its progress per input
 * partition; a job without a Kafka source keeps none, and writes its windows whole. Opening it claims
 * the keyspace for `identity`'s job (store-records.ts).
 */
export function createCassandraSink(config: CassandraConfig, identity: JobIdentity, options: CassandraSinkOptions = {}): Sink {
  const { keyspace } = config;
  assertKeyspaceName(keyspace);
  const retry = options.retry ?? DEFAULT_RETRY;
  let session: Session | undefined;
  let claim: CassandraClaim | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  const opened = (): Session => {
    if (session === undefined) throw new Error(`the Cassandra sink of keyspace ${keyspace} is not open`);
    return session;
  };
  return {
    keepsProgress: true,
    async open() {
      const client = await connect(config);
      const writes = writeCql(keyspace);
      let ids: PreparedIds;
      try {
        await createSchema(client, keyspace, retry);
        claim = new CassandraClaim(client, keyspace, identity);
        await claim.take(namesOf(keyspace));
        ids = await withRetry(`preparing the row inserts of ${keyspace}`, () => preparedIds(client, batchedInserts(writes)), retry);
      } catch (error) {
        await client.shutdown();
        throw error;
      }
      const renewing = claim;
      // A renewal that fails is tried again at the next beat, well before the claim expires.
      heartbeat = setInterval(() => void renewing.heartbeat().catch(() => undefined), HEARTBEAT_MS);
      heartbeat.unref();
      const encoding = { order: new KeyOrder(), names: new NameBytes(), ids };
      session = { keyspace, client, writes, reads: readCql(keyspace), clock: createWriteClock(), retry, encoding };
    },
    async readPartitions(job) {
      return readPartitions(opened(), job);
    },
    async write(windows, scope, closedThrough, idle) {
      const current = opened();
      await claim!.recordJobOnce();
      if (hasJob(scope)) {
        await writeShare(current, windows, scope, closedThrough, idle);
        return;
      }
      // A malformed window fails the call before anything of it is written.
      windows.forEach(assertColumnsAlign);
      await writeWindows(current, windows, (window) => `writing the window ending ${window.windowEnd} to ${keyspace}`);
    },
    async reset(job, partitionCount, rewind) {
      const client = await connect(config);
      try {
        await createSchema(client, keyspace, retry);
        await refuseIfWritten(client, keyspace, namesOf(keyspace), identity);
        for (const table of CASSANDRA_TABLE_NAMES) await client.execute(`TRUNCATE ${keyspace}.${table}`, [], { prepare: true });
        await recordResetJob(client, keyspace, identity);
        await rewind();
        await recordNothingDelivered(client, keyspace, job, partitionCount);
        return [`${namesOf(keyspace).store}: emptied its tables (${CASSANDRA_TABLE_NAMES.join(', ')}); it now holds this job, with nothing written yet`];
      } finally {
        await client.shutdown();
      }
    },
    async follow(scope) {
      return hasJob(scope) ? follow(opened(), scope) : -Infinity;
    },
    async close() {
      clearInterval(heartbeat);
      await claim?.release().catch(() => undefined);
      await session?.client.shutdown();
      session = undefined;
    },
  };
}

function hasJob(scope: PartitionScope): scope is JobScope {
  return scope.job !== null;
}
