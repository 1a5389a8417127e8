'use strict';
// Misplaced events, against the real servers: a topic where some events sit in another partition than
// the one Kafka's default partitioner gives their client_id (as a producer keying otherwise would put
// them), read by a job that shares its partitions (the Cassandra sink). Each misplaced event must be
// counted — in /metrics (clickstream_events_misplaced_total), in the JSON progress line (`misplaced`)
// — and warned about when the run ends, with the number; none is rejected.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { existsSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { serverTest, KAFKA_BROKERS } = require('../helpers/services');
const { createTopic, dropKeyspace, deleteTopic } = require('../helpers/faults');
const { LiveProducer } = require('../helpers/live');
const { readDeadLetters } = require('../helpers/cli');
const { startServedJob, logLinesOf, request, parsePrometheusText } = require('../helpers/http');
const { waitFor } = require('../helpers/wait');

const RUN = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'clickstream-misplaced-'));
const topic = `livepath-misplaced-${RUN}`;
const keyspace = `livepath_misplaced_${RUN}`;
const PARTITIONS = 3;
const BURSTS = 20;

/** The value of one sample of a /metrics page, by its name (NaN when absent). */
function sampleOf(text, name) {
  for (const family of parsePrometheusText(text).values()) {
    const sample = family.samples.find((s) => s.name === name && Object.keys(s.labels).length === 0);
    if (sample !== undefined) return sample.value;
  }
  return NaN;
}

serverTest('misplaced events are counted in /metrics and the JSON progress, and warned about at the end with their number', async () => {
  await createTopic(topic, PARTITIONS);
  // Every fourth event goes to the partition after its client's.
  const producer = new LiveProducer(topic, PARTITIONS, { seed: 51, misplace: (index) => index % 4 === 3 });
  try {
    for (let i = 0; i < BURSTS; i++) await producer.burst([0, 1, 2]);
  } finally {
    await producer.close();
  }
  const misplaced = producer.events.filter((e) => e.partition !== e.home).length;
  const total = producer.events.length;
  assert.is(misplaced, total / 4, 'the topic holds misplaced events');

  const deadLetters = join(dir, 'dead.jsonl');
  const { run, url } = await startServedJob(['--source', 'kafka', '--brokers', KAFKA_BROKERS, '--topic', topic, '--group', topic, '--from-beginning',
    '--clock', 'event', '--window', '2s', '--slide', '2s', '--batch', '1s', '--threads', '1', '--sink', 'cassandra', '--keyspace', keyspace,
    '--dead-letter', deadLetters]);
  let result;
  try {
    const scraped = await waitFor('every event read, per /metrics', async () => {
      const { text } = await request(url, '/metrics');
      return sampleOf(text, 'clickstream_events_read_total') === total ? text : null;
    }, { timeoutMs: 60_000 });
    assert.is(sampleOf(scraped, 'clickstream_events_misplaced_total'), misplaced, '/metrics counts them');
    const progress = await waitFor('a progress line after the reading', () =>
      logLinesOf(run.output().stderr).find((line) => line.msg === 'progress' && line.events === total), { timeoutMs: 15_000 });
    assert.is(progress.misplaced, misplaced, 'the JSON progress line counts them');
  } finally {
    run.child.kill('SIGTERM');
    result = await run.exited;
  }
  assert.is(result.code, 0, result.stderr.slice(-2000));
  const warning = logLinesOf(result.stderr).find((line) => line.level === 'warn' && typeof line.misplaced === 'number');
  assert.ok(warning !== undefined, 'a warning at the end');
  assert.is(warning.misplaced, misplaced);
  assert.match(warning.msg, `${misplaced} events came from another partition than Kafka's default partitioner gives their client_id`);
  assert.equal(existsSync(deadLetters) ? readDeadLetters(deadLetters) : [], [], 'misplaced events are not rejected');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  await deleteTopic(topic);
  await dropKeyspace(keyspace).catch(() => undefined);
});

test.run();
