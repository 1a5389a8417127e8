import type { Client, types } from 'cassandra-driver';
import { DetailCache, type ReaderOptions, type WindowDetail } from '../detail-cache';
import { EMPTY_STORE } from '../empty-store';
import type { RankedPage, StoreReader, WrittenWindow } from '../store';
import type { CassandraConfig } from './config';
import { type Read, connectClient, numberOf, windowEndsOf } from './client';
import { CLIENT_BUCKETS, bucketOf, walkBackDays } from './partitions';
import { readCql } from './reads';
import { type CassandraTable, assertKeyspaceName, metadataNameOf } from './schema';

const READ_OPTIONS = { prepare: true } as const;

const TABLES_OF_KEYSPACE = 'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?';

/** The tables read here; the sink's own bookkeeping tables may be absent in a keyspace an older build made. */
const READ_TABLES = ['page_unique_visitors', 'client_page_visits', 'windows', 'topic_windows', 'topic_latest_window'] as const satisfies readonly CassandraTable[];

/** One read of the schema table instead of the driver's metadata sync, which a one-shot CLI would wait for. */
async function hasAllTables(client: Client, keyspace: string): Promise<boolean> {
  const result = await client.execute(TABLES_OF_KEYSPACE, [metadataNameOf(keyspace)], READ_OPTIONS);
  const present = new Set(result.rows.map((row) => row.get('table_name') as string));
  return READ_TABLES.every((table) => present.has(table));
}

/** Every row of a read, fetching further pages as needed (a client may have many pages). */
async function allRows(read: Read, query: string, params: unknown[]): Promise<types.Row[]> {
  const rows = [];
  for await (const row of await read(query, params)) rows.push(row);
  return rows;
}

/** In code-point order of the UTF-8 bytes, as SQLite lists them. */
function byUtf8(texts: string[]): string[] {
  return texts.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function cqlOf(keyspace: string) {
  return {
    ...readCql(keyspace),
    windowsOfDay: `SELECT window_start, window_end, window_ts, events, topics FROM ${keyspace}.windows WHERE day = ? LIMIT ?`,
    clientRows: `SELECT COUNT(*) AS n FROM ${keyspace}.client_page_visits WHERE window_end = ? AND bucket = ?`,
    pageRows: `SELECT COUNT(*) AS n FROM ${keyspace}.page_unique_visitors WHERE window_end = ?`,
  } as const;
}

type Reads = Omit<StoreReader, 'close'>;

function readsOver(read: Read, cql: ReturnType<typeof cqlOf>, details: DetailCache): Reads {
  const topPages = async (topic: string, windowEnd: number, n: number): Promise<RankedPage[]> =>
    (await read(cql.topPages, [windowEnd, topic, n])).rows.map((row) => ({ page: row.get('page') as string, visitors: row.get('visitors') as number }));
  const detailOf = async (windowEnd: number, topicsOfWindow: string[], pagesPerTopic: number): Promise<WindowDetail> => {
    const topics = await Promise.all(byUtf8(topicsOfWindow).map(async (topic) => ({ topic, pages: await topPages(topic, windowEnd, pagesPerTopic) })));
    const counts = await Promise.all([
      read(cql.pageRows, [windowEnd]),
      ...Array.from({ length: CLIENT_BUCKETS }, (_, bucket) => read(cql.clientRows, [windowEnd, bucket])),
    ]);
    // As the writer counts them: page rows, client rows and the window's own row.
    return { rows: counts.reduce((sum, result) => sum + numberOf(result.rows[0].get('n')), 1), topics };
  };
  return {
    latestWindowOfTopic: async (topic) => windowEndsOf(await read(cql.latestWindowOfTopic, [topic]))[0] ?? null,
    topPages,
    windowsBefore: (windowEnd, count) =>
      walkBackDays(windowEnd, count, async (day, limit) => windowEndsOf(await read(cql.windowsBefore, [day, windowEnd, limit]))),
    visitedPages: async (clientId, topic, windowEnds) => {
      const perWindow = await Promise.all(
        windowEnds.map((windowEnd) => allRows(read, cql.visitedPages, [windowEnd, bucketOf(clientId), clientId, topic])),
      );
      return new Set(perWindow.flat().map((row) => row.get('page') as string));
    },
    topics: async (limit) => byUtf8((await allRows(read, cql.topics, [])).map((row) => row.get('topic') as string)).slice(0, limit),
    // The newest topic_latest_window row says where to start; the windows table's day partitions are walked back from there.
    latestWindows: async (limit, pagesPerTopic) => {
      const ends = windowEndsOf(await read(cql.topics, []));
      if (ends.length === 0) return [];
      const rows: types.Row[] = [];
      await walkBackDays(Math.max(...ends), limit, async (day, want) => {
        const found = (await read(cql.windowsOfDay, [day, want])).rows;
        rows.push(...found);
        return windowEndsOf({ rows: found } as types.ResultSet);
      });
      return Promise.all(
        rows.map(async (row): Promise<WrittenWindow> => {
          const windowEnd = numberOf(row.get('window_end'));
          const events = numberOf(row.get('events'));
          const topics = (row.get('topics') as string[] | null) ?? [];
          const detail = await details.get(windowEnd, events, pagesPerTopic, () => detailOf(windowEnd, topics, pagesPerTopic));
          return { windowStart: numberOf(row.get('window_start')), windowEnd, windowTs: numberOf(row.get('window_ts')), events, ...detail };
        }),
      );
    },
  };
}

/**
 * Reads what the Cassandra sink wrote. It connects on first use; a keyspace without our tables reads as
 * an empty store (the CLI reports "empty store" and exits 0) and is looked at again on the next read,
 * so a reader opened before the sink made its tables finds them.
 */
export function createCassandraReader(config: CassandraConfig, { details = new DetailCache() }: ReaderOptions = {}): StoreReader {
  assertKeyspaceName(config.keyspace);
  const cql = cqlOf(config.keyspace);
  let client: Promise<Client> | null = null;
  let reads: Reads | null = null;
  const connected = (): Promise<Client> =>
    (client ??= connectClient(config, { isMetadataSyncEnabled: false }).catch((error: Error) => {
      client = null;
      throw error;
    }));
  const ready = async (): Promise<Reads> => {
    if (reads !== null) return reads;
    const connection = await connected();
    if (!(await hasAllTables(connection, config.keyspace))) return EMPTY_STORE;
    return (reads = readsOver((query, params) => connection.execute(query, params, READ_OPTIONS), cql, details));
  };
  return {
    latestWindowOfTopic: async (topic) => (await ready()).latestWindowOfTopic(topic),
    topPages: async (topic, windowEnd, n) => (await ready()).topPages(topic, windowEnd, n),
    windowsBefore: async (windowEnd, count) => (await ready()).windowsBefore(windowEnd, count),
    visitedPages: async (clientId, topic, windowEnds) => (await ready()).visitedPages(clientId, topic, windowEnds),
    topics: async (limit) => (await ready()).topics(limit),
    latestWindows: async (limit, pagesPerTopic) => (await ready()).latestWindows(limit, pagesPerTopic),
    close: async () => {
      const pending = client;
      client = null;
      reads = null;
      if (pending !== null) await (await pending.catch(() => null))?.shutdown();
    },
  };
}
