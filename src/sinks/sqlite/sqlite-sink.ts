import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type JobIdentity, encodeIdentity } from '../identity';
import { ownsEveryPartition } from '../partition-states';
import type { PartitionState, Sink } from '../sink';
import { HEARTBEAT_MS, type StoreNames } from '../store-claim';
import { openingSqlite } from './open-error';
import { RESET_TABLES, schemaSql } from './schema';
import { SqliteClaim, refuseIfWritten } from './store-records';
import { type WriteWindows, prepareReadPartitions, prepareWriteWindows } from './window-writes';

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
  // Another process's claim check holds the write lock only for a moment.
  db.pragma('busy_timeout = 5000');
  return db;
}

interface OpenDatabase {
  readonly db: Database.Database;
  readonly claim: SqliteClaim;
  readonly heartbeat: NodeJS.Timeout;
  readonly writeWindows: WriteWindows;
  readonly readPartitions: (job: string) => Map<number, PartitionState>;
  /** Started with the first write. */
  checkpointer: Worker | null;
}

function namesOf(path: string): StoreNames {
  return { store: `sqlite:${path}`, another: 'another file (--sink sqlite:OTHER.db)' };
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

/**
 * The embedded sink (`--sink sqlite:PATH`). Synchronous under the hood: it runs in the writer thread.
 * Opening it claims the file for `identity`'s job (store-records.ts): a file of another job, or one
 * another process writes, refuses the run before anything is written.
 */
export function createSqliteSink(path: string, identity: JobIdentity): Sink {
  let opened: OpenDatabase | undefined;
  const ready = (): OpenDatabase => {
    if (opened === undefined) throw new Error(`sqlite sink ${path} is not open`);
    return opened;
  };
  return {
    keepsProgress: true,
    async open() {
      const db = openingSqlite(path, () => openDatabase(path));
      try {
        const claim = new SqliteClaim(db, namesOf(path), identity, () => db.exec(schemaSql()));
        const heartbeat = setInterval(() => claim.heartbeat(), HEARTBEAT_MS);
        heartbeat.unref();
        const writeWindows = prepareWriteWindows(db, () => claim.recordJobOnce());
        opened = { db, claim, heartbeat, writeWindows, readPartitions: prepareReadPartitions(db), checkpointer: null };
      } catch (error) {
        db.close();
        throw error;
      }
    },
    async write(windows, scope, closedThrough) {
      if (!ownsEveryPartition(scope)) throw new Error(`the SQLite sink ${path} cannot merge the shares of several instances`);
      const current = ready();
      current.writeWindows(windows, scope, closedThrough);
      (current.checkpointer ??= startCheckpointer(path)).postMessage('checkpoint');
    },
    async readPartitions(job) {
      return ready().readPartitions(job);
    },
    // One instance owns every partition: it follows nobody.
    follow: async () => -Infinity,
    reset(job, partitionCount, rewind) {
      return resetFile(path, identity, job, partitionCount, rewind);
    },
    async close() {
      const current = opened;
      opened = undefined;
      if (current === undefined) return;
      clearInterval(current.heartbeat);
      if (current.checkpointer !== null) await stopCheckpointer(current.checkpointer);
      current.claim.release();
      // The last connection to close checkpoints what is left and removes the WAL.
      current.db.close();
    },
  };
}

/** --reset (Sink.reset): empties the file's tables and progress and records `identity`'s job. */
async function resetFile(path: string, identity: JobIdentity, job: string | null, partitionCount: number, rewind: () => Promise<void>): Promise<string[]> {
  const names = namesOf(path);
  const db = openDatabase(path);
  try {
    const removed = db
      .transaction(() => {
        refuseIfWritten(db, names);
        db.exec(schemaSql());
        const counts = RESET_TABLES.filter((table) => table !== 'store_job').map(
          (table) => `${(db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number).toLocaleString('en')} ${table} rows`,
        );
        for (const table of RESET_TABLES) db.exec(`DELETE FROM ${table}`);
        db.prepare('INSERT INTO store_job (id, identity, recorded_at) VALUES (1, ?, ?)').run(encodeIdentity(identity), Date.now());
        return counts;
      })
      .immediate();
    await rewind();
    const progress = db.prepare('INSERT INTO partition_progress (job, partition, delivered_through, ended) VALUES (?, ?, NULL, 0)');
    if (job !== null) db.transaction(() => {
      for (let partition = 0; partition < partitionCount; partition++) progress.run(job, partition);
    })();
    return [`${names.store}: removed ${removed.join(', ')}; it now holds this job, with nothing written yet`];
  } finally {
    db.close();
  }
}
