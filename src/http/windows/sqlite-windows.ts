import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SQLITE_READS } from '../../recommender/sqlite-store';
import type { RankedPage } from '../../recommender/store';
import { DetailCache, type WindowReads, type WrittenWindow } from './written-windows';

const READS = {
  latest: 'SELECT window_start, window_end, window_ts, events FROM windows ORDER BY window_end DESC LIMIT ?',
  nextTopic: 'SELECT topic FROM page_unique_visitors WHERE window_end = ? AND topic > ? ORDER BY topic LIMIT 1',
  clientRows: 'SELECT COUNT(*) FROM client_page_visits WHERE window_end = ?',
  pageRows: 'SELECT COUNT(*) FROM page_unique_visitors WHERE window_end = ?',
} as const;

interface WindowRow {
  readonly window_start: number;
  readonly window_end: number;
  readonly window_ts: number;
  readonly events: number;
}

/**
 * The latest windows of the SQLite file the job's writer thread writes, read on a read-only connection
 * of the main thread (WAL: readers never block the writer). The file appears when the sink opens.
 */
export function createSqliteWindowReads(path: string): WindowReads {
  let db: Database.Database | null = null;
  const cache = new DetailCache();
  const open = (): Database.Database | null => {
    if (db === null && existsSync(path)) db = new Database(path, { readonly: true, fileMustExist: true });
    return db;
  };
  return {
    async latest(limit, pagesPerTopic) {
      const database = open();
      if (database === null) return [];
      const read = database.transaction(() => {
        const windows = database.prepare(READS.latest).all(limit) as WindowRow[];
        return windows.map((w) => ({ w, detail: cache.get(w.window_end, w.events, pagesPerTopic, async () => detailOf(database, w.window_end, pagesPerTopic)) }));
      });
      const found = read();
      return Promise.all(
        found.map(async ({ w, detail }): Promise<WrittenWindow> => ({
          windowStart: w.window_start,
          windowEnd: w.window_end,
          windowTs: w.window_ts,
          events: w.events,
          ...(await detail),
        })),
      );
    },
    async close() {
      db?.close();
      db = null;
    },
  };
}

function detailOf(db: Database.Database, windowEnd: number, pagesPerTopic: number) {
  const nextTopic = db.prepare(READS.nextTopic).pluck();
  const topPages = db.prepare(SQLITE_READS.topPages);
  const topics: { topic: string; pages: RankedPage[] }[] = [];
  // Topics are non-empty strings, so every one sorts after ''.
  for (let topic = nextTopic.get(windowEnd, '') as string | undefined; topic !== undefined; topic = nextTopic.get(windowEnd, topic) as string | undefined) {
    topics.push({ topic, pages: topPages.all(topic, windowEnd, pagesPerTopic) as RankedPage[] });
  }
  const count = (sql: string) => db.prepare(sql).pluck().get(windowEnd) as number;
  // As the writer counts them: client rows, page rows and the window's own row.
  return { rows: count(READS.clientRows) + count(READS.pageRows) + 1, topics };
}
