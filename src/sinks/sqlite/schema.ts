/**
 * Table and column names of the embedded store, shared by the SQLite sink and the recommender's
 * reads: the same names as the JSONL rows, so any client can read them. Column order is the rows' order; `time` is Unix milliseconds, `count` a non-negative
 * integer, `text` a UTF-8 string.
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
