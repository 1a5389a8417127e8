'use strict';
// The default path: a Kafka source on the wall clock (no --clock flag), endless, into Cassandra, fed
// by a live producer, against the real servers. Tumbling 2 s windows, so each event counts in exactly
// one window. The job is stopped with SIGTERM mid-stream and restarted with the same group while the
// producer keeps writing. Checked: every window is written within a few seconds of the wall clock
// passing its end; after the stop the group's commits lie within the windows written (every committed
// event is counted in a durable window); and at the end each event produced is counted exactly once —
// per (client, topic, page) the visits over all windows equal the events produced, so nothing
// committed was lost across the restart and nothing was counted twice.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { existsSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { serverTest, KAFKA_BROKERS } = require('../helpers/services');
const { createTopic, endOffsets, committedOffsets, committedTotal, readCassandraRows, dropKeyspace, deleteTopic } = require('../helpers/faults');
const { LiveProducer, WindowWatch, cassandraWindows, ownedBy } = require('../helpers/live');
const { startMain, endedFirst, readDeadLetters } = require('../helpers/cli');
const { logLinesOf } = require('../helpers/http');
const { waitFor } = require('../helpers/wait');

const RUN = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'clickstream-wall-kafka-'));
const topic = `livepath-wall-${RUN}`;
const keyspace = `livepath_wall_${RUN}`;
const PARTITIONS = 3;
const WINDOW_MS = 2_000;
/** A window is due once the wall clock passes its end: a tick (1 s), the write, and a poll. */
const ON_TIME_MS = 4_000;

const eventsOf = (windows) => windows.reduce((sum, row) => sum + row.events, 0);

/** A run of the job on the wall clock, the Kafka default; it must say so on its start line. */
async function startJob(label) {
  const run = startMain([
    '--source', 'kafka', '--brokers', KAFKA_BROKERS, '--topic', topic, '--group', topic, '--from-beginning',
    '--window', '2s', '--slide', '2s', '--batch', '1s', '--threads', '1',
    '--sink', 'cassandra', '--keyspace', keyspace, '--dead-letter', join(dir, `${label}.dead.jsonl`),
  ]);
  await waitFor(`${label} to own the partitions`, () => ownedBy(run)?.length === PARTITIONS, { timeoutMs: 60_000, stopIf: endedFirst(run) });
  assert.ok(logLinesOf(run.output().stderr).some((line) => /wall clock \(default for kafka sources\)/.test(line.msg)), `${label} runs on the wall clock`);
  return run;
}

async function stop(run, label) {
  run.child.kill('SIGTERM');
  const result = await run.exited;
  assert.is(result.code, 0, `${label}: ${result.stderr.slice(-2000)}`);
  const deadLetters = join(dir, `${label}.dead.jsonl`);
  assert.equal(existsSync(deadLetters) ? readDeadLetters(deadLetters) : [], [], `${label}: no dead letters`);
}

serverTest('wall clock, Kafka → Cassandra, live producer, SIGTERM and restart: windows on time, commits within them, each event counted once', async () => {
  await createTopic(topic, PARTITIONS);
  const producer = new LiveProducer(topic, PARTITIONS, { seed: 21 });
  const read = cassandraWindows(keyspace);
  const watch = new WindowWatch(read);
  const all = [0, 1, 2];
  try {
    const first = await startJob('first');
    producer.every(100, all);
    await waitFor('three windows written', () => watch.seen.size >= 3, { timeoutMs: 30_000, stopIf: endedFirst(first) });
    await stop(first, 'first');
    // Every committed event counts in a durable window (one each: the windows are tumbling).
    const committed = await committedTotal(topic, topic);
    const counted = eventsOf(await read());
    assert.ok(committed > 0 && committed <= counted, `commits within the windows written: ${committed} committed, ${counted} counted`);
    assert.ok(committed < producer.events.length, 'the stop came mid-stream');

    const second = await startJob('second');
    await waitFor('three more windows written', () => watch.seen.size >= 6, { timeoutMs: 30_000, stopIf: endedFirst(second) });
    await producer.stop();
    const produced = producer.events.length;
    await waitFor(`all ${produced} events counted`, async () => eventsOf(await read()) >= produced, { timeoutMs: 30_000, stopIf: endedFirst(second) });
    await waitFor('every offset committed', async () => JSON.stringify(await committedOffsets(topic, topic)) === JSON.stringify(await endOffsets(topic)), { timeoutMs: 10_000 });
    await stop(second, 'second');
  } finally {
    await producer.close();
    await watch.stop();
  }

  const produced = producer.events.length;
  const rows = await readCassandraRows(keyspace);
  const windows = rows.filter((row) => row.table === 'windows');
  assert.is(eventsOf(windows), produced, 'sum of windows.events = events produced');
  const visits = new Map();
  for (const row of rows) if (row.table === 'client_page_visits') visits.set(JSON.stringify([row.client_id, row.topic, row.page]), (visits.get(JSON.stringify([row.client_id, row.topic, row.page])) ?? 0) + row.visits);
  const expected = new Map();
  for (const e of producer.events) expected.set(JSON.stringify([e.client, e.topic, e.page]), (expected.get(JSON.stringify([e.client, e.topic, e.page])) ?? 0) + 1);
  assert.equal(visits, expected, 'per (client, topic, page), the visits over all windows are the events produced');
  for (const window of windows) {
    assert.is(window.window_end % WINDOW_MS, 0);
    assert.is(window.window_start, window.window_end - WINDOW_MS);
    const inWindow = rows.filter((row) => row.table === 'client_page_visits' && row.window_end === window.window_end);
    assert.is(inWindow.reduce((sum, row) => sum + row.visits, 0), window.events, 'a window\'s visits sum to its events');
  }
  const late = [...watch.seen].filter(([end, { at }]) => at - end > ON_TIME_MS);
  assert.equal(late.map(([end, { at }]) => `${new Date(end).toISOString()} +${at - end} ms`), [], `every window within ${ON_TIME_MS} ms of its end`);
  console.log(`[wall clock] ${produced} events in ${windows.length} windows; written ${[...watch.seen].map(([end, { at }]) => at - end).join(', ')} ms after their ends`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  await deleteTopic(topic);
  await dropKeyspace(keyspace).catch(() => undefined);
});

test.run();
