import type { Client } from 'cassandra-driver';
import type { CassandraConfig } from '../stores/cassandra/config';
import { type Read, connectClient, windowEndsOf } from '../stores/cassandra/client';
import { bucketOf, walkBackDays } from '../stores/cassandra/partitions';
import { type ReadCql, readCql } from '../stores/cassandra/reads';
import { type CassandraTable, assertKeyspaceName, metadataNameOf } from '../stores/cassandra/schema';
import { EMPTY_STORE } from './empty-store';
import type { RankedPage, RecommenderStore } from './store';

const READ_OPTIONS = { prepare: true } as const;

const TABLES_OF_KEYSPACE = 'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?';

/** One read of the schema table instead of the driver's metadata sync, which a one-shot CLI would wait for. */
/** The tables the recommender reads; the sink's own bookkeeping tables may be absent in a keyspace an older build made. */
const READ_TABLES = ['page_unique_visitors', 'client_page_visits', 'windows', 'topic_windows', 'topic_latest_window'] as const satisfies readonly CassandraTable[];

async function hasAllTables(client: Client, keyspace: string): Promise<boolean> {
  const result = await client.execute(TABLES_OF_KEYSPACE, [metadataNameOf(keyspace)], READ_OPTIONS);
  const present = new Set(result.rows.map((row) => row.get('table_name') as string));
  return READ_TABLES.every((table) => present.has(table));
}

/** Every row of a read, fetching further pages as needed (a client may have many pages). */
async function allRows(read: Read, query: string, params: unknown[]) {
  const rows = [];
  for await (const row of await read(query, params)) rows.push(row);
  return rows;
}

type Reads = Omit<RecommenderStore, 'close'>;

function readsOver(read: Read, cql: ReadCql): Reads {
  return {
    latestWindowOfTopic: async (topic) => windowEndsOf(await read(cql.latestWindowOfTopic, [topic]))[0] ?? null,
    topPages: async (topic, windowEnd, n) => {
      const result = await read(cql.topPages, [windowEnd, topic, n]);
      return result.rows.map((row): RankedPage => ({ page: row.get('page'), visitors: row.get('visitors') }));
    },
    windowsBefore: (windowEnd, count) =>
      walkBackDays(windowEnd, count, async (day, limit) => windowEndsOf(await read(cql.windowsBefore, [day, windowEnd, limit]))),
    visitedPages: async (clientId, topic, windowEnds) => {
      const perWindow = await Promise.all(
        windowEnds.map((windowEnd) => allRows(read, cql.visitedPages, [windowEnd, bucketOf(clientId), clientId, topic])),
      );
      return new Set(perWindow.flat().map((row) => row.get('page') as string));
    },
    topics: async (limit) => {
      const topics = (await allRows(read, cql.topics, [])).map((row) => row.get('topic') as string);
      // In code-point order of the UTF-8 bytes, as SQLite lists them.
      return topics.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).slice(0, limit);
    },
  };
}

/**
 * The recommender's reads from what the Cassandra sink wrote. It connects on first use; a missing
 * keyspace or table reads as an empty store, so the CLI reports "empty store" and exits 0.
 */
export function createCassandraStore(config: CassandraConfig): RecommenderStore {
  assertKeyspaceName(config.keyspace);
  let client: Client | undefined;
  let reads: Promise<Reads> | undefined;
  const open = async (): Promise<Reads> => {
    const connected = await connectClient(config, { isMetadataSyncEnabled: false });
    client = connected;
    if (!(await hasAllTables(connected, config.keyspace))) return EMPTY_STORE;
    return readsOver((query, params) => connected.execute(query, params, READ_OPTIONS), readCql(config.keyspace));
  };
  const ready = (): Promise<Reads> => (reads ??= open());
  return {
    latestWindowOfTopic: async (topic) => (await ready()).latestWindowOfTopic(topic),
    topPages: async (topic, windowEnd, n) => (await ready()).topPages(topic, windowEnd, n),
    windowsBefore: async (windowEnd, count) => (await ready()).windowsBefore(windowEnd, count),
    visitedPages: async (clientId, topic, windowEnds) => (await ready()).visitedPages(clientId, topic, windowEnds),
    topics: async (limit) => (await ready()).topics(limit),
    close: async () => {
      await client?.shutdown();
    },
  };
}
