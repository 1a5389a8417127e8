import { closeSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Runs `open` (which opens the SQLite file at `path` and may run its first statements) and turns its
 * failure into an error that names the path and the cause. SQLite's own words name neither: a folder
 * that takes no new file (/proc) and a directory given as the store are "unable to open database
 * file" or "disk I/O error".
 */
export function openingSqlite<T>(path: string, open: () => T): T {
  try {
    return open();
  } catch (error) {
    throw new Error(sqliteOpenMessage(path, error));
  }
}

/** What went wrong opening `path`, found by looking at the path only after SQLite failed on it. */
export function sqliteOpenMessage(path: string, error: unknown): string {
  const said = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  return `cannot open the SQLite store ${path}: ${causeOf(path, code)} (SQLite: ${said})`;
}

function causeOf(path: string, sqliteCode: unknown): string {
  if (sqliteCode === 'SQLITE_NOTADB') return 'the file is not a SQLite database';
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? creationProblem(path) : `it cannot be read (${code ?? String(error)})`;
  }
  if (isDirectory) return `it is a directory; give a file in it, e.g. sqlite:${join(path, 'clickstream.db')}`;
  return 'the file or its folder refuses this process (permissions, a read-only file system, or a lock)';
}

/**
 * Why the file cannot be created: creating it as SQLite would tells the system's reason (a missing or
 * read-only folder, one of /proc or /sys). A file this makes is removed again at once.
 */
function creationProblem(path: string): string {
  const folder = dirname(path);
  try {
    closeSync(openSync(path, 'wx'));
    unlinkSync(path);
  } catch (error) {
    // "ENOENT: no such file or directory, open '/proc/x.db'": the system's words, without the path again.
    const said = error instanceof Error ? error.message.replace(/, \w+ '.*'$/, '') : String(error);
    return `no file can be created in ${folder} (${said})`;
  }
  return `the file could be created in ${folder}, so the cause is elsewhere`;
}
