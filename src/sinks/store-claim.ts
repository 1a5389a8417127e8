import { hostname } from 'node:os';
import { type JobIdentity, STDIN_INPUT, describeIdentity, differencesOf, encodeIdentity } from './identity';
import { StoreRefusal } from './refusal';

/**
 * The rules that keep a store whole (§4.1): it holds one job, written by one process at a time (or by
 * the instances of one scaled-out Kafka job, in a store that merges their shares). Each store keeps
 * the records; these pure functions judge them.
 */

/** A process writing a store, as the store records it. */
export interface WriterClaim {
  readonly host: string;
  readonly pid: number;
  /** When it started writing the store (ms). */
  readonly since: number;
  /** When it last said it is alive (ms). */
  readonly heartbeatAt: number;
  readonly identity: JobIdentity;
}

/** How often a writer renews its claim. */
export const HEARTBEAT_MS = 5_000;
/** A claim not renewed for this long is a dead writer's (on another host; on this one its missing process says so at once). */
export const CLAIM_EXPIRES_MS = 30_000;

/** The store, as messages name it, and how to name another one. */
export interface StoreNames {
  /** e.g. `sqlite:./data/clickstream.db`, `Cassandra keyspace csc8101`. */
  readonly store: string;
  /** e.g. `--sink sqlite:OTHER.db`, `--keyspace OTHER`. */
  readonly another: string;
}

export function ownClaim(identity: JobIdentity, now = Date.now()): WriterClaim {
  return { host: hostname(), pid: process.pid, since: now, heartbeatAt: now, identity };
}

export function isOwnClaim(claim: WriterClaim): boolean {
  return claim.host === hostname() && claim.pid === process.pid;
}

/** Whether the process exists on this host (EPERM: it does, as another user's). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the claim's writer may still be writing: it renewed its claim lately, and on this host its process exists. */
export function isAlive(claim: WriterClaim, now = Date.now(), exists: (pid: number) => boolean = processExists): boolean {
  if (now - claim.heartbeatAt > CLAIM_EXPIRES_MS) return false;
  return claim.host !== hostname() || exists(claim.pid);
}

/** Whether two live writers may write one store at once: instances of one Kafka job, in a store that merges their shares. */
export function mayWriteTogether(a: WriterClaim, b: WriterClaim, mergesShares: boolean): boolean {
  return mergesShares && a.identity.group !== null && encodeIdentity(a.identity) === encodeIdentity(b.identity);
}

/** Of two claims that may not write together, the one that gives way: the later (ties: the larger host:pid). */
export function givesWay(mine: WriterClaim, other: WriterClaim): boolean {
  if (mine.since !== other.since) return mine.since > other.since;
  return `${mine.host}:${mine.pid}` > `${other.host}:${other.pid}`;
}

/**
 * Why a run of `wanted` may not write a store that records `stored` (null: nothing recorded), or null
 * when it may: another job; windows of no recorded job (an older build's); or a second run from stdin,
 * which cannot be told from a different input.
 */
export function identityRefusal(names: StoreNames, stored: JobIdentity | null, wanted: JobIdentity, holdsWindows: boolean): StoreRefusal | null {
  const reset = `run once with --reset to clear it and rebuild every window under this run's flags${
    wanted.group === null ? '' : ' (the Kafka group then reads again from its earliest offsets)'
  }, or write ${names.another}`;
  if (stored === null) {
    if (!holdsWindows) return null;
    return new StoreRefusal(`${names.store} holds windows but no record of the job that wrote them (an older build wrote it): ${reset}`, 2);
  }
  const differences = differencesOf(stored, wanted);
  if (differences.length > 0) {
    return new StoreRefusal(
      `${names.store} ${holdsWindows ? 'holds the windows of' : 'is kept for'} another job (${differences.join('; ')}). A store holds one job: ${reset}`,
      2,
    );
  }
  if (wanted.input === STDIN_INPUT && holdsWindows) {
    return new StoreRefusal(
      `${names.store} holds windows read from standard input, and this run cannot tell whether its input is the same: its windows ` +
        `would replace those of the same ends. To load more input, read it all in one run; ${reset}`,
      2,
    );
  }
  return null;
}

/** The refusal of a run that would write a store `other` is writing. */
export function writerRefusal(names: StoreNames, other: WriterClaim): StoreRefusal {
  const since = new Date(other.since).toISOString();
  return new StoreRefusal(
    `${names.store} is being written by another process: pid ${other.pid} on ${other.host}, since ${since} (${describeIdentity(other.identity)}). ` +
      `Stop it first, or write ${names.another}; a writer that died no longer counts (at once on this host, ` +
      `${CLAIM_EXPIRES_MS / 1000} s after its last sign of life elsewhere)`,
    1,
  );
}
