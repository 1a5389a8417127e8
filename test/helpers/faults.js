'use strict';
// Shared by test/integration/fuzz.test.js and test/faults/*.test.js: filling Kafka topics with known
// offsets, reading the Kafka group's commits and the sinks' tables back, stopping/starting the local
// services, and the fault tests' workload and checks. Running the CLI is cli.js's; waiting, wait.js's.
const assert = require('uvu/assert');
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Kafka, logLevel } = require('kafkajs');
const cassandra = require('cassandra-driver');
const { KAFKA_BROKERS, CASSANDRA_CONTACT, LOCAL_DC } = require('./services');
const { referenceRows, sortRows } = require('./reference');
const { makeEvents, toLine } = require('./events');
const { ROOT, startMain, endedFirst } = require('./cli');
const { waitFor } = require('./wait');
const { partitionOfKey } = require('../../dist/hashing/murmur2');

const kafka = new Kafka({ clientId: 'clickstream-fault-tests', brokers: [KAFKA_BROKERS], logLevel: logLevel.NOTHING });

// ---------------------------------------------------------------------------------------------
// Waiting on a run, and the local services.

/** Waits (polling the group's commits) until at least `threshold` messages are committed; returns how many. */
function waitForCommitted(run, workload, threshold, { onPoll } = {}) {
  return waitFor(`${threshold} messages committed`, async () => {
    onPoll?.();
    const total = await committedTotal(workload.topic, workload.group);
    return total >= threshold ? total : null;
  }, { timeoutMs: 150_000, intervalMs: 50, stopIf: endedFirst(run), whileWaiting: () => run.output().stderr.slice(-3000) });
}

/** The first place two sorted row lists differ, or null: a short failure rather than a diff of thousands of rows. */
function firstDifference(actual, expected) {
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    if (JSON.stringify(actual[i]) !== JSON.stringify(expected[i])) {
      return { index: i, actual: actual[i] ?? null, expected: expected[i] ?? null, actualRows: actual.length, expectedRows: expected.length };
    }
  }
  return null;
}

/** `npm run services -- COMMAND SERVICE` (down/up of one server); throws when it fails. */
function services(command, service) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'services.js'), command, service], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`services ${command} ${service} exited ${code}: ${output}`))));
  });
}

/**
 * Stops a local server while the job is held still (SIGSTOP), so a fast job cannot finish before
 * the outage begins: the outage lands mid-run.
 */
async function stopServerUnder(run, service) {
  process.kill(run.pid, 'SIGSTOP');
  try {
    await services('down', service);
  } finally {
    process.kill(run.pid, 'SIGCONT');
  }
}

/** The job's progress log lines (JSON on stderr every 5 s) logged between two times, as objects. */
function progressLoggedBetween(stderr, from, to) {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .filter((entry) => entry.msg === 'progress' && Date.parse(entry.time) >= from && Date.parse(entry.time) <= to);
}

// ---------------------------------------------------------------------------------------------
// Kafka.

async function withAdmin(use) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates `topic` with `partitions` partitions (replication 1) and waits for their leaders. */
function createTopic(topic, partitions) {
  return withAdmin((admin) => admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true }));
}

/**
 * Creates `topic` with `partitions` partitions and writes `messages` ({ partition, value: Buffer|null })
 * in order with an idempotent producer, so message k of a partition gets offset k. Checks the end
 * offsets; returns the per-partition lists of the messages in offset order.
 */
async function produceToPartitions(topic, partitions, messages) {
  await createTopic(topic, partitions);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    let chunk = [];
    let bytes = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      await producer.send({ topic, acks: -1, messages: chunk });
      chunk = [];
      bytes = 0;
    };
    for (const { partition, value } of messages) {
      chunk.push({ partition, value });
      bytes += value === null ? 0 : value.length;
      if (bytes > 400_000 || chunk.length >= 2000) await flush();
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
  const byPartition = Array.from({ length: partitions }, () => []);
  for (const message of messages) byPartition[message.partition].push(message);
  const ends = await endOffsets(topic);
  const counts = byPartition.map((list) => list.length);
  if (JSON.stringify(ends) !== JSON.stringify(counts)) throw new Error(`topic ${topic} holds ${ends} messages per partition, not ${counts}`);
  return byPartition;
}

/** High watermarks by partition. */
function endOffsets(topic) {
  return withAdmin(async (admin) => (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((p) => Number(p.high)));
}

/** The group's committed offsets by partition (-1: none). */
function committedOffsets(topic, group) {
  return withAdmin(async (admin) => {
    const [{ partitions }] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
  });
}

/** Messages committed by the group, over all partitions (an uncommitted partition counts 0). */
async function committedTotal(topic, group) {
  return (await committedOffsets(topic, group)).reduce((sum, offset) => sum + Math.max(0, offset), 0);
}

// ---------------------------------------------------------------------------------------------
// Reading the sinks back, as rows shaped like the JSONL sink's (and reference.js's).

const num = (value) => (value === null || value === undefined ? value : typeof value === 'number' ? value : Number(value.toString()));

/** A client of the open Cassandra node, or of another with `options` (e.g. secured.js's). */
async function withCassandra(use, options = {}) {
  const client = new cassandra.Client({ contactPoints: [CASSANDRA_CONTACT], localDataCenter: LOCAL_DC, ...options });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.shutdown();
  }
}

