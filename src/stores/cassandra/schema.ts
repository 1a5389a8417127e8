/**
 * The Cassandra tables, designed from the recommender's reads: each read is one
 * partition, each partition is bounded by one window or one day, and a replay of window E can remove
 * everything an earlier write of E left by deleting whole partitions or known rows. Column names and
 * types are those of the JSONL rows (times are bigint Unix ms); `bucket`, `day` and `topics` are extra columns.
 * window_start and window_ts are static where a partition holds one window: a SELECT still shows
 * them on every row, but each row stores one cell instead of three (a quarter less server CPU).
 */

/** Unquoted CQL identifiers only: the keyspace is spliced into every statement. */
export function assertKeyspaceName(keyspace: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,47}$/.test(keyspace)) {
    throw new Error(`keyspace "${keyspace}" is not a CQL identifier (a letter, then letters, digits or _)`);
  }
}

/** Unquoted identifiers are case-insensitive: the driver's metadata knows them in lower case. */
export function metadataNameOf(keyspace: string): string {
  return keyspace.toLowerCase();
}

/** For the local default keyspace only: an existing keyspace keeps its own replication. */
export function createKeyspaceCql(keyspace: string): string {
  return `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`;
}

interface TableDefinition {
  readonly columns: Readonly<Record<string, string>>;
  /** What follows PRIMARY KEY, and the WITH clause if any. */
  readonly key: string;
  readonly options?: string;
}

export const CASSANDRA_TABLES = {
  // Top N of topic T in window E: WHERE window_end = E AND topic = T LIMIT N, already in rank order
  // (text clusters by UTF-8 bytes, as SQLite's BINARY). One partition per window, deleted whole on replay.
  page_unique_visitors: {
    columns: { window_start: 'bigint static', window_end: 'bigint', window_ts: 'bigint static', topic: 'text', page: 'text', visitors: 'int' },
    key: '((window_end), topic, visitors, page)',
    options: 'CLUSTERING ORDER BY (topic ASC, visitors DESC, page ASC)',
  },
  // A client's pages of T in window E: WHERE window_end = E AND bucket = b(client) AND client_id = ?
  // AND topic = T. A window spreads over CLIENT_BUCKETS partitions, all deleted on replay.
  client_page_visits: {
    columns: {
      window_start: 'bigint static', window_end: 'bigint', window_ts: 'bigint static', bucket: 'int',
      client_id: 'text', topic: 'text', page: 'text', visits: 'int',
    },
    key: '((window_end, bucket), client_id, topic, page)',
  },
  // Windows emitted just before E: WHERE day = ? AND window_end < E LIMIT 2, walking back days.
  // `topics` tells a replay which topic_windows rows the earlier write of the window left.
  windows: {
    columns: {
      day: 'bigint', window_start: 'bigint', window_end: 'bigint', window_ts: 'bigint', events: 'bigint',
      topics: 'frozen<set<text>>',
    },
    key: '((day), window_end)',
    options: 'CLUSTERING ORDER BY (window_end DESC)',
  },
  // The windows with rows of T, a partition a day: where the sink finds T's latest window before E
  // when a replay of E drops T (WHERE topic = T AND day = ? AND window_end < E LIMIT 1, walking back days).
  topic_windows: {
    columns: { topic: 'text', day: 'bigint', window_end: 'bigint' },
    key: '((topic, day), window_end)',
    options: 'CLUSTERING ORDER BY (window_end DESC)',
  },
  // The recommender's step 1 in one read: WHERE topic = T. Kept exact by the sink (cassandra-latest.ts),
  // replays included. One row per topic.
  topic_latest_window: {
    columns: { topic: 'text', window_end: 'bigint' },
    key: '(topic)',
  },
  // Sink.readProgress / writeWindows' progress.
  progress: {
    columns: { job: 'text', closed_through: 'bigint' },
    key: '(job)',
  },
} as const satisfies Record<string, TableDefinition>;

export type CassandraTable = keyof typeof CASSANDRA_TABLES;

export const CASSANDRA_TABLE_NAMES = Object.keys(CASSANDRA_TABLES) as CassandraTable[];

export function createTableCql(keyspace: string, table: CassandraTable): string {
  const definition: TableDefinition = CASSANDRA_TABLES[table];
  const columns = Object.entries(definition.columns).map(([name, type]) => `${name} ${type}`);
  const options = definition.options === undefined ? '' : ` WITH ${definition.options}`;
  return `CREATE TABLE IF NOT EXISTS ${keyspace}.${table} (${columns.join(', ')}, PRIMARY KEY ${definition.key})${options}`;
}
