import type { Client, types } from 'cassandra-driver';
import { connectClient, numberOf } from '../../stores/cassandra/client';
import type { CassandraConfig } from '../../stores/cassandra/config';
import { CLIENT_BUCKETS, walkBackDays } from '../../stores/cassandra/partitions';
import { readCql } from '../../stores/cassandra/reads';
import { assertKeyspaceName } from '../../stores/cassandra/schema';
import { DetailCache, type WindowDetail, type WindowReads } from './written-windows';

const READ_OPTIONS = { prepare: true } as const;

function cqlOf(keyspace: string) {
  return {
    ...readCql(keyspace),
    windowsOfDay: `SELECT window_start, window_end, window_ts, events, topics FROM ${keyspace}.windows WHERE day = ? LIMIT ?`,
    clientRows: `SELECT COUNT(*) AS n FROM ${keyspace}.client_page_visits WHERE window_end = ? AND bucket = ?`,
    pageRows: `SELECT COUNT(*) AS n FROM ${keyspace}.page_unique_visitors WHERE window_end = ?`,
  } as const;
}

/**
 * The latest windows in Cassandra: the newest topic_latest_window row says where to start, then the
 * windows table's day partitions are walked back; per window, each topic's top pages and the row counts
 * are single-partition reads. Connects on first use; tables not there yet read as no windows.
 */
export function createCassandraWindowReads(config: CassandraConfig): WindowReads {
  assertKeyspaceName(config.keyspace);
  const cql = cqlOf(config.keyspace);
  const cache = new DetailCache();
  let client: Promise<Client> | null = null;
  const read = async (query: string, params: unknown[]): Promise<types.ResultSet> => {
    client ??= connectClient(config, { isMetadataSyncEnabled: false }).catch((error: Error) => {
      client = null;
      throw error;
    });
    return (await client).execute(query, params, READ_OPTIONS);
  };
  const detailOf = async (windowEnd: number, topicsOfWindow: readonly string[], pagesPerTopic: number): Promise<WindowDetail> => {
    const topics = await Promise.all(
      [...topicsOfWindow].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map(async (topic) => {
        const result = await read(cql.topPages, [windowEnd, topic, pagesPerTopic]);
        return { topic, pages: result.rows.map((row) => ({ page: row.get('page') as string, visitors: row.get('visitors') as number })) };
      }),
    );
    const counts = await Promise.all([
      read(cql.pageRows, [windowEnd]),
      ...Array.from({ length: CLIENT_BUCKETS }, (_, bucket) => read(cql.clientRows, [windowEnd, bucket])),
    ]);
    // As the writer counts them: page rows, client rows and the window's own row.
    return { rows: counts.reduce((sum, result) => sum + numberOf(result.rows[0].get('n')), 1), topics };
  };
  return {
    async latest(limit, pagesPerTopic) {
      let newest: number;
      try {
        const ends = (await read(cql.topics, [])).rows.map((row) => numberOf(row.get('window_end')));
        if (ends.length === 0) return [];
        newest = Math.max(...ends);
      } catch (error) {
        if (/unconfigured table|does not exist/i.test(String(error))) return [];
        throw error;
      }
      const rows: types.Row[] = [];
      await walkBackDays(newest, limit, async (day, want) => {
        const found = (await read(cql.windowsOfDay, [day, want])).rows;
        rows.push(...found);
        return found.map((row) => numberOf(row.get('window_end')));
      });
      return Promise.all(
        rows.map(async (row) => {
          const windowEnd = numberOf(row.get('window_end'));
          const events = numberOf(row.get('events'));
          const topics = (row.get('topics') as string[] | null) ?? [];
          const detail = await cache.get(windowEnd, events, pagesPerTopic, () => detailOf(windowEnd, topics, pagesPerTopic));
          return { windowStart: numberOf(row.get('window_start')), windowEnd, windowTs: numberOf(row.get('window_ts')), events, ...detail };
        }),
      );
    },
    async close() {
      const connected = client;
      client = null;
      if (connected !== null) await (await connected.catch(() => null))?.shutdown();
    },
  };
}