/** Every row of the three tables (windows, client_page_visits, page_unique_visitors) of `keyspace`, full scans with paging, sorted. */
function readCassandraRows(keyspace, options) {
  return withCassandra(async (client) => {
    const rows = [];
    const scan = async (table, columns, shape) => {
      for await (const row of client.stream(`SELECT ${columns.join(', ')} FROM ${keyspace}.${table}`, [], { prepare: true, fetchSize: 5000 })) {
        rows.push(shape(row));
      }
    };
    const times = (row) => ({ window_start: num(row.window_start), window_end: num(row.window_end), window_ts: num(row.window_ts) });
    await scan('windows', ['window_start', 'window_end', 'window_ts', 'events'], (row) => ({ table: 'windows', ...times(row), events: num(row.events) }));
    await scan('client_page_visits', ['window_start', 'window_end', 'window_ts', 'client_id', 'topic', 'page', 'visits'], (row) =>
      ({ table: 'client_page_visits', ...times(row), client_id: row.client_id, topic: row.topic, page: row.page, visits: num(row.visits) }));
    await scan('page_unique_visitors', ['window_start', 'window_end', 'window_ts', 'topic', 'page', 'visitors'], (row) =>
      ({ table: 'page_unique_visitors', ...times(row), topic: row.topic, page: row.page, visitors: num(row.visitors) }));
    return sortRows(rows);
  }, options);
}

/**
 * The job's recorded progress in a Cassandra keyspace: a Kafka job records it per input partition, so
 * the windows durable for all of them (-Infinity when none is recorded).
 */
function cassandraProgress(keyspace, job) {
  return withCassandra(async (client) => {
    const { rows } = await client.execute(`SELECT delivered_through FROM ${keyspace}.partition_progress WHERE job = ?`, [job], { prepare: true });
    const delivered = rows.map((row) => (row.delivered_through === null ? -Infinity : num(row.delivered_through)));
    return delivered.length === 0 ? -Infinity : Math.min(...delivered);
  });
}

