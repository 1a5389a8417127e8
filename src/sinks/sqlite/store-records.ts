import type Database from 'better-sqlite3';
import { type JobIdentity, decodeIdentity, encodeIdentity } from '../identity';
import { type StoreNames, type WriterClaim, identityRefusal, isAlive, isOwnClaim, ownClaim, writerRefusal } from '../store-claim';

/**
 * The SQLite store's own records beside its tables (schema.ts): the job it holds (`store_job`, written
 * with the first write) and the process writing it (`store_writer`, renewed while it writes).
 */

interface WriterRow {
  readonly host: string;
  readonly pid: number;
  readonly since: number;
  readonly heartbeat_at: number;
  readonly identity: string;
}

function hasTable(db: Database.Database, table: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
}

/** The job the store records, or null (a new store, or an older build's). */
export function recordedJob(db: Database.Database, where: string): JobIdentity | null {
  if (!hasTable(db, 'store_job')) return null;
  const text = db.prepare('SELECT identity FROM store_job WHERE id = 1').pluck().get() as string | undefined;
  return text === undefined ? null : decodeIdentity(text, where);
}

/** Whether the store holds any window. */
export function holdsWindows(db: Database.Database): boolean {
  return hasTable(db, 'windows') && db.prepare('SELECT 1 FROM windows LIMIT 1').get() !== undefined;
}

/** The process that claims to write the store, or null. */
function recordedWriter(db: Database.Database, where: string): WriterClaim | null {
  if (!hasTable(db, 'store_writer')) return null;
  const row = db.prepare('SELECT host, pid, since, heartbeat_at, identity FROM store_writer WHERE id = 1').get() as WriterRow | undefined;
  if (row === undefined) return null;
  return { host: row.host, pid: row.pid, since: row.since, heartbeatAt: row.heartbeat_at, identity: decodeIdentity(row.identity, where) };
}

/** Throws the StoreRefusal of another live writer, if one claims the store. */
export function refuseIfWritten(db: Database.Database, names: StoreNames): void {
  const writer = recordedWriter(db, names.store);
  if (writer !== null && !isOwnClaim(writer) && isAlive(writer)) throw writerRefusal(names, writer);
}

/**
 * This process's claim on the store, taken in one IMMEDIATE transaction with the checks, so two
 * processes opening at once cannot both pass them: the store must hold `identity`'s job or none, and
 * no other live process may be writing it. Renew it every HEARTBEAT_MS; release it on close.
 */
export class SqliteClaim {
  private readonly renew: Database.Statement;
  private readonly release_: Database.Statement;
  private readonly recordJob: Database.Statement;
  private jobRecorded: boolean;
  private readonly claim: WriterClaim;

  constructor(
    db: Database.Database,
    names: StoreNames,
    private readonly identity: JobIdentity,
    /** Brings the file's tables up to date, once the checks pass. */
    createTables: () => void,
  ) {
    const claim = (this.claim = ownClaim(identity));
    const take = db.transaction(() => {
      const refusal = identityRefusal(names, recordedJob(db, names.store), identity, holdsWindows(db));
      if (refusal !== null) throw refusal;
      refuseIfWritten(db, names);
      createTables();
      db.prepare('INSERT OR REPLACE INTO store_writer (id, host, pid, since, heartbeat_at, identity) VALUES (1, ?, ?, ?, ?, ?)').run(
        claim.host, claim.pid, claim.since, claim.heartbeatAt, encodeIdentity(identity),
      );
      return recordedJob(db, names.store) !== null;
    });
    this.jobRecorded = take.immediate();
    this.renew = db.prepare('UPDATE store_writer SET heartbeat_at = ? WHERE id = 1 AND host = ? AND pid = ?');
    this.release_ = db.prepare('DELETE FROM store_writer WHERE id = 1 AND host = ? AND pid = ?');
    this.recordJob = db.prepare('INSERT OR REPLACE INTO store_job (id, identity, recorded_at) VALUES (1, ?, ?)');
  }

  /** Inside the first write's transaction: the store records its job with its first rows. */
  recordJobOnce(): void {
    if (this.jobRecorded) return;
    this.recordJob.run(encodeIdentity(this.identity), Date.now());
    this.jobRecorded = true;
  }

  heartbeat(): void {
    this.renew.run(Date.now(), this.claim.host, this.claim.pid);
  }

  release(): void {
    this.release_.run(this.claim.host, this.claim.pid);
  }
}
