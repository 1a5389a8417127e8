import type { types } from 'cassandra-driver';
import type { WindowRows } from '../../windows/window';
import type { PartitionScope, PartitionState } from '../sink';
import { numberOf, windowEndsOf } from './client';
import { forEachConcurrently } from './concurrency';
import { type ShareSummary, decodePages, encodePages, mergePartials, splitByPartition, summaryOf } from './partials';
import { completeThrough, deliveredOf, deliveredThrough, followThrough, holdsWholeWindow, statesAfterWrite } from '../partition-states';
import { type Session, reader, sendAll } from './session';
import { writeMergedWindow, writeWindows } from './window-write';
import { type Request, alone, assertColumnsAlign, planShareRows, topicsOf } from './writes';

/** The scope of a job whose progress is kept: a Kafka job's, by group and topic. */
export type JobScope = PartitionScope & { readonly job: string };

/**
 * Shared mode in Cassandra (docs/scale-out.md): each instance writes its partitions' shares of a
 * window and records how far each partition delivered; whichever instance then sees every partition
 * past a window merges its shares into the window's rows. No coordinator and no LWT: every write is
 * idempotent, and merging twice writes the same rows.
 */

/** window_partials' partition marking a window written whole (the fast path): no merge may replace its rows. */
const WHOLE_WINDOW = -1;

/** Pending windows a merge check reads at once; it reads on while a read comes back full. */
const PENDING_PER_READ = 1000;

interface JobProgress {
  readonly states: Map<number, PartitionState>;
  /** No window at or before it waits for a merge. */
  readonly mergedThrough: number;
}

export async function readPartitions(session: Session, job: string): Promise<Map<number, PartitionState>> {
  return (await readJobProgress(session, job, `reading the partitions of ${job} in ${session.keyspace}`)).states;
}

export async function writeShare(session: Session, windows: readonly WindowRows[], scope: JobScope, closedThrough: number, idle = false): Promise<void> {
  const where = `${scope.job} in ${session.keyspace}`;
  // A malformed window or bound fails the call before anything of it is written.
  windows.forEach(assertColumnsAlign);
  if (closedThrough !== Infinity && !Number.isSafeInteger(closedThrough)) {
    throw new Error(`writing the share of ${where}: ${closedThrough} is not a window end in ms`);
  }
  const whatOf = (window: WindowRows): string => `writing the share of ${where} of the window ending ${window.windowEnd}`;
  // Windows held whole go in runs, each window's rows on their way while the one before is indexed.
  let whole: WindowRows[] = [];
  const writeHeldWhole = async (): Promise<void> => {
    await writeWindows(session, whole, whatOf, (window) => markWhole(session, scope.job, window, whatOf(window)));
    whole = [];
  };
  for (const window of windows) {
    if (holdsWholeWindow(scope, window.windowEnd)) {
      whole.push(window);
      continue;
    }
    await writeHeldWhole();
    await sendAll(session, shareRequests(session, scope, window), whatOf(window));
  }
  await writeHeldWhole();
  // After the shares: a partition's progress never runs ahead of its durable shares.
  await sendAll(session, progressRequests(session, scope, statesAfterWrite(scope, windows, closedThrough, idle)), `recording the partitions of ${where}`);
  await mergeDelivered(session, scope, `merging the windows of ${where}`);
}

/**
 * Every partition of the instance is idle: they are recorded ended, so they hold no merge back, and the
 * merges that waited for them run. Windows of theirs still open in the instance may so be merged before
 * its share of them is written; its share comes with its next close (it follows within a tick), and
 * that window is merged again, whole: its pending row lies past merged_through, which never passes what
 * an owned partition delivered. Returns what the instance follows (followThrough).
 */
export async function follow(session: Session, scope: JobScope): Promise<number> {
  const what = `following the other instances of ${scope.job} in ${session.keyspace}`;
  const t = session.clock.next();
  await sendAll(session, scope.owned.map((partition) => alone({ query: session.writes.saveEnded, params: [scope.job, partition, true] }, t)), what);
  const states = await mergeDelivered(session, scope, what);
  return followThrough(states, scope.owned, scope.partitionCount);
}

/** After a window's whole write, its marker, so that no merge of stale shares replaces its rows. */
async function markWhole(session: Session, job: string, window: WindowRows, what: string): Promise<void> {
  const params = [job, window.windowEnd, WHOLE_WINDOW, window.windowStart, window.events, window.windowTs];
  await sendAll(session, [alone({ query: session.writes.insertWholeMarker, params }, session.clock.next())], what);
}

/**
 * The share of each owned partition that has rows in the window and had not delivered it: its client
 * rows (upserts; they are the same whoever writes them) and its summary; then the window's pending row.
 * Rows of partitions not owned can only be misplaced events, and are left out.
 */
function shareRequests(session: Session, scope: JobScope, window: WindowRows): Request[] {
  const { writes } = session;
  const end = window.windowEnd;
  const shares = splitByPartition(window.clientPageVisits, scope.partitionCount);
  const t = session.clock.next();
  const requests = scope.owned.flatMap((partition) => {
    const share = shares.get(partition);
    if (share === undefined || end <= deliveredOf(scope, partition)) return [];
    const summary = alone({ query: writes.insertPartial, params: partialParams(scope.job, end, summaryOf(window, partition, share)) }, t);
    return [...planShareRows(writes, window, share, t, session.encoding), summary];
  });
  if (requests.length === 0) return [];
  return [...requests, alone({ query: writes.insertPending, params: [scope.job, end, window.windowStart] }, t)];
}

