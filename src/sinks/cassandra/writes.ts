import { columnsOf, type WindowRows } from '../../windows/window';
import type { ClientRows, MergedPartials } from './partials';
import { type RowEncoding, RowValues, visitBatchesByBucket, visitorBatches, visitsStatics } from './row-batches';
import type { EncodedRows, Statement } from './statement-bytes';
import { CASSANDRA_TABLES, type CassandraTable } from './schema';
import { CLIENT_BUCKETS, dayOf } from './partitions';

/**
 * One request: a lone statement, or an unlogged batch of one partition's row inserts, already
 * encoded (statement-bytes.ts). Its write timestamp (µs) goes once in the request as the default
 * timestamp (protocol v3+), not as a `USING TIMESTAMP ?` value in every row.
 */
export type Request =
  | { readonly statement: Statement; readonly timestamp: number }
  | { readonly rows: EncodedRows; readonly timestamp: number };

function insertCql(keyspace: string, table: CassandraTable, columns = Object.keys(CASSANDRA_TABLES[table].columns)): string {
  const marks = columns.map(() => '?').join(', ');
  return `INSERT INTO ${keyspace}.${table} (${columns.join(', ')}) VALUES (${marks})`;
}

/** The sink's prepared statements; each write's timestamp is its request's. */
export function writeCql(keyspace: string) {
  return {
    deleteVisitors: `DELETE FROM ${keyspace}.page_unique_visitors WHERE window_end = ?`,
    deleteVisits: `DELETE FROM ${keyspace}.client_page_visits WHERE window_end = ? AND bucket = ?`,
    deleteTopicWindow: `DELETE FROM ${keyspace}.topic_windows WHERE topic = ? AND day = ? AND window_end = ?`,
    insertVisitorsStatic: insertCql(keyspace, 'page_unique_visitors', ['window_end', 'window_start', 'window_ts']),
    insertVisitors: insertCql(keyspace, 'page_unique_visitors', ['window_end', 'topic', 'page', 'visitors']),
    insertVisitsStatic: insertCql(keyspace, 'client_page_visits', ['window_end', 'bucket', 'window_start', 'window_ts']),
    insertVisits: insertCql(keyspace, 'client_page_visits', ['window_end', 'bucket', 'client_id', 'topic', 'page', 'visits']),
    insertWindow: insertCql(keyspace, 'windows'),
    insertTopicWindow: insertCql(keyspace, 'topic_windows'),
    insertTopicLatest: insertCql(keyspace, 'topic_latest_window'),
    deleteTopicLatest: `DELETE FROM ${keyspace}.topic_latest_window WHERE topic = ?`,
    insertPartial: insertCql(keyspace, 'window_partials'),
    insertWholeMarker: insertCql(keyspace, 'window_partials', ['job', 'window_end', 'partition', 'window_start', 'events', 'min_ts']),
    insertPending: insertCql(keyspace, 'pending_windows'),
    deletePending: `DELETE FROM ${keyspace}.pending_windows WHERE job = ? AND window_end = ?`,
    saveDelivered: insertCql(keyspace, 'partition_progress', ['job', 'partition', 'delivered_through']),
    saveEnded: insertCql(keyspace, 'partition_progress', ['job', 'partition', 'ended']),
    saveMerged: insertCql(keyspace, 'partition_progress', ['job', 'merged_through']),
  } as const;
}

export type WriteCql = ReturnType<typeof writeCql>;

/** The statements row batches hold, encoded by the sink (statement-bytes.ts), so prepared when it opens. */
export function batchedInserts(cql: WriteCql): string[] {
  return [cql.insertVisits, cql.insertVisitsStatic, cql.insertVisitors, cql.insertVisitorsStatic];
}

/** What an earlier write of the same window left: its topics and its insert timestamp. */
export interface PreviousWrite {
  readonly topics: readonly string[];
  readonly writtenAt: number;
}

/** topic → what topic_latest_window must hold after this write (null: no row); other topics keep theirs. */
export type LatestChanges = ReadonlyMap<string, number | null>;

/**
 * A window is written in two waves. Its rows (planRows) delete at `t` everything an earlier write of
 * the window left and insert the new rows at t + 1, so the order requests land in does not matter.
 * Its index (planIndex) then makes the window findable (windows, topic_windows, topic_latest_window),
 * so the recommender never finds a window whose rows are still on their way.
 */
