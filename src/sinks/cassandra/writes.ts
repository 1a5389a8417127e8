import type { WindowRows } from '../../windows/window';
import { CASSANDRA_TABLES, type CassandraTable } from '../../stores/cassandra/schema';
import { CLIENT_BUCKETS, bucketOfBytes, dayOf } from '../../stores/cassandra/partitions';
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
    saveProgress: insertCql(keyspace, 'progress'),
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
  const day = dayOf(end);
  const deletes: Request[] = [
    { query: cql.deleteVisitors, params: [end] },
    ...Array.from({ length: CLIENT_BUCKETS }, (_, bucket) => ({ query: cql.deleteVisits, params: [end, bucket] })),
    ...previousTopics.map((topic) => ({ query: cql.deleteTopicWindow, params: [topic, day, end] })),
  ].map((statement) => alone(statement, t));
  const topics = topicsOf(window);
  const times = [window.windowStart, end, window.windowTs];
  const index: Request[] = [
    { query: cql.insertWindow, params: [day, ...times, window.events, topics] },
    ...topics.map((topic) => ({ query: cql.insertTopicWindow, params: [topic, day, end] })),
    ...[...latest].map(([topic, latestEnd]) =>
      latestEnd === null
        ? { query: cql.deleteTopicLatest, params: [topic] }
        : { query: cql.insertTopicLatest, params: [topic, latestEnd] }),
  ].map((statement) => alone(statement, t + 1));
  const rows = new RowValues(window);
  const inserts = [...visitorBatches(cql, window, rows), ...visitBatches(cql, window, rows)];
  return { rows: [...deletes, ...inserts.map((statements) => ({ statements, timestamp: t + 1 }))], index };
}

/** A request of one statement. */
export function alone(statement: Statement, timestamp: number): Request {
  return { statements: [statement], timestamp };
}

/** The distinct topics with rows in the window. */
export function topicsOf(window: WindowRows): string[] {
  return [...new Set(window.pageUniqueVisitors.topics)];
}

/** The values a window's row inserts share, in wire form (see cassandra-values). */
class RowValues {
  readonly end: Buffer;
  readonly start: Buffer;
  readonly ts: Buffer;
  readonly buckets = Array.from({ length: CLIENT_BUCKETS }, (_, bucket) => intValue(bucket));
  readonly names = new TextValues();

  constructor(window: WindowRows) {
    this.end = bigintValue(window.windowEnd);
    this.start = bigintValue(window.windowStart);
    this.ts = bigintValue(window.windowTs);
  }
}

function visitorBatches(cql: WriteCql, window: WindowRows, values: RowValues): Statement[][] {
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
  const { clientIds, topics, pages, visits } = window.clientPageVisits;
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
  return byBucket.flatMap((statements, bucket) => {
    const statics = { query: cql.insertVisitsStatic, params: [end, buckets[bucket], values.start, values.ts] };
    return withStatics(chunks(statements, BATCH_ROWS), statics);
  });
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