function dropKeyspace(keyspace, options) {
  return withCassandra((client) => client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`), options);
}

/** Every row of the three tables of a SQLite sink file, sorted. */
function readSqliteRows(path) {
  const Database = require('better-sqlite3');
  const db = new Database(path, { readonly: true });
  try {
    const rows = [];
    for (const table of ['windows', 'client_page_visits', 'page_unique_visitors']) {
      for (const row of db.prepare(`SELECT * FROM ${table}`).all()) rows.push({ table, ...row });
    }
    return sortRows(rows);
  } finally {
    db.close();
  }
}

/** Through where every input partition of the job is durable in the SQLite file (-Infinity before any is recorded). */
function sqliteProgress(path, job) {
  const Database = require('better-sqlite3');
  const db = new Database(path, { readonly: true });
  try {
    const delivered = db.prepare('SELECT delivered_through FROM partition_progress WHERE job = ?').pluck().all(job);
    return delivered.length === 0 || delivered.includes(null) ? -Infinity : Math.min(...delivered);
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The fault tests' workload: events with known partitions and offsets.

/** End of the latest window (ending at a multiple of the slide) that holds time t. */
function lastWindowEnd(t, { windowMs, slideMs }) {
  return Math.floor((t + windowMs) / slideMs) * slideMs;
}

/**
 * The promise that a crash loses no window (offsets are committed only for events whose every window is
 * durable), checked from outside after a crash: every message before a partition's committed
 * offset counts only in windows ending at or before `durableThrough` (what the sink recorded as written).
 * Returns the violations (empty when the promise holds).
 */
function commitsAheadOfDurable(committed, byPartition, durableThrough, window) {
  const violations = [];
  committed.forEach((offset, partition) => {
    const messages = byPartition[partition];
    for (let k = 0; k < Math.min(offset, messages.length); k++) {
      const end = lastWindowEnd(messages[k].ts, window);
      if (end > durableThrough) {
        violations.push({ partition, offset: k, committed: offset, windowEnd: end, durableThrough });
        break;
      }
    }
  });
  return violations;
}

/**
 * The partition Kafka's default partitioner gives a message keyed by `client` (murmur2 of its UTF-8
 * bytes): the job counts an event on any other partition as misplaced.
 */
function partitionOfClient(client, partitions) {
  return partitionOfKey(Buffer.from(client, 'utf8'), partitions);
}

/** Window flags of the fault tests and their reference parameters (lateness: the default 10 s). */
const FAULT_WINDOW = { windowMs: 10_000, slideMs: 5_000, latenessMs: 10_000 };
const FAULT_FLAGS = ['--clock', 'event', '--window', '10s', '--slide', '5s', '--batch', '1s', '--threads', '2'];

/**
 * A fresh 3-partition topic holding `count` events (~33 min of event time for 200k: ~400 windows of
 * ~550 rows each), each client's events on one partition in time order, disorder within ±3 s so
 * nothing is late. Returns the topic, group and job names, the messages by partition (with `ts`),
 * the events in input order (for the reference under other window flags) and the reference rows.
 */
async function prepareWorkload(name, { count = 200_000, seed = 21 } = {}) {
  const events = makeEvents({ count, seed, clients: 40, stepMs: 10, jitterMs: 3_000 });
  const topic = `${name}-${Date.now()}`;
  const byPartition = await produceToPartitions(
    topic,
    3,
    events.map((e) => ({ partition: partitionOfClient(e.client, 3), value: Buffer.from(toLine(e)), ts: e.ts })),
  );
  const expected = referenceRows(events, FAULT_WINDOW);
  if (expected.late !== 0) throw new Error('the fault workload must have no late events');
  return { topic, group: topic, job: `${topic}/${topic}`, byPartition, events, expected: expected.rows, count };
}

/** main.js flags to read the workload's topic (to its end unless `stopAtEnd` is false). */
function kafkaFlags(workload, { stopAtEnd = true } = {}) {
  return [
    '--source', 'kafka', '--brokers', KAFKA_BROKERS, '--topic', workload.topic, '--group', workload.group, '--from-beginning',
    ...(stopAtEnd ? ['--stop-at-end'] : []), ...FAULT_FLAGS,
  ];
}

/**
 * `args` with the value after each flag of `values` replaced (`{ '--window': '20s' }`): the same job
 * under other flags, which main.js would refuse if the flag were given twice.
 */
function withFlagValues(args, values) {
  const missing = Object.keys(values).filter((flag) => !args.includes(flag));
  if (missing.length > 0) throw new Error(`no ${missing.join(', ')} among ${args.join(' ')}`);
  return args.map((arg, i) => (args[i - 1] in values ? values[args[i - 1]] : arg));
}

/**
 * After a fault: the group's commits must lie within what the sink recorded as durable (an offset is
 * committed only once every window of the events before it is durable), and
 * the fault must have come mid-run. Returns the number of messages committed.
 */
async function assertCommitsBehindDurable(workload, durableThrough, what) {
  const committed = await committedOffsets(workload.topic, workload.group);
  const total = committed.reduce((sum, offset) => sum + Math.max(0, offset), 0);
  assert.ok(total < workload.count, `${what} came mid-run (${total} of ${workload.count} committed)`);
  const ahead = commitsAheadOfDurable(committed, workload.byPartition, durableThrough, FAULT_WINDOW);
  assert.equal(ahead, [], `${what}: commits ahead of durable windows`);
  return total;
}

/**
 * The outcome of a run that must have completed the job: exit 0, no dead letter (nothing late), the
 * sink's rows (`readRows()`) equal to the reference row for row, every offset committed.
 */
async function assertCompleted(result, workload, { deadLetters, readRows }) {
  assert.is(result.code, 0, result.stderr.slice(-2000));
  const dead = readFileSync(deadLetters, 'utf8');
  assert.is(dead.slice(0, 1000), '', `no dead letters: no event was late (${dead.split('\n').length - 1} of them)`);
  assert.equal(firstDifference(await readRows(), workload.expected), null, 'rows equal the reference');
  assert.equal(await committedOffsets(workload.topic, workload.group), await endOffsets(workload.topic), 'every offset committed');
}

/** Runs main.js with `args` to its end; it must complete the job (assertCompleted). */
async function assertRunCompletes(args, workload, sink) {
  await assertCompleted(await startMain(args).exited, workload, sink);
}

function deleteTopic(topic) {
  return withAdmin((admin) => admin.deleteTopics({ topics: [topic] })).catch(() => undefined);
}

module.exports = {
  waitForCommitted,
  FAULT_WINDOW,
  FAULT_FLAGS,
  prepareWorkload,
  kafkaFlags,
  withFlagValues,
  deleteTopic,
  assertCommitsBehindDurable,
  assertRunCompletes,
  assertCompleted,
  firstDifference,
  services,
  stopServerUnder,
  progressLoggedBetween,
  kafka,
  withAdmin,
  createTopic,
  produceToPartitions,
  endOffsets,
  committedOffsets,
  committedTotal,
  withCassandra,
  readCassandraRows,
  cassandraProgress,
  dropKeyspace,
  readSqliteRows,
  sqliteProgress,
  commitsAheadOfDurable,
  partitionOfClient,
  lastWindowEnd,
};
