'use strict';
// Where a Kafka job starts and stops, against the real broker:
// - Kafka unreachable at start (a port nothing listens on, and a listener that never answers): exit 1
//   with a message naming the brokers and saying it cannot connect, never a hang;
// - a new group without --from-beginning starts at the latest offsets: events produced before the job
//   started are not counted, and of those produced after, each partition's counted ones are the
//   last ones sent (its offsets from where the consumer started) — each event has a client of its
//   own, so the tables tell exactly which events counted;
// - --stop-at-end while a producer keeps writing stops at the end offsets as of the start: exit 0,
//   and exactly the events before the committed offsets of each partition are counted, none after.
const { test } = require('uvu');
const assert = require('uvu/assert');
const net = require('node:net');
const { existsSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { serverTest, KAFKA_BROKERS } = require('../helpers/services');
const { createTopic, endOffsets, committedOffsets, readCassandraRows, readSqliteRows, dropKeyspace, deleteTopic } = require('../helpers/faults');
const { LiveProducer, ownedBy } = require('../helpers/live');
const { startMain, runCli, endedFirst, readDeadLetters, finalLogOf } = require('../helpers/cli');
const { waitFor } = require('../helpers/wait');

const RUN = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'clickstream-kafka-start-'));
const topics = [];
const keyspaces = [];
const PARTITIONS = 3;
const ALL = [0, 1, 2];

async function freshTopic(name) {
  const topic = `livepath-${name}-${RUN}`;
  topics.push(topic);
  await createTopic(topic, PARTITIONS);
  return topic;
}

/** A port on loopback that nothing listens on (bound, then closed). */
async function deadPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Clients of the rows of client_page_visits: with a client per event, the events counted. */
const countedClients = (rows) => new Set(rows.filter((row) => row.table === 'client_page_visits').map((row) => row.client_id));

function assertNoDeadLetters(path) {
  assert.equal(existsSync(path) ? readDeadLetters(path) : [], [], 'no dead letters');
}

test('Kafka unreachable at start: a port nothing listens on, or a listener that never answers: exit 1 naming the brokers, never a hang', async () => {
  const silent = net.createServer((socket) => socket.on('error', () => undefined));
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    for (const [what, brokers] of [['nothing listens', `127.0.0.1:${await deadPort()}`], ['never answers', `127.0.0.1:${silent.address().port}`]]) {
      const started = Date.now();
      const run = await runCli('main.js', ['--source', 'kafka', '--brokers', brokers, '--topic', 'livepath-nowhere', '--group', 'livepath-nowhere', '--sink', 'none', '--threads', '1'], { timeoutMs: 90_000 });
      const seconds = (Date.now() - started) / 1000;
      assert.is(run.code, 1, `${what}: exit 1 (${run.stderr.slice(-1000)})`);
      const failed = finalLogOf(run.stderr);
      assert.match(failed.msg, `clickstream failed: Kafka source kafka:livepath-nowhere (group livepath-nowhere, brokers ${brokers}): cannot connect to Kafka`);
      assert.ok(failed.msg.split('cannot connect to Kafka')[1].includes(brokers), `${what}: the failure names the brokers: ${failed.msg}`);
      console.log(`[unreachable] ${what}: exit 1 after ${seconds.toFixed(1)} s: ${failed.msg}`);
    }
  } finally {
    silent.close();
  }
});

