import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { columnsOf, type WindowColumns, type WindowRows } from '../../windows/window';
import type { Progress, Sink } from '../sink';
import { KeyOrder } from './key-order';
import { type ColumnKind, type TableName, TABLES, TABLE_NAMES, columnsOf as tableColumns } from '../../stores/sqlite/schema';
import { openingSqlite } from '../../stores/sqlite/open-error';

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

/**
 * Rows per INSERT statement: one call into SQLite binds and steps this many rows, instead of one call
 * each. The window's three times are bound once per statement (@window_start, …) and repeat in every row.
 */
const ROWS_PER_INSERT = 64;

const TIMES = ['window_start', 'window_end', 'window_ts'];

/**
 * `INSERT OR ROLLBACK INTO table (…) VALUES (@window_start, @window_end, @window_ts, ?, …), …` with
 * `rows` rows; the times lead every table's columns. OR ROLLBACK: a duplicate key (an upstream bug)
 * ends the whole transaction at once, as any failure of a call does anyway, and so SQLite keeps no
 * statement journal to undo one statement alone — for a 64-row statement that journal wrote the
 * original of every page the statement touched to a temporary file, about two pwrite calls a row.
 */
function insertSql(table: TableName, rows: number): string {
  const columns = tableColumns(table);
  if (columns.slice(0, 3).join() !== TIMES.join()) throw new Error(`${table}: its columns do not start with ${TIMES.join(', ')}`);
  const row = `(${TIMES.map((time) => `@${time}`).join(', ')}${', ?'.repeat(columns.length - 3)})`;
  return `INSERT OR ROLLBACK INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`;
}

const BACKSTOP_CHECKPOINT_PAGES = 16384;

function openDatabase(path: string): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // WAL: readers (the recommender, the HTTP API) never block the writer, nor it them.
  db.pragma('journal_mode = WAL');
  // FULL, not NORMAL: with WAL, NORMAL skips the fsync of each commit, so a commit survives a crash of
  // the process but not of the OS or the power; the writer reports a window durable on commit and the
  // Kafka offsets are committed on that word, so after such a loss the offsets would be ahead of the
  // store and the lost windows never rebuilt. One fsync per transaction (one per close of windows)
  // cost about 0.2 s over a 2-million-event file here (docs/performance.md, 2026-11-30).
  db.pragma('synchronous = FULL');
  // Checkpoints are the checkpointer thread's; this one checkpoints only if the WAL grows past this
  // many pages (64 MiB), should that thread fall behind.
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  db.exec(
    [
      ...RETIRED_INDEXES.map((name) => `DROP INDEX IF EXISTS ${name};`),
      ...TABLE_NAMES.map(createTableSql),
      CREATE_PROGRESS_TABLE,
    ].join('\n'),
  );
  return db;
}

type WriteWindows = (windows: readonly WindowRows[], progress: Progress | null) => void;

/** A table's inserts: full statements of ROWS_PER_INSERT rows, and one of a single row for the rest. */
class Inserts {
  private readonly many: Database.Statement;
  private readonly one: Database.Statement;
  private readonly times = { window_start: 0, window_end: 0, window_ts: 0 };
  /** The held rows' columns other than the times, row after row: the anonymous parameters of `many`. */
  readonly values: unknown[];
  private readonly width: number;
  private rows = 0;

  constructor(db: Database.Database, table: TableName) {
    this.many = db.prepare(insertSql(table, ROWS_PER_INSERT));
    this.one = db.prepare(insertSql(table, 1));
    this.width = tableColumns(table).length - 3;
    this.values = new Array(ROWS_PER_INSERT * this.width);
  }

  startWindow(window: WindowRows): void {
    this.times.window_start = window.windowStart;
    this.times.window_end = window.windowEnd;
    this.times.window_ts = window.windowTs;
    this.rows = 0;
  }

  /** Where the next row's columns go in `values`; call `added` once they are there. */
  slot(): number {
    return this.rows * this.width;
  }

  added(): void {
    if (++this.rows === ROWS_PER_INSERT) {
      this.many.run(this.times, this.values);
      this.rows = 0;
    }
  }

  /** Inserts the rows still held, one statement each. */
  endWindow(): void {
    for (let r = 0; r < this.rows; r++) this.one.run(this.times, this.values.slice(r * this.width, (r + 1) * this.width));
    this.rows = 0;
  }
}

