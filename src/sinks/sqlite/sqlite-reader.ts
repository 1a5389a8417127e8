import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DetailCache, type ReaderOptions, type WindowDetail } from '../detail-cache';
import { EMPTY_STORE } from '../empty-store';
import { MissingStoreError, type RankedPage, type StoreReader, type WrittenWindow } from '../store';
import { openingSqlite } from './open-error';
import { DEFAULT_SQLITE_PATH, TABLE_NAMES } from './schema';

/**
 * The reads of the embedded store; each is one range of an index the SQLite sink creates. ORDER BY page
 * uses SQLite's default BINARY collation: code-point order of the UTF-8 bytes.
 */
export const SQLITE_READS = {
  latestWindowOfTopic:
    'SELECT window_end FROM page_unique_visitors WHERE topic = ? ORDER BY window_end DESC LIMIT 1',
  topPages:
    'SELECT page, visitors FROM page_unique_visitors WHERE topic = ? AND window_end = ? ' +
    'ORDER BY visitors DESC, page ASC LIMIT ?',
  windowsBefore: 'SELECT window_end FROM windows WHERE window_end < ? ORDER BY window_end DESC LIMIT ?',
  visitedPages: 'SELECT page FROM client_page_visits WHERE client_id = ? AND topic = ? AND window_end = ?',
  /** The topics in code-point order, one index search each: what an unknown topic's message lists. */
  nextTopic: 'SELECT topic FROM page_unique_visitors WHERE topic > ? ORDER BY topic LIMIT 1',
  nextTopicOfWindow: 'SELECT topic FROM page_unique_visitors WHERE window_end = ? AND topic > ? ORDER BY topic LIMIT 1',
  clientRows: 'SELECT COUNT(*) FROM client_page_visits WHERE window_end = ?',
  pageRows: 'SELECT COUNT(*) FROM page_unique_visitors WHERE window_end = ?',
} as const;

/** The dashboard's latest windows: a backward walk of the windows table's rowid tree that stops after LIMIT rows. */
const LATEST_WINDOWS = 'SELECT window_start, window_end, window_ts, events FROM windows ORDER BY window_end DESC LIMIT ?';

interface WindowRow {
  readonly window_start: number;
  readonly window_end: number;
  readonly window_ts: number;
  readonly events: number;
}

function hasAllTables(db: Database.Database): boolean {
  const present = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
  return TABLE_NAMES.every((table) => present.has(table));
}

/** Topics in code-point order (each after `after`), one index search each; topics are non-empty, so all sort after ''. */
function topicsAfter(next: (after: string) => string | undefined, limit: number): string[] {
  const topics: string[] = [];
  for (let last = ''; topics.length < limit; ) {
    const topic = next(last);
    if (topic === undefined) break;
    topics.push((last = topic));
  }
  return topics;
}

function sqliteReader(db: Database.Database, details: DetailCache): StoreReader {
  const latest = db.prepare(SQLITE_READS.latestWindowOfTopic).pluck();
  const top = db.prepare(SQLITE_READS.topPages);
  const before = db.prepare(SQLITE_READS.windowsBefore).pluck();
  const visited = db.prepare(SQLITE_READS.visitedPages).pluck();
  const nextTopic = db.prepare(SQLITE_READS.nextTopic).pluck();
  const latestWindows = db.prepare(LATEST_WINDOWS);
  const nextTopicOfWindow = db.prepare(SQLITE_READS.nextTopicOfWindow).pluck();
  const clientRows = db.prepare(SQLITE_READS.clientRows).pluck();
  const pageRows = db.prepare(SQLITE_READS.pageRows).pluck();
  const detailOf = (windowEnd: number, pagesPerTopic: number): WindowDetail => ({
    // As the writer counts them: client rows, page rows and the window's own row.
    rows: (clientRows.get(windowEnd) as number) + (pageRows.get(windowEnd) as number) + 1,
    topics: topicsAfter((after) => nextTopicOfWindow.get(windowEnd, after) as string | undefined, Infinity).map((topic) => ({
      topic,
      pages: top.all(topic, windowEnd, pagesPerTopic) as RankedPage[],
    })),
  });
  // One read transaction for the reader's life: every read sees the same snapshot, so a window the
  // sink rewrites meanwhile cannot mix its old and new rows into one answer.
  db.exec('BEGIN');
  return {
    latestWindowOfTopic: async (topic) => (latest.get(topic) as number | undefined) ?? null,
    topPages: async (topic, windowEnd, n) => top.all(topic, windowEnd, n) as RankedPage[],
    windowsBefore: async (windowEnd, count) => before.all(windowEnd, count) as number[],
    visitedPages: async (clientId, topic, windowEnds) =>
      new Set(windowEnds.flatMap((windowEnd) => visited.all(clientId, topic, windowEnd) as string[])),
    topics: async (limit) => topicsAfter((after) => nextTopic.get(after) as string | undefined, limit),
    latestWindows: (limit, pagesPerTopic) =>
      Promise.all(
        (latestWindows.all(limit) as WindowRow[]).map(async (w): Promise<WrittenWindow> => ({
          windowStart: w.window_start,
          windowEnd: w.window_end,
          windowTs: w.window_ts,
          events: w.events,
          ...(await details.get(w.window_end, w.events, pagesPerTopic, async () => detailOf(w.window_end, pagesPerTopic))),
        })),
      ),
    close: async () => {
      db.close();
    },
  };
}

/**
 * Reads what the SQLite sink wrote, read-only, as one snapshot (open another reader for fresh data).
 * A database without our tables is empty; a missing one is an error.
 */
export function createSqliteReader(path: string, { details = new DetailCache() }: ReaderOptions = {}): StoreReader {
  if (!existsSync(path)) {
    throw new MissingStoreError(`no SQLite database at ${path} (is the path right? the job writes ${DEFAULT_SQLITE_PATH} by default)`);
  }
  const db = openingSqlite(path, () => new Database(path, { readonly: true, fileMustExist: true }));
  if (openingSqlite(path, () => hasAllTables(db))) return sqliteReader(db, details);
  db.close();
  return EMPTY_STORE;
}
