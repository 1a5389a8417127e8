import type { WindowRows } from '../../windows/window';
import type { MergedPartials } from './partials';
import { CASSANDRA_TABLES, type CassandraTable } from './schema';
import { CLIENT_BUCKETS, bucketOfBytes, dayOf } from './partitions';
import { TextValues, bigintValue, intValue, textValue } from './values';

export interface Statement {
  readonly query: string;
  readonly params: unknown[];
}

/**
 * One request: a lone statement, or an unlogged batch whose statements all hit one partition. Its
 * write timestamp (µs) goes once in the request as the default timestamp (protocol v3+), not as a
 * `USING TIMESTAMP ?` value in every row.
 */
export interface Request {
  readonly statements: readonly Statement[];
  readonly timestamp: number;
}

/**
 * Rows per single-partition batch: one mutation on the replica and far fewer requests (500 took a
 * third less server CPU than 100 for a 60k-row window). At most ~3 KiB a row, a batch stays well
 * under the 16 MiB mutation and frame limits; single-partition batches are exempt from batch size warnings.
 */
const BATCH_ROWS = 500;

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

/** What an earlier write of the same window left: its topics and its insert timestamp. */
export interface PreviousWrite {
  readonly topics: readonly string[];
  readonly writtenAt: number;
}

/** topic → what topic_latest_window must hold after this write (null: no row); other topics keep theirs. */
export type LatestChanges = ReadonlyMap<string, number | null>;

/**
 * A window in two waves. `rows` deletes at `t` everything an earlier write of the window left and
 * inserts the new rows at t + 1, so the order requests land in does not matter. `index` then makes
 * the window findable (windows, topic_windows, topic_latest_window), so the recommender never finds a
 * window whose rows are still on their way.
 */
export interface WindowPlan {
  readonly rows: Request[];
  readonly index: Request[];
}

export function planWindow(
  cql: WriteCql,
  window: WindowRows,
  previousTopics: readonly string[],
  latest: LatestChanges,
  t: number,
): WindowPlan {
  const end = window.windowEnd;
  const deletes: Request[] = [
    { query: cql.deleteVisitors, params: [end] },
    ...Array.from({ length: CLIENT_BUCKETS }, (_, bucket) => ({ query: cql.deleteVisits, params: [end, bucket] })),
    ...topicWindowDeletes(cql, end, previousTopics),
  ].map((statement) => alone(statement, t));
  const rows = new RowValues(window);
  const inserts = [...visitorBatches(cql, window, rows), ...visitBatches(cql, window, rows)];
  return {
    rows: [...deletes, ...inserts.map((statements) => ({ statements, timestamp: t + 1 }))],
    index: indexOf(cql, window, latest, t + 1),
  };
}

/**
 * A window merged from the partitions' shares, as planWindow but for client_page_visits: the shares
 * upserted those rows themselves, and no bucket is deleted, since a share's rows are the same whoever
 * writes them. Only the window's statics go there, into the buckets that hold rows (a static in an
 * empty partition would read as a row of nulls).
 */
export function planMergedWindow(
  cql: WriteCql,
  window: MergedPartials,
  previousTopics: readonly string[],
  latest: LatestChanges,
  t: number,
): WindowPlan {
  const deletes = [{ query: cql.deleteVisitors, params: [window.windowEnd] }, ...topicWindowDeletes(cql, window.windowEnd, previousTopics)];
  const rows = new RowValues(window);
  const statics = window.buckets.map((bucket) => [visitsStatics(cql, rows, bucket)]);
  const inserts = [...visitorBatches(cql, window, rows), ...statics];
  return {
    rows: [...deletes.map((statement) => alone(statement, t)), ...inserts.map((statements) => ({ statements, timestamp: t + 1 }))],
    index: indexOf(cql, window, latest, t + 1),
  };
}

/** One partition's share of a window's client_page_visits rows: upserts in bucket batches, no statics. */
export function planShareRows(cql: WriteCql, window: WindowRows, share: WindowRows['clientPageVisits'], t: number): Request[] {
  const batches = visitsByBucket(cql, share, new RowValues(window)).flatMap((statements) => chunks(statements, BATCH_ROWS));
  return batches.map((statements) => ({ statements, timestamp: t }));
}