export function planRows(cql: WriteCql, window: WindowRows, previousTopics: readonly string[], t: number, encoding: RowEncoding): Request[] {
  const end = window.windowEnd;
  const deletes: Request[] = [
    { query: cql.deleteVisitors, params: [end] },
    ...Array.from({ length: CLIENT_BUCKETS }, (_, bucket) => ({ query: cql.deleteVisits, params: [end, bucket] })),
    ...topicWindowDeletes(cql, end, previousTopics),
  ].map((statement) => alone(statement, t));
  const values = new RowValues(window);
  const inserts = [...visitorBatches(cql, window, values, encoding.ids), ...visitBatchesByBucket(cql, window, values, encoding, true)];
  return [...deletes, ...inserts.map((rows) => ({ rows, timestamp: t + 1 }))];
}

/**
 * The rows of a window merged from the partitions' shares, as planRows but for client_page_visits:
 * the shares upserted those rows themselves, and no bucket is deleted, since a share's rows are the
 * same whoever writes them. Only the window's statics go there, into the buckets that hold rows (a
 * static in an empty partition would read as a row of nulls).
 */
export function planMergedRows(cql: WriteCql, window: MergedPartials, previousTopics: readonly string[], t: number, encoding: RowEncoding): Request[] {
  const deletes = [{ query: cql.deleteVisitors, params: [window.windowEnd] }, ...topicWindowDeletes(cql, window.windowEnd, previousTopics)];
  const values = new RowValues(window);
  const statics = window.buckets.map((bucket) => alone(visitsStatics(cql, values, bucket), t + 1));
  const visitors = visitorBatches(cql, window, values, encoding.ids).map((rows) => ({ rows, timestamp: t + 1 }));
  return [...deletes.map((statement) => alone(statement, t)), ...visitors, ...statics];
}

/** One partition's share of a window's client_page_visits rows: upserts in bucket batches, no statics. */
export function planShareRows(cql: WriteCql, window: WindowRows, share: ClientRows, t: number, encoding: RowEncoding): Request[] {
  const { windowStart, windowEnd, windowTs, events } = window;
  const shareWindow: WindowRows = { windowStart, windowEnd, windowTs, events, clientPageVisits: share, pageUniqueVisitors: NO_PAGES };
  return visitBatchesByBucket(cql, shareWindow, new RowValues(window), encoding, false).map((rows) => ({ rows, timestamp: t }));
}

const NO_PAGES: WindowRows['pageUniqueVisitors'] = { topics: [], pages: [], visitors: [] };

/** What a window's page_unique_visitors and index rows are made of; a merged window has no client rows of its own. */
export type WindowTotals = Omit<WindowRows, 'clientPageVisits' | 'columns'>;

function topicWindowDeletes(cql: WriteCql, end: number, previousTopics: readonly string[]): Statement[] {
  return previousTopics.map((topic) => ({ query: cql.deleteTopicWindow, params: [topic, dayOf(end), end] }));
}

/**
 * windows, topic_windows and topic_latest_window: what makes the window findable, at `timestamp`,
 * above its rows' (the deletes of topic_windows rows an earlier write listed went with them).
 */
export function planIndex(cql: WriteCql, window: WindowTotals, latest: LatestChanges, timestamp: number): Request[] {
  const end = window.windowEnd;
  const day = dayOf(end);
  const topics = topicsOf(window);
  const times = [window.windowStart, end, window.windowTs];
  return [
    { query: cql.insertWindow, params: [day, ...times, window.events, topics] },
    ...topics.map((topic) => ({ query: cql.insertTopicWindow, params: [topic, day, end] })),
    ...[...latest].map(([topic, latestEnd]) =>
      latestEnd === null
        ? { query: cql.deleteTopicLatest, params: [topic] }
        : { query: cql.insertTopicLatest, params: [topic, latestEnd] }),
  ].map((statement) => alone(statement, timestamp));
}

/** A request of one statement. */
export function alone(statement: Statement, timestamp: number): Request {
  return { statement, timestamp };
}

/** The distinct topics with rows in the window. */
export function topicsOf(window: WindowTotals): string[] {
  return [...new Set(window.pageUniqueVisitors.topics)];
}

/**
 * Parallel column arrays of unequal length are an upstream bug: refuse the window whole. The writer's
 * merged windows carry their columns, aligned by construction; columnsOf checks a window built by hand.
 */
export function assertColumnsAlign(window: WindowRows): void {
  columnsOf(window);
}
