import type Database from 'better-sqlite3';
import { columnsOf, type WindowColumns, type WindowRows } from '../../windows/window';
import { holdsWholeWindow, statesAfterWrite } from '../partition-states';
import type { PartitionScope, PartitionState } from '../sink';
import { KeyOrder } from '../key-order';
import { type TableName, TABLE_NAMES, columnsOf as tableColumns } from './schema';

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

export type WriteWindows = (windows: readonly WindowRows[], scope: PartitionScope, closedThrough: number) => void;

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

/** The write of one close's windows and the owned partitions' progress, as one transaction; `onWrite` runs inside it first. */
export function prepareWriteWindows(db: Database.Database, onWrite: () => void): WriteWindows {
  const deletes = TABLE_NAMES.map((table) => db.prepare(`DELETE FROM ${table} WHERE window_end = ?`));
  const insertWindow = db.prepare(insertSql('windows', 1));
  const windowTimes = { window_start: 0, window_end: 0, window_ts: 0 };
  const visits = new Inserts(db, 'client_page_visits');
  const visitors = new Inserts(db, 'page_unique_visitors');
  // Never moves back: windows through the larger value were made durable already.
  const recordProgress = db.prepare(
    'INSERT INTO partition_progress (job, partition, delivered_through, ended) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT (job, partition) DO UPDATE SET delivered_through = max(coalesce(delivered_through, excluded.delivered_through), ' +
      'coalesce(excluded.delivered_through, delivered_through)), ended = excluded.ended',
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
  return db.transaction((windows: readonly WindowRows[], scope: PartitionScope, closedThrough: number) => {
    onWrite();
    // A window some partition delivered before this run is durable whole already: rows of a partition
    // added to the topic since cannot be merged into it here.
    for (const window of windows) if (holdsWholeWindow(scope, window.windowEnd)) writeWindow(window);
    for (const [partition, state] of statesAfterWrite(scope, windows, closedThrough)) {
      recordProgress.run(scope.job, partition, Number.isFinite(state.delivered) ? state.delivered : null, state.ended ? 1 : 0);
    }
  });
}

export function prepareReadPartitions(db: Database.Database): (job: string) => Map<number, PartitionState> {
  const read = db.prepare('SELECT partition, delivered_through, ended FROM partition_progress WHERE job = ?');
  return (job) => {
    const rows = read.all(job) as { partition: number; delivered_through: number | null; ended: number }[];
    return new Map(rows.map((row) => [row.partition, { delivered: row.delivered_through ?? -Infinity, ended: row.ended === 1 }]));
  };
}