/** What a window's page_unique_visitors and index rows are made of; a merged window has no client rows of its own. */
export type WindowTotals = Omit<WindowRows, 'clientPageVisits' | 'columns'>;

function topicWindowDeletes(cql: WriteCql, end: number, previousTopics: readonly string[]): Statement[] {
  return previousTopics.map((topic) => ({ query: cql.deleteTopicWindow, params: [topic, dayOf(end), end] }));
}

/** windows, topic_windows and topic_latest_window: what makes the window findable. */
function indexOf(cql: WriteCql, window: WindowTotals, latest: LatestChanges, timestamp: number): Request[] {
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
  return { statements: [statement], timestamp };
}

/** The distinct topics with rows in the window. */
export function topicsOf(window: WindowTotals): string[] {
  return [...new Set(window.pageUniqueVisitors.topics)];
}

/** The values a window's row inserts share, in wire form (values.ts). */
class RowValues {
  readonly end: Buffer;
  readonly start: Buffer;
  readonly ts: Buffer;
  readonly buckets = Array.from({ length: CLIENT_BUCKETS }, (_, bucket) => intValue(bucket));
  readonly names = new TextValues();

  constructor(window: WindowTotals) {
    this.end = bigintValue(window.windowEnd);
    this.start = bigintValue(window.windowStart);
    this.ts = bigintValue(window.windowTs);
  }
}

function visitorBatches(cql: WriteCql, window: WindowTotals, values: RowValues): Statement[][] {
  const { topics, pages, visitors } = window.pageUniqueVisitors;
  const { end, names } = values;
  const statements = topics.map((topic, i) => ({
    query: cql.insertVisitors,
    params: [end, names.of(topic), names.of(pages[i]), intValue(visitors[i])],
  }));
  const statics = { query: cql.insertVisitorsStatic, params: [end, values.start, values.ts] };
  return withStatics(chunks(statements, BATCH_ROWS), statics);
}

function visitBatches(cql: WriteCql, window: WindowRows, values: RowValues): Statement[][] {
  return visitsByBucket(cql, window.clientPageVisits, values).flatMap((statements, bucket) =>
    withStatics(chunks(statements, BATCH_ROWS), visitsStatics(cql, values, bucket)));
}

/** Row inserts of client_page_visits, by bucket. */
function visitsByBucket(cql: WriteCql, rows: WindowRows['clientPageVisits'], values: RowValues): Statement[][] {
  const { clientIds, topics, pages, visits } = rows;
  const { end, buckets, names } = values;
  const byBucket: Statement[][] = Array.from({ length: CLIENT_BUCKETS }, () => []);
  clientIds.forEach((clientId, i) => {
    const client = textValue(clientId);
    const bucket = bucketOfBytes(client);
    byBucket[bucket].push({
      query: cql.insertVisits,
      params: [end, buckets[bucket], client, names.of(topics[i]), names.of(pages[i]), intValue(visits[i])],
    });
  });
  return byBucket;
}

function visitsStatics(cql: WriteCql, values: RowValues, bucket: number): Statement {
  return { query: cql.insertVisitsStatic, params: [values.end, values.buckets[bucket], values.start, values.ts] };
}

/** The partition's static columns ride in its first batch. */
function withStatics(batches: Statement[][], statics: Statement): Statement[][] {
  if (batches.length > 0) batches[0].unshift(statics);
  return batches;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/** Parallel column arrays of unequal length are an upstream bug: refuse the window whole. */
export function assertColumnsAlign(window: WindowRows): void {
  const { clientIds, topics, pages, visits } = window.clientPageVisits;
  const visitors = window.pageUniqueVisitors;
  const lengths = [clientIds.length, topics.length, pages.length, visits.length];
  const pageLengths = [visitors.topics.length, visitors.pages.length, visitors.visitors.length];
  if (new Set(lengths).size > 1 || new Set(pageLengths).size > 1) {
    throw new Error(`window ending ${window.windowEnd}: its column arrays differ in length`);
  }
}