serverTest('a new group without --from-beginning starts at the latest offsets: no event from before the start counts, and each partition counts the last events sent after it', async () => {
  const topic = await freshTopic('latest');
  const keyspace = `livepath_latest_${RUN}`;
  keyspaces.push(keyspace);
  const before = new LiveProducer(topic, PARTITIONS, { seed: 31, unique: true });
  const after = new LiveProducer(topic, PARTITIONS, { seed: 32, unique: true });
  const deadLetters = join(dir, 'latest.dead.jsonl');
  let run;
  try {
    for (let i = 0; i < 20; i++) await before.burst(ALL);
    run = startMain(['--source', 'kafka', '--brokers', KAFKA_BROKERS, '--topic', topic, '--group', topic,
      '--window', '2s', '--slide', '2s', '--batch', '1s', '--threads', '1', '--sink', 'cassandra', '--keyspace', keyspace, '--dead-letter', deadLetters]);
    await waitFor('the job to own the partitions', () => ownedBy(run)?.length === PARTITIONS, { timeoutMs: 60_000, stopIf: endedFirst(run) });
    after.every(100, ALL);
    await waitFor('60 events sent after the start', () => after.events.filter((e) => e.sentAt !== null).length >= 60, { timeoutMs: 30_000 });
    await after.stop();
    // The wall clock closes the last window within about two seconds of the last event.
    const lastOf = ALL.map((p) => after.events.filter((e) => e.partition === p).at(-1).client);
    await waitFor('the last event of each partition counted', async () => {
      const counted = countedClients(await readCassandraRows(keyspace));
      return lastOf.every((client) => counted.has(client));
    }, { timeoutMs: 30_000, stopIf: endedFirst(run) });
    run.child.kill('SIGTERM');
    const result = await run.exited;
    assert.is(result.code, 0, result.stderr.slice(-2000));
  } finally {
    await Promise.all([before.close(), after.close()]);
    if (run?.result === null) run.child.kill('SIGKILL');
  }
  const counted = countedClients(await readCassandraRows(keyspace));
  assert.equal(before.events.filter((e) => counted.has(e.client)).map((e) => e.client), [], 'no event from before the start counts');
  for (const partition of ALL) {
    const sent = after.events.filter((e) => e.partition === partition).map((e) => counted.has(e.client));
    const first = sent.indexOf(true);
    assert.ok(first >= 0, `partition ${partition}: events sent after the start count`);
    assert.ok(sent.slice(first).every(Boolean), `partition ${partition}: every event after the first counted one counts (${sent.map(Number).join('')})`);
  }
  assertNoDeadLetters(deadLetters);
});

serverTest('--stop-at-end while a producer keeps writing: exit 0 at the end offsets of the start; exactly the events before them count', async () => {
  const topic = await freshTopic('stop-at-end');
  const db = join(dir, 'stop-at-end.db');
  const deadLetters = join(dir, 'stop-at-end.dead.jsonl');
  const producer = new LiveProducer(topic, PARTITIONS, { seed: 41, unique: true });
  let result;
  let endsBefore;
  try {
    for (let i = 0; i < 30; i++) await producer.burst(ALL);
    producer.every(50, ALL);
    await waitFor('the producer writing', () => producer.events.length >= 150, { timeoutMs: 30_000 });
    endsBefore = await endOffsets(topic);
    result = await startMain(['--source', 'kafka', '--brokers', KAFKA_BROKERS, '--topic', topic, '--group', topic, '--from-beginning', '--stop-at-end',
      '--clock', 'event', '--window', '2s', '--slide', '2s', '--batch', '1s', '--threads', '1', '--sink', `sqlite:${db}`, '--dead-letter', deadLetters],
    { timeoutMs: 90_000 }).exited;
    await waitFor('the producer still writing after the job ended', async () => {
      const ends = await endOffsets(topic);
      return ends.every((end, p) => end > endsBefore[p] + 20);
    }, { timeoutMs: 30_000 });
  } finally {
    await producer.close();
  }
  assert.is(result.code, 0, result.stderr.slice(-2000));
  const committed = await committedOffsets(topic, topic);
  const endsAfter = await endOffsets(topic);
  const counted = countedClients(readSqliteRows(db));
  for (const partition of ALL) {
    // The end offset of the job's start lies between the ends read before it started and after it ended.
    assert.ok(committed[partition] >= endsBefore[partition], `partition ${partition}: committed ${committed[partition]} reaches the end before the start (${endsBefore[partition]})`);
    assert.ok(committed[partition] < endsAfter[partition], `partition ${partition}: the producer wrote past it (${endsAfter[partition]})`);
    // Message k of a partition has offset k: one producer, one request in flight, a fresh topic.
    const sent = producer.events.filter((e) => e.partition === partition);
    const countedOffsets = sent.map((e, offset) => (counted.has(e.client) ? offset : -1)).filter((offset) => offset >= 0);
    assert.equal(countedOffsets, Array.from({ length: committed[partition] }, (_, offset) => offset), `partition ${partition}: exactly the events before offset ${committed[partition]} count`);
  }
  const summary = finalLogOf(result.stderr);
  assert.is(summary.events, committed.reduce((sum, offset) => sum + offset, 0), 'the run read exactly those events');
  assertNoDeadLetters(deadLetters);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  for (const topic of topics) await deleteTopic(topic);
  for (const keyspace of keyspaces) await dropKeyspace(keyspace).catch(() => undefined);
});

test.run();
