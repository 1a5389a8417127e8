'use strict';
// The whole CLI from a real Kafka topic: `produce.js` fills it, `main.js --source kafka --stop-at-end`
// reads it to the end in event clock; rows must equal what the same events give without Kafka.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Kafka, logLevel } = require('kafkajs');
const { serverTest, KAFKA_BROKERS } = require('../helpers/services');
const { makeEvents, toLine } = require('../helpers/events');
const { referenceRows, sortRows } = require('../helpers/reference');
const { runCli, startMain, readJsonl, readDeadLetters } = require('../helpers/cli');
const Database = require('better-sqlite3');

const RUN = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'clickstream-kafka-e2e-'));
const WINDOW_FLAGS = ['--window', '20s', '--slide', '10s', '--batch', '1s'];
const WINDOW = { windowMs: 20_000, slideMs: 10_000, latenessMs: 10_000 };
const kafka = new Kafka({ brokers: [KAFKA_BROKERS], logLevel: logLevel.NOTHING });

async function produce(topic, args) {
  const run = await runCli('produce.js', ['--brokers', KAFKA_BROKERS, '--topic', topic, '--partitions', '3', ...args]);
  assert.is(run.code, 0, run.stderr);
}

/** Runs the job over the topic to its end; returns its rows, sorted, and its dead letters. */
async function runFromKafka(topic, group) {
  const out = join(dir, `${group}.jsonl`);
  const deadLetters = join(dir, `${group}-dead.jsonl`);
  const run = await runCli('main.js', [
    '--source', 'kafka', '--brokers', KAFKA_BROKERS, '--topic', topic, '--group', group, '--from-beginning', '--stop-at-end',
    '--clock', 'event', '--sink', `jsonl:${out}`, '--threads', '2', '--dead-letter', deadLetters, ...WINDOW_FLAGS,
  ]);
  assert.is(run.code, 0, run.stderr);
  return { rows: sortRows(readJsonl(out)), deadLetters: readDeadLetters(deadLetters) };
}

/** The first place two sorted row lists differ, or null: a short failure rather than a diff of thousands of rows. */
function firstDifference(actual, expected) {
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    if (JSON.stringify(actual[i]) !== JSON.stringify(expected[i])) return { index: i, actual: actual[i] ?? null, expected: expected[i] ?? null };
  }
  return null;
}

/** The group's committed offsets and the topic's end offsets, per partition. */
async function committedAndEnd(topic, group) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [{ partitions }] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    const byPartition = (a, b) => a.partition - b.partition;
    return { committed: partitions.sort(byPartition).map((p) => p.offset), end: ends.sort(byPartition).map((p) => p.high) };
  } finally {
    await admin.disconnect();
  }
}

serverTest('events from a file through Kafka give exactly the rows of a batch computation; invalid ones are dead letters with Kafka positions', async () => {
  const topic = `kafka-e2e-file-${RUN}`;
  const group = `kafka-e2e-file-${RUN}`;
  // ~17 min of event time, disorder within the default 10 s lateness: nothing is late.
  const events = makeEvents({ count: 20_000, seed: 3, stepMs: 50, jitterMs: 3_000 });
  const lines = events.map(toLine);
  const bad = ['not json', '{"client_id":1,"timestamp":"2017-01-25T14:00:00","url":{"topic":"A","page":"B"}}', '[]'];
  for (let i = 0; i < bad.length; i++) lines.splice(5000 * (i + 1), 0, bad[i]);
  const input = join(dir, 'events.ndjson');
  writeFileSync(input, lines.join('\n') + '\n');
  await produce(topic, ['--source', `file:${input}`]);

  const { rows, deadLetters } = await runFromKafka(topic, group);
  const expected = referenceRows(events, WINDOW);
  assert.is(expected.late, 0);
  assert.equal(firstDifference(rows, expected.rows), null);
  const windows = rows.filter((row) => row.table === 'windows');
  assert.is(windows.reduce((sum, w) => sum + w.events, 0), events.length * (WINDOW.windowMs / WINDOW.slideMs));

  assert.equal(deadLetters.map((d) => d.raw).sort(), [...bad].sort());
  for (const letter of deadLetters) {
    assert.is(letter.position.kind, 'kafka');
    assert.is(letter.position.topic, topic);
    assert.match(letter.position.offset, /^\d+$/);
  }
  const { committed, end } = await committedAndEnd(topic, group);
  assert.equal(committed, end);
});