function prepareWriteWindows(db: Database.Database): WriteWindows {
  const deletes = TABLE_NAMES.map((table) => db.prepare(`DELETE FROM ${table} WHERE window_end = ?`));
  const insertWindow = db.prepare(insertSql('windows', 1));
  const windowTimes = { window_start: 0, window_end: 0, window_ts: 0 };
  const visits = new Inserts(db, 'client_page_visits');
  const visitors = new Inserts(db, 'page_unique_visitors');
  // Never moves back: windows through the larger value were made durable already.
  const recordProgress = db.prepare(
    'INSERT INTO job_progress (job, closed_through) VALUES (?, ?) ' +
      'ON CONFLICT (job) DO UPDATE SET closed_through = max(closed_through, excluded.closed_through)',
  );

  const order = new KeyOrder();

  const writeVisits = (window: WindowRows, columns: WindowColumns): void => {
    visits.startWindow(window);
    const params = visits.values;
    const inOrder = order.visits(columns);
    for (let i = 0; i < inOrder.rows.length; i++) {
      const { names, rows } = columns.visits[inOrder.runs[i]];
      const r = 3 * inOrder.rows[i];
      const at = visits.slot();
      const page = rows[r + 1];
      params[at] = names.clients[rows[r]];
      params[at + 1] = names.topics[page];
      params[at + 2] = names.pages[page];
      params[at + 3] = rows[r + 2];
      visits.added();
    }
    visits.endWindow();
  };

  const writeVisitors = (window: WindowRows, columns: WindowColumns): void => {
    visitors.startWindow(window);
    const params = visitors.values;
    const { names, run, pageIds } = columns.visitors;
    for (const i of order.visitors(columns)) {
      const at = visitors.slot();
      params[at] = names[run[i]].topics[pageIds[i]];
      params[at + 1] = names[run[i]].pages[pageIds[i]];
      params[at + 2] = columns.visitors.visitors[i];
      visitors.added();
    }
    visitors.endWindow();
  };

  const writeWindow = (window: WindowRows): void => {
    // Refuses a window whose columns disagree, before anything of it is written.
    const columns = columnsOf(window);
    const { windowStart, windowEnd, windowTs } = window;
    // Delete first so a replay leaves exactly the latest rows (a replay, never stale or duplicate rows).
    for (const remove of deletes) remove.run(windowEnd);
    Object.assign(windowTimes, { window_start: windowStart, window_end: windowEnd, window_ts: windowTs });
    insertWindow.run(windowTimes, window.events);
    writeVisits(window, columns);
    writeVisitors(window, columns);
  };
  // One transaction per call: progress commits with the windows, so it never claims a window that is not there.
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
  /** Started with the first write. */
  checkpointer: Worker | null;
}

/** The checkpointer thread (checkpointer.ts): unref'd, so it never holds the process up by itself. */
function startCheckpointer(path: string): Worker {
  const worker = new Worker(join(__dirname, 'checkpointer.js'), { workerData: { path } });
  worker.unref();
  // A checkpoint that fails leaves the pages in the WAL, where they are as safe; the writer's own
  // backstop checkpoint (and the one on close) still copies them.
  worker.on('error', () => undefined);
  return worker;
}

/** Asks the checkpointer to close its connection and waits until it has exited. */
function stopCheckpointer(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    worker.ref(); // the wait must keep the event loop alive
    worker.once('exit', () => resolve());
    worker.postMessage('close');
  });
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
      const db = openingSqlite(path, () => openDatabase(path));
      opened = { db, writeWindows: prepareWriteWindows(db), readProgress: prepareReadProgress(db), checkpointer: null };
    },
    async writeWindows(windows, progress) {
      const current = ready();
      current.writeWindows(windows, progress);
      (current.checkpointer ??= startCheckpointer(path)).postMessage('checkpoint');
    },
    async readProgress(job) {
      return ready().readProgress(job);
    },
    async close() {
      const current = opened;
      opened = undefined;
      if (current === undefined) return;
      if (current.checkpointer !== null) await stopCheckpointer(current.checkpointer);
      // The last connection to close checkpoints what is left and removes the WAL.
      current.db.close();
    },
  };
}
