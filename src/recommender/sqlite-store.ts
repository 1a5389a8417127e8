import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DEFAULT_SQLITE_PATH, TABLE_NAMES } from '../stores/sqlite/schema';
import { openingSqlite } from '../stores/sqlite/open-error';
import { EMPTY_STORE } from './empty-store';
import type { RankedPage, RecommenderStore } from './store';

/**
 * The recommender's reads; each is one range of an index the SQLite sink creates. ORDER BY page
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
} as const;

function hasAllTables(db: Database.Database): boolean {
  const present = new Set(
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
  );
  return TABLE_NAMES.every((table) => present.has(table));
}

function sqliteStore(db: Database.Database): RecommenderStore {
  const latest = db.prepare(SQLITE_READS.latestWindowOfTopic).pluck();
  const top = db.prepare(SQLITE_READS.topPages);
  const before = db.prepare(SQLITE_READS.windowsBefore).pluck();
  const visited = db.prepare(SQLITE_READS.visitedPages).pluck();
  const nextTopic = db.prepare(SQLITE_READS.nextTopic).pluck();
  // One read transaction for the store's life: every read sees the same snapshot, so a window the
  // sink rewrites meanwhile cannot mix its old and new rows into one answer.
  db.exec('BEGIN');
  return {
    latestWindowOfTopic: async (topic) => (latest.get(topic) as number | undefined) ?? null,
    topPages: async (topic, windowEnd, n) => top.all(topic, windowEnd, n) as RankedPage[],
    windowsBefore: async (windowEnd, count) => before.all(windowEnd, count) as number[],
    visitedPages: async (clientId, topic, windowEnds) =>
      new Set(windowEnds.flatMap((windowEnd) => visited.all(clientId, topic, windowEnd) as string[])),
    topics: async (limit) => {
      const topics: string[] = [];
      // Topics are non-empty strings, so every one sorts after ''.
      for (let last = ''; topics.length < limit; ) {
        const next = nextTopic.get(last) as string | undefined;
        if (next === undefined) break;
        topics.push((last = next));
      }
      return topics;
    },
    close: async () => {
      db.close();
    },
  };
}

/** A path where no database is: not an empty store but most likely a mistyped path, so it is an error. */
export class MissingDatabaseError extends Error {}

/** Reads what the SQLite sink wrote, read-only. A database without our tables is empty; a missing one is an error. */
export function createSqliteStore(path: string): RecommenderStore {
  if (!existsSync(path)) throw new MissingDatabaseError(`no SQLite database at ${path} (is the path right? the job writes ${DEFAULT_SQLITE_PATH} by default)`);
  const db = openingSqlite(path, () => new Database(path, { readonly: true, fileMustExist: true }));
  if (openingSqlite(path, () => hasAllTables(db))) return sqliteStore(db);
  db.close();
  return EMPTY_STORE;
}
