import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * The SQLite sink's checkpointer thread: on each 'checkpoint' message it copies the WAL's committed
 * pages into the database file (PRAGMA wal_checkpoint(PASSIVE), on a connection of its own), so the
 * writer thread does not: copying every page a second time and its fsync took about a quarter of the
 * writer's time. PASSIVE waits for nobody, and the writer keeps appending meanwhile; messages that came
 * while a checkpoint ran are answered by the next one. On 'close' it closes its connection and exits.
 */
const port = parentPort!;
const db = new Database((workerData as { path: string }).path);
db.pragma('busy_timeout = 5000');

let pending = false;
let closing = false;

function run(): void {
  while (pending && !closing) {
    pending = false;
    db.pragma('wal_checkpoint(PASSIVE)');
  }
}

port.on('message', (message: 'checkpoint' | 'close') => {
  if (message === 'close') {
    closing = true;
    db.close();
    port.close();
    return;
  }
  pending = true;
  // Coalesce: what queued up while a checkpoint ran is one more checkpoint, not one each.
  setImmediate(run);
});