serverTest('synthetic:production through Kafka gives the rows of the synthetic source read directly', async () => {
  const topic = `kafka-e2e-synthetic-${RUN}`;
  const group = `kafka-e2e-synthetic-${RUN}`;
  const synthetic = ['--source', 'synthetic:production', '--events', '20000', '--seed', '5'];
  await produce(topic, synthetic);

  const { rows, deadLetters } = await runFromKafka(topic, group);
  const direct = join(dir, 'direct.jsonl');
  const run = await runCli('main.js', [...synthetic, '--rate', 'max', '--clock', 'event', '--sink', `jsonl:${direct}`, '--threads', '2', ...WINDOW_FLAGS]);
  assert.is(run.code, 0, run.stderr);
  const expected = sortRows(readJsonl(direct));
  assert.ok(expected.length > 1000, 'many rows');
  assert.is(deadLetters.length, 0);
  assert.equal(firstDifference(rows, expected), null);
  const { committed, end } = await committedAndEnd(topic, group);
  assert.equal(committed, end);
});

/** Every row of the three tables, as sorted JSON lines. */
function tablesOf(path) {
  const db = new Database(path, { readonly: true });
  try {
    return ['windows', 'client_page_visits', 'page_unique_visitors'].flatMap((table) =>
      db.prepare(`SELECT * FROM ${table}`).all().map((row) => JSON.stringify({ table, ...row })).sort(),
    );
  } finally {
    db.close();
  }
}

/** Polls until `condition()` holds; fails after `ms`. */
async function until(condition, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

serverTest('a job interrupted by SIGINT and restarted leaves the same tables as one uninterrupted run', async () => {
  const topic = `kafka-e2e-restart-${RUN}`;
  await produce(topic, ['--source', 'synthetic:production', '--events', '100000', '--seed', '8']);
  const job = (group, db, more) => [
    '--source', 'kafka', '--brokers', KAFKA_BROKERS, '--topic', topic, '--group', group, '--from-beginning', '--clock', 'event',
    '--sink', `sqlite:${db}`, '--threads', '2', '--dead-letter', join(dir, `${group}-dead.jsonl`), ...WINDOW_FLAGS, ...more,
  ];
  const interruptedDb = join(dir, 'interrupted.db');
  const group = `kafka-e2e-restart-${RUN}`;
  const first = startMain(job(group, interruptedDb, []));
  await until(async () => (await committedAndEnd(topic, group)).committed.some((offset) => offset !== '-1'), 60_000, 'a first commit');
  first.child.kill('SIGINT');
  const interrupted = await first.exited;
  assert.is(interrupted.code, 0, interrupted.stderr);
  const resumed = await runCli('main.js', job(group, interruptedDb, ['--stop-at-end']));
  assert.is(resumed.code, 0, resumed.stderr);

  const uninterruptedDb = join(dir, 'uninterrupted.db');
  const whole = await runCli('main.js', job(`${group}-whole`, uninterruptedDb, ['--stop-at-end']));
  assert.is(whole.code, 0, whole.stderr);
  const expected = tablesOf(uninterruptedDb);
  assert.ok(expected.length > 1000, 'many rows');
  assert.equal(firstDifference(tablesOf(interruptedDb), expected), null);
  const { committed, end } = await committedAndEnd(topic, group);
  assert.equal(committed, end);
});

test.run();
