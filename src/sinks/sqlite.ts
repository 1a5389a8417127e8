import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { WindowRows } from '../windows/window';
import type { Progress, Sink } from './sink';
import { type ColumnKind, type TableName, TABLES, TABLE_NAMES, columnsOf } from '../stores/sqlite/schema';

const SQLITE_TYPE: Record<ColumnKind, string> = { time: 'INTEGER', count: 'INTEGER', text: 'TEXT' };

interface TableLayout {
  readonly primaryKey: string;
  readonly withoutRowid: boolean;
  readonly indexes: Readonly<Record<string, string>>;
}

/**
 * Every primary key leads with window_end, so a replay's delete is one key range and a new window's
 * inserts land at the end of the tree. The recommender's reads are secondary-index ranges;
 * the top-N one is already in rank order, so it stops after N rows without sorting.
 */
const LAYOUT: Record<TableName, TableLayout> = {
  client_page_visits: {
    primaryKey: 'window_end, client_id, topic, page',
    withoutRowid: true,
    indexes: { client_page_visits_by_client: 'client_id, topic, window_end, page' },
  },
  page_unique_visitors: {
    primaryKey: 'window_end, topic, page',
    withoutRowid: true,
    indexes: { page_unique_visitors_top: 'topic, window_end, visitors DESC, page' },
  },
  // A single INTEGER primary key is the rowid itself, so no extra b-tree.
  windows: { primaryKey: 'window_end', withoutRowid: false, indexes: {} },
};

function createTableSql(table: TableName): string {
  const columns = Object.entries(TABLES[table]).map(
    ([name, kind]) => `${name} ${SQLITE_TYPE[kind]} NOT NULL`,
  );
  const { primaryKey, withoutRowid, indexes } = LAYOUT[table];
  const createTable = `CREATE TABLE IF NOT EXISTS ${table} (${columns.join(', ')}, PRIMARY KEY (${primaryKey}))${
    withoutRowid ? ' WITHOUT ROWID' : ''
  };`;
  const createIndexes = Object.entries(indexes).map(
    ([name, on]) => `CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${on});`,
  );
  return [createTable, ...createIndexes].join('\n');
}

/** Sink bookkeeping, not one of the three result tables: how far each job's windows are written (Sink.readProgress). */
const CREATE_PROGRESS_TABLE =
  'CREATE TABLE IF NOT EXISTS job_progress (job TEXT NOT NULL PRIMARY KEY, closed_through INTEGER NOT NULL);';

function insertSql(table: TableName): string {
  const columns = columnsOf(table);
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

function openDatabase(path: string): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // FULL: the writer reports a window durable and Kafka offsets get committed on that word, so a
  // power loss must not take the last commit back. One fsync per call is cheap at window rates.
  db.pragma('synchronous = FULL');
  db.exec([...TABLE_NAMES.map(createTableSql), CREATE_PROGRESS_TABLE].join('\n'));
  return db;
}

/** A window whose parallel column arrays disagree in length is an upstream bug: refuse it whole. */
function columnsAlign(window: WindowRows): boolean {
  const visits = window.clientPageVisits;
  const visitors = window.pageUniqueVisitors;
  const rows = visits.clientIds.length;
  return (
    visits.topics.length === rows &&
    visits.pages.length === rows &&
    visits.visits.length === rows &&
    visitors.pages.length === visitors.topics.length &&
    visitors.visitors.length === visitors.topics.length
  );
}

type WriteWindows = (windows: readonly WindowRows[], progress: Progress | null) => void;

function prepareWriteWindows(db: Database.Database): WriteWindows {
  const deletes = TABLE_NAMES.map((table) => db.prepare(`DELETE FROM ${table} WHERE window_end = ?`));
  const insertWindow = db.prepare(insertSql('windows'));
  const insertVisits = db.prepare(insertSql('client_page_visits'));
  const insertVisitors = db.prepare(insertSql('page_unique_visitors'));
  // Never moves back: windows through the larger value were made durable already.
  const recordProgress = db.prepare(
    'INSERT INTO job_progress (job, closed_through) VALUES (?, ?) ' +
      'ON CONFLICT (job) DO UPDATE SET closed_through = max(closed_through, excluded.closed_through)',
  );

  const writeWindow = (window: WindowRows): void => {
    if (!columnsAlign(window)) {
      throw new Error(`window ending ${window.windowEnd}: its column arrays differ in length`);
    }
    const { windowStart, windowEnd, windowTs } = window;
    // Delete first so a replay leaves exactly the latest rows (a replay, never stale or duplicate rows).
    for (const remove of deletes) remove.run(windowEnd);
    insertWindow.run(windowStart, windowEnd, windowTs, window.events);
    const visits = window.clientPageVisits;
    for (let i = 0; i < visits.clientIds.length; i++) {
      insertVisits.run(windowStart, windowEnd, windowTs, visits.clientIds[i], visits.topics[i], visits.pages[i], visits.visits[i]);
    }
    const visitors = window.pageUniqueVisitors;
    for (let i = 0; i < visitors.topics.length; i++) {
      insertVisitors.run(windowStart, windowEnd, windowTs, visitors.topics[i], visitors.pages[i], visitors.visitors[i]);
    }
  };
  // Progress commits with the windows, so it never claims a window that is not there.
  return db.transaction((windows: readonly WindowRows[], progress: Progress | null) => {
    for (const window of windows) writeWindow(window);
    if (progress !== null && Number.isFinite(progress.closedThrough)) {
      recordProgress.run(progress.job, progress.closedThrough);
    }
  });
}

function prepareReadProgress(db: Database.Database): (job: string) => number {
  const read = db.prepare('SELECT closed_through FROM job_progress WHERE job = ?').pluck();
  return (job) => (read.get(job) as number | undefined) ?? -Infinity;
}

interface OpenDatabase {
  readonly db: Database.Database;
  readonly writeWindows: WriteWindows;
  readonly readProgress: (job: string) => number;
}

/** The embedded sink (`--sink sqlite:PATH`). Synchronous under the hood: it runs in the writer thread. */
export function createSqliteSink(path: string): Sink {
  let opened: OpenDatabase | undefined;
  const ready = (): OpenDatabase => {
    if (opened === undefined) throw new Error(`sqlite sink ${path} is not open`);
    return opened;
  };
  return {
    async open() {
      const db = openDatabase(path);
      opened = { db, writeWindows: prepareWriteWindows(db), readProgress: prepareReadProgress(db) };
    },
    async writeWindows(windows, progress) {
      ready().writeWindows(windows, progress);
    },
    async readProgress(job) {
      return ready().readProgress(job);
    },
    async close() {
      opened?.db.close();
      opened = undefined;
    },
  };
}
