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
  // The recommender's step 1 in one read: WHERE topic = T. Kept exact by the sink (latest.ts),
  // replays included. One row per topic.
  topic_latest_window: {
    columns: { topic: 'text', window_end: 'bigint' },
    key: '(topic)',
  },
  // Shared mode (several instances of a job, docs/scale-out.md). Each input partition's recorded state:
  // a merge check reads the job's every partition in one read, and a (re)assigned instance reads its own.
  // delivered_through and merged_through are written at a timestamp of their value, so the highest wins
  // whoever writes last. merged_through: no window at or before it waits for a merge, so merge checks
  // read pending_windows after it and never scan the tombstones of the rows merges deleted.
  partition_progress: {
    columns: { job: 'text', partition: 'int', delivered_through: 'bigint', ended: 'boolean', merged_through: 'bigint static' },
    key: '((job), partition)',
  },
  // A partition's share of window E, summarised for the merge: a partition per window of a job, so the
  // merge reads all of E's shares in one read, and a row per input partition, so a rewrite of the share
  // (a replay, a new owner) overwrites its row. Partition -1 marks E written whole.
  // `pages` is msgpack of the share's distinct clients per (topic, page); `buckets` the client_page_visits
  // buckets its rows are in, which get the merged window's statics.
  window_partials: {
    columns: {
      job: 'text', window_end: 'bigint', partition: 'int', window_start: 'bigint', events: 'bigint', min_ts: 'bigint',
      pages: 'blob', buckets: 'frozen<set<int>>',
    },
    key: '((job, window_end), partition)',
  },
  // Windows of the job with partials not merged yet, a partition per job in window_end order: a merge
  // check reads those after merged_through that every partition delivered as one slice, oldest first.
  // A merge deletes its row, so the partition stays as small as the backlog.
  // A rewrite of a share at or before merged_through (a replay, a stale owner) leaves a row no check reads.
  pending_windows: {
    columns: { job: 'text', window_end: 'bigint', window_start: 'bigint' },
    key: '((job), window_end)',
  },
  // The job the keyspace holds (§4.1), one row written with the first write: what decides its rows.
  store_job: {
    columns: { id: 'int', identity: 'text', recorded_at: 'bigint' },
    key: '(id)',
  },
  // The processes writing the keyspace, one row each, written with a TTL and renewed while they write,
  // so a writer that died is forgotten once its row expires. One partition: every opening reads it whole.
  store_writers: {
    columns: { id: 'int', writer: 'text', host: 'text', pid: 'int', since: 'bigint', heartbeat_at: 'bigint', identity: 'text' },
    key: '((id), writer)',
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
