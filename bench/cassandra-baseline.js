'use strict';
// The store baseline for Cassandra: the rows a job wrote (stored-rows.js) written straight through
// cassandra-driver, as fast as it goes: prepared statements, values already in wire form, unlogged
// batches each of one partition's rows in clustering order (up to `batchRows`), requests in flight
// across windows, no engine in front. The same tables the sink writes: the three result tables with
// their static columns, the index tables (windows, topic_windows, topic_latest_window) and the job's
// progress per input partition, at LOCAL_QUORUM. No reads and no deletes: a first write of every
// window, in no particular order.
const { Client, types } = require('cassandra-driver');
const { createSchema } = require('../dist/sinks/cassandra/setup');
const { DEFAULT_RETRY, withRetry } = require('../dist/sinks/cassandra/retry');
const { CLIENT_BUCKETS, bucketOfBytes, dayOf } = require('../dist/sinks/cassandra/partitions');
const { clientOf, topicsOf } = require('./stored-rows');

const OPTIONS = { prepare: true, consistency: types.consistencies.localQuorum, isIdempotent: true };

function bigint(value) {
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeBigInt64BE(BigInt(value));
  return bytes;
}

const INTS = Array.from({ length: 256 }, (_, value) => {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeInt32BE(value);
  return bytes;
});

function int(value) {
  if (value < INTS.length) return INTS[value];
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeInt32BE(value);
  return bytes;
}

function cqlOf(keyspace) {
  return {
    visits: `INSERT INTO ${keyspace}.client_page_visits (window_end, bucket, client_id, topic, page, visits) VALUES (?, ?, ?, ?, ?, ?)`,
    visitsStatics: `INSERT INTO ${keyspace}.client_page_visits (window_end, bucket, window_start, window_ts) VALUES (?, ?, ?, ?)`,
    visitors: `INSERT INTO ${keyspace}.page_unique_visitors (window_end, topic, page, visitors) VALUES (?, ?, ?, ?)`,
    visitorsStatics: `INSERT INTO ${keyspace}.page_unique_visitors (window_end, window_start, window_ts) VALUES (?, ?, ?)`,
    window: `INSERT INTO ${keyspace}.windows (day, window_start, window_end, window_ts, events, topics) VALUES (?, ?, ?, ?, ?, ?)`,
    topicWindow: `INSERT INTO ${keyspace}.topic_windows (topic, day, window_end) VALUES (?, ?, ?)`,
    topicLatest: `INSERT INTO ${keyspace}.topic_latest_window (topic, window_end) VALUES (?, ?)`,
    progress: `INSERT INTO ${keyspace}.partition_progress (job, partition, delivered_through, ended) VALUES (?, ?, ?, ?)`,
  };
}

/** Row numbers of the window's client_page_visits by bucket, each bucket still in key order. */
function rowsByBucket(visits) {
  const byBucket = Array.from({ length: CLIENT_BUCKETS }, () => []);
  for (let k = 0; k < visits.count; k++) byBucket[bucketOfBytes(clientOf(visits, k))].push(k);
  return byBucket;
}

/** Every request of the window: its statements (a batch when more than one, all of one partition). */
function* requestsOf(cql, stored, window, encoded, { batchRows, partitions, job }) {
  const end = bigint(window.windowEnd);
  const start = bigint(window.windowStart);
  const ts = bigint(window.windowTs);
  const { visits, visitors } = window;
  for (const [bucket, rows] of rowsByBucket(visits).entries()) {
    const b = int(bucket);
    for (let from = 0; from < rows.length; from += batchRows) {
      const batch = from === 0 ? [{ query: cql.visitsStatics, params: [end, b, start, ts] }] : [];
      for (const k of rows.slice(from, from + batchRows)) {
        batch.push({ query: cql.visits, params: [end, b, clientOf(visits, k), encoded[visits.topics[k]], encoded[visits.pages[k]], int(visits.counts[k])] });
      }
      yield batch;
    }
  }
  for (let from = 0; from < visitors.count; from += batchRows) {
    const batch = from === 0 ? [{ query: cql.visitorsStatics, params: [end, start, ts] }] : [];
    for (let k = from; k < Math.min(from + batchRows, visitors.count); k++) {
      batch.push({ query: cql.visitors, params: [end, encoded[visitors.topics[k]], encoded[visitors.pages[k]], int(visitors.counts[k])] });
    }
    yield batch;
  }
  const day = bigint(dayOf(window.windowEnd));
  const windowTopics = topicsOf(stored, window);
  yield [{ query: cql.window, params: [day, start, end, ts, bigint(window.events), windowTopics] }];
  for (const topic of windowTopics) {
    yield [{ query: cql.topicWindow, params: [topic, day, end] }];
    yield [{ query: cql.topicLatest, params: [topic, end] }];
  }
  for (let partition = 0; partition < partitions; partition++) yield [{ query: cql.progress, params: [job, partition, end, false] }];
}

/** One request, retried as the sink retries its own (a timeout on a busy node is worth another try). */
function send(client, statements) {
  return withRetry('the store baseline', () => statements.length === 1
    ? client.execute(statements[0].query, statements[0].params, OPTIONS)
    : client.batch(statements, { ...OPTIONS, logged: false }));
}

/**
 * Writes every stored row into `keyspace` (dropped and made afresh first) at `contact`, `inFlight`
 * requests at once; resolves with the rows written and the seconds the writes took (not the schema).
 */
async function writeToCassandra(stored, { contact, keyspace, batchRows = 4000, inFlight = 32, partitions = 3, job = 'bench/baseline' }) {
  const client = new Client({ contactPoints: [contact], localDataCenter: 'datacenter1' });
  await client.connect();
  try {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await createSchema(client, keyspace, DEFAULT_RETRY);
    const cql = cqlOf(keyspace);
    const encoded = stored.names.map((name) => Buffer.from(name, 'utf8'));
    const requests = (function* all() {
      for (const window of stored.windows) yield* requestsOf(cql, stored, window, encoded, { batchRows, partitions, job });
    })();
    const started = process.hrtime.bigint();
    const lane = async () => {
      for (let next = requests.next(); !next.done; next = requests.next()) await send(client, next.value);
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { rows: stored.rows, seconds, rowsPerSecond: stored.rows / seconds };
  } finally {
    await client.shutdown();
  }
}

module.exports = { writeToCassandra };
