/**
 * The embedded store's tables, shared by the SQLite sink and its reader: the same names as the JSONL
 * rows, so any client can read them. Column order is the rows' order; `time` is Unix milliseconds,
 * `count` a non-negative integer, `text` a UTF-8 string.
 */
export type ColumnKind = 'time' | 'count' | 'text';

export const TABLES = {
  client_page_visits: {
    window_start: 'time',
    window_end: 'time',
    window_ts: 'time',
    client_id: 'text',
    topic: 'text',
    page: 'text',
    visits: 'count',
  },
  page_unique_visitors: {
    window_start: 'time',
    window_end: 'time',
    window_ts: 'time',
    topic: 'text',
    page: 'text',
    visitors: 'count',
  },
  windows: {
    window_start: 'time',
    window_end: 'time',
    window_ts: 'time',
    events: 'count',
  },
} as const satisfies Record<string, Record<string, ColumnKind>>;

export type TableName = keyof typeof TABLES;

export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

export function columnsOf(table: TableName): string[] {
  return Object.keys(TABLES[table]);
}

/** The embedded store's file when no path is given. */
export const DEFAULT_SQLITE_PATH = './data/clickstream.db';

const SQLITE_TYPE: Record<ColumnKind, string> = { time: 'INTEGER', count: 'INTEGER', text: 'TEXT' };

interface TableLayout {
  readonly primaryKey: string;
  readonly withoutRowid: boolean;
  readonly indexes: Readonly<Record<string, string>>;
}

/**
 * Every primary key leads with window_end, so a replay's delete is one key range and a new window's
 * inserts land at the end of the tree. The recommender's reads of client_page_visits (a client's pages
 * of a topic in a given window) are a range of that key too, so the table has no second tree to keep
 * up on every insert. Its top-N read of page_unique_visitors and a topic's latest window need an index
 * led by the topic; that one is already in rank order, so a top-N read stops after N rows without sorting.
 */
const LAYOUT: Record<TableName, TableLayout> = {
  client_page_visits: {
    primaryKey: 'window_end, client_id, topic, page',
    withoutRowid: true,
    indexes: {},
  },
  page_unique_visitors: {
    primaryKey: 'window_end, topic, page',
    withoutRowid: true,
    indexes: { page_unique_visitors_top: 'topic, window_end, visitors DESC, page' },
  },
  // A single INTEGER primary key is the rowid itself, so no extra b-tree.
  windows: { primaryKey: 'window_end', withoutRowid: false, indexes: {} },
};

/** Indexes earlier versions made that the reads no longer need: dropped on open, as each slowed every insert. */
const RETIRED_INDEXES = ['client_page_visits_by_client'];

function createTableSql(table: TableName): string {
  const columns = Object.entries(TABLES[table]).map(([name, kind]) => `${name} ${SQLITE_TYPE[kind]} NOT NULL`);
  const { primaryKey, withoutRowid, indexes } = LAYOUT[table];
  const createTable = `CREATE TABLE IF NOT EXISTS ${table} (${columns.join(', ')}, PRIMARY KEY (${primaryKey}))${
    withoutRowid ? ' WITHOUT ROWID' : ''
  };`;
  const createIndexes = Object.entries(indexes).map(([name, on]) => `CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${on});`);
  return [createTable, ...createIndexes].join('\n');
}

/**
 * The sink's bookkeeping beside the three result tables: how far each input partition of the job is
 * written (delivered_through NULL: nothing yet, as a reset leaves it); the job the store holds, one row
 * written with the first write; the process writing it, one row renewed while it writes.
 */
const BOOKKEEPING = [
  'CREATE TABLE IF NOT EXISTS partition_progress (job TEXT NOT NULL, partition INTEGER NOT NULL, ' +
    'delivered_through INTEGER, ended INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (job, partition)) WITHOUT ROWID;',
  'CREATE TABLE IF NOT EXISTS store_job (id INTEGER PRIMARY KEY CHECK (id = 1), identity TEXT NOT NULL, recorded_at INTEGER NOT NULL);',
  'CREATE TABLE IF NOT EXISTS store_writer (id INTEGER PRIMARY KEY CHECK (id = 1), host TEXT NOT NULL, pid INTEGER NOT NULL, ' +
    'since INTEGER NOT NULL, heartbeat_at INTEGER NOT NULL, identity TEXT NOT NULL);',
];

/** Tables a reset empties: the results and the progress (the job and writer records are rewritten). */
export const RESET_TABLES = [...TABLE_NAMES, 'partition_progress', 'store_job'] as const;

/** Every statement that makes an empty file the store, or brings an older one up to date; each is a no-op when already done. */
export function schemaSql(): string {
  return [...RETIRED_INDEXES.map((name) => `DROP INDEX IF EXISTS ${name};`), ...TABLE_NAMES.map(createTableSql), ...BOOKKEEPING].join('\n');
}
