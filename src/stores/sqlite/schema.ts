/**
 * Table and column names of SPEC §4, shared by every sink so any client can read the rows.
 * Column order here is the order of the SPEC; `time` is Unix milliseconds, `count` a non-negative
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