function partialParams(job: string, windowEnd: number, share: ShareSummary): unknown[] {
  return [job, windowEnd, share.partition, share.windowStart, share.events, share.minTs, encodePages(share.pages), share.buckets];
}

/** What each owned partition delivered; `ended` at the write clock, as whether it ended is the latest owner's word. */
function progressRequests(session: Session, scope: JobScope, states: ReadonlyMap<number, PartitionState>): Request[] {
  const { writes } = session;
  const t = session.clock.next();
  return [...states].flatMap(([partition, state]) => {
    const ended = alone({ query: writes.saveEnded, params: [scope.job, partition, state.ended] }, t);
    if (state.delivered === -Infinity) return [ended];
    const delivered = alone({ query: writes.saveDelivered, params: [scope.job, partition, state.delivered] }, valueStamp(state.delivered));
    return [delivered, ended];
  });
}

/**
 * Merges every pending window that all partitions have delivered. The writer of the last share of a
 * window records its progress before it reads everyone's, at LOCAL_QUORUM: some instance sees it complete.
 * Returns every partition's state as read.
 */
async function mergeDelivered(session: Session, scope: JobScope, what: string): Promise<Map<number, PartitionState>> {
  const { writes } = session;
  const { states, mergedThrough } = await readJobProgress(session, scope.job, what);
  const complete = completeThrough(states, scope.partitionCount);
  let after = mergedThrough;
  const latest = new Map<string, number>();
  while (after < complete) {
    const params = [scope.job, boundOf(after), boundOf(complete), PENDING_PER_READ];
    const pending = (await reader(session, what)(session.reads.pendingWindows, params)).rows;
    for (const row of pending) {
      after = numberOf(row.get('window_end'));
      for (const topic of await mergeWindow(session, scope.job, after, what)) latest.set(topic, after);
      // At the time read: a share written since re-inserts the row later in time, and a later check merges again.
      await sendAll(session, [alone({ query: writes.deletePending, params: [scope.job, after] }, numberOf(row.get('written')))], what);
    }
    if (pending.length < PENDING_PER_READ) break;
  }
  await keepLatest(session, latest, what);
  const through = deliveredThrough(states, scope.partitionCount);
  if (Number.isFinite(through) && through > mergedThrough) {
    await sendAll(session, [alone({ query: writes.saveMerged, params: [scope.job, through] }, valueStamp(through))], what);
  }
  return states;
}

/** Merges the window's shares, unless it was written whole; returns the topics it wrote. */
async function mergeWindow(session: Session, job: string, windowEnd: number, what: string): Promise<string[]> {
  const rows = (await reader(session, what)(session.reads.windowPartials, [job, windowEnd])).rows;
  if (rows.length === 0 || rows.some((row) => row.get('partition') === WHOLE_WINDOW)) return [];
  const merged = mergePartials(windowEnd, rows.map(shareOf));
  await writeMergedWindow(session, merged, what);
  return topicsOf(merged);
}

/**
 * topic_latest_window is read, then written, per window. Two instances merging different windows at
 * once can interleave so that the older window's write lands last; so after its merges, an instance
 * moves each topic it wrote back up to the newest window it merged, if it finds it lower. The only
 * interleaving this misses needs another instance's whole index write between one read and the next
 * stamp of the write clock.
 */
async function keepLatest(session: Session, newest: ReadonlyMap<string, number>, what: string): Promise<void> {
  const read = reader(session, what);
  const behind: Request[] = [];
  await forEachConcurrently([...newest], 16, async ([topic, windowEnd]) => {
    const [latest] = windowEndsOf(await read(session.reads.latestWindowOfTopic, [topic]));
    if (latest === undefined || latest < windowEnd) {
      behind.push(alone({ query: session.writes.insertTopicLatest, params: [topic, windowEnd] }, session.clock.next()));
    }
  });
  await sendAll(session, behind, what);
}

function shareOf(row: types.Row): ShareSummary {
  return {
    partition: row.get('partition'),
    windowStart: numberOf(row.get('window_start')),
    events: numberOf(row.get('events')),
    minTs: numberOf(row.get('min_ts')),
    pages: decodePages(row.get('pages')),
    buckets: row.get('buckets') ?? [],
  };
}

async function readJobProgress(session: Session, job: string, what: string): Promise<JobProgress> {
  const rows = (await reader(session, what)(session.reads.partitionProgress, [job])).rows;
  const states = new Map<number, PartitionState>();
  for (const row of rows) {
    const delivered = row.get('delivered_through');
    states.set(row.get('partition'), { delivered: delivered === null ? -Infinity : numberOf(delivered), ended: row.get('ended') === true });
  }
  const merged = rows[0]?.get('merged_through') ?? null;
  return { states, mergedThrough: merged === null ? -Infinity : numberOf(merged) };
}

/** A write stamped with its own value (ms → µs), so the highest value wins whoever writes last. */
function valueStamp(ms: number): number {
  return ms * 1000;
}

/** ±Infinity as a bigint bound: window ends are safe integers. */
function boundOf(ms: number): number {
  return Math.min(Math.max(ms, Number.MIN_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
}
