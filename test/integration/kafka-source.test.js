'use strict';
// The Kafka source and the Kafka dead-letter output against the real broker of `npm run services -- up`.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { Kafka, Partitioners, logLevel } = require('kafkajs');
const { serverTest, KAFKA_BROKERS } = require('../helpers/services');
const { createKafkaSource } = require('../../dist/sources/kafka/kafka-source');
const { createKafkaDeadLetters } = require('../../dist/dead-letters/kafka-dead-letters');
const { BatchBridge } = require('../../dist/sources/kafka/bridge');
const { batchesOf } = require('../helpers/source-batches');

const RUN = Date.now();
const TOPIC = `kafka-source-${RUN}`;
const GROUP = `kafka-source-${RUN}`;
const PARTITIONS = 3;
// Enough per partition for several fetches of kafkajs's 1 MiB per partition, so the buffer fills.
const PER_PARTITION = 25_000;
const connection = { brokers: [KAFKA_BROKERS], tls: null, sasl: null };
const kafka = new Kafka({ brokers: [KAFKA_BROKERS], logLevel: logLevel.NOTHING });

/** The value of message `index` of `partition`: mostly events, some invalid, some tombstones (null). */
function valueOf(partition, index) {
  if (index % 997 === 5) return 'not json';
  if (index % 1999 === 11) return null;
  return JSON.stringify({ client_id: `c${partition}-${index % 50}`, timestamp: '2017-01-25T14:03:32', url: { topic: 'T', page: `p${index}` } });
}

async function produceKnownMessages(topic) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let partition = 0; partition < PARTITIONS; partition++) {
    for (let from = 0; from < PER_PARTITION; from += 5000) {
      const messages = [];
      for (let index = from; index < Math.min(from + 5000, PER_PARTITION); index++) messages.push({ partition, value: valueOf(partition, index) });
      await producer.send({ topic, messages, acks: -1 });
    }
  }
  await producer.disconnect();
}

function sourceOf(overrides) {
  return createKafkaSource({ kind: 'kafka', connection, topic: TOPIC, group: GROUP, fromBeginning: true, stopAtEnd: true, shared: false, sessionTimeoutMs: 30_000, ...overrides });
}

/** Fails instead of hanging if `promise` never settles. */
function within(ms, what, promise) {
  let timer;
  const deadline = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function drain(source) {
  const batches = [];
  for await (const batch of batchesOf(source)) batches.push(batch);
  return batches;
}

async function committedOffsets(group, topic) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [{ partitions }] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
  } finally {
    await admin.disconnect();
  }
}

serverTest.before(() => produceKnownMessages(TOPIC));

test('the bridge from eachBatch to the iterator holds at most its capacity and hands batches over in order', async () => {
  const bridge = new BatchBridge(2);
  bridge.push('a');
  assert.ok(bridge.hasRoom());
  bridge.push('b');
  assert.not.ok(bridge.hasRoom(), 'full at capacity: eachBatch waits');
  let roomy = false;
  const waiting = bridge.waitForRoom(60_000).then(() => (roomy = true));
  await Promise.resolve();
  assert.not.ok(roomy);
  assert.equal(await bridge.next(), { value: 'a', done: false });
  await waiting;
  assert.ok(roomy, 'a pull makes room and wakes the waiting eachBatch');
  assert.equal(await bridge.next(), { value: 'b', done: false });
  const pull = bridge.next();
  bridge.push('c');
  assert.equal(await pull, { value: 'c', done: false }, 'a waiting pull gets the next push');
  bridge.push('d');
  bridge.finish();
  assert.equal(await bridge.next(), { value: 'd', done: false }, 'finish delivers what is buffered first');
  assert.equal(await bridge.next(), { value: undefined, done: true });

  const stopped = new BatchBridge(2);
  stopped.push('x');
  stopped.end();
  assert.equal(await stopped.next(), { value: undefined, done: true }, 'a stop drops what is buffered');
  const failed = new BatchBridge(2);
  const rejected = failed.next();
  failed.fail(new Error('broker gone'));
  try {
    await rejected;
    assert.unreachable('a failure rejects the waiting pull');
  } catch (error) {
    assert.is(error.message, 'broker gone');
  }
});

serverTest('with --stop-at-end, every message arrives once with its partition and offset, and the iterator ends', async () => {
  const source = sourceOf();
  assert.is(source.job, `${GROUP}/${TOPIC}`);
  const batches = await within(60_000, 'reading the topic to its end', drain(source));
  assert.is(source.partitionCount(), PARTITIONS);
  assert.is(source.lag(), 0);
  const seen = new Map();
  for (const batch of batches) {
    assert.ok(batch.partition >= 0 && batch.partition < PARTITIONS);
    let last = -1;
    batch.messages.forEach((message, i) => {
      const position = batch.position(i);
      assert.equal({ kind: position.kind, topic: position.topic, partition: position.partition }, { kind: 'kafka', topic: TOPIC, partition: batch.partition });
      const key = `${batch.partition}/${position.offset}`;
      assert.not.ok(seen.has(key), `${key} arrives once`);
      seen.set(key, message);
      last = Number(position.offset);
    });
    assert.equal(batch.checkpoint, { partition: batch.partition, nextOffset: String(last + 1) });
  }
  assert.is(seen.size, PARTITIONS * PER_PARTITION);
  for (let partition = 0; partition < PARTITIONS; partition++) {
    for (let index = 0; index < PER_PARTITION; index++) {
      const message = seen.get(`${partition}/${index}`);
      assert.ok(Buffer.isBuffer(message));
      assert.is(message.toString(), valueOf(partition, index) ?? '', `${partition}/${index}`);
    }
  }
  assert.ok(batches.length > PARTITIONS * 2, 'several batches per partition');

  for (const batch of batches) source.batchDurable(batch.checkpoint);
  await source.close();
  assert.equal(await committedOffsets(GROUP, TOPIC), Array(PARTITIONS).fill(String(PER_PARTITION)));
});

serverTest('a second run of the group with --stop-at-end delivers nothing and ends', async () => {
  const source = sourceOf();
  const batches = await within(30_000, 'the second run ending', drain(source));
  assert.is(batches.length, 0);
  assert.is(source.partitionCount(), PARTITIONS);
  await source.close();
});

serverTest('only released checkpoints are committed', async () => {
  const group = `${GROUP}-partial`;
  const source = sourceOf({ group });
  const batches = await within(60_000, 'reading the topic to its end', drain(source));
  const firstOfPartition0 = batches.find((batch) => batch.partition === 0);
  source.batchDurable(firstOfPartition0.checkpoint);
  await source.close();
  assert.ok(Number(firstOfPartition0.checkpoint.nextOffset) < PER_PARTITION);
  const committed = await committedOffsets(group, TOPIC);
  assert.equal(committed, [firstOfPartition0.checkpoint.nextOffset, '-1', '-1']);
});

serverTest('stop() ends an endless source, and a missing topic rejects the iterator', async () => {
  const endless = sourceOf({ group: `${GROUP}-endless`, stopAtEnd: false });
  const iterator = batchesOf(endless)[Symbol.asyncIterator]();
  const first = await within(30_000, 'a first batch', iterator.next());
  assert.is(first.done, false);
  endless.stop();
  assert.equal(await within(5_000, 'the end after stop()', iterator.next()), { value: undefined, done: true });
  await within(10_000, 'close()', endless.close());

  const missing = sourceOf({ topic: `kafka-source-missing-${RUN}` });
  try {
    await within(30_000, 'the missing topic failing', drain(missing));
    assert.unreachable('a missing topic must fail');
  } catch (error) {
    assert.match(error.message, `Kafka topic "kafka-source-missing-${RUN}" does not exist`);
  }
  await missing.close();
});

serverTest('Kafka dead letters arrive on their topic with reason, position and raw message', async () => {
  const topic = `kafka-dead-letters-${RUN}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const deadLetters = createKafkaDeadLetters(connection, topic);
  const position = (offset) => ({ kind: 'kafka', topic: TOPIC, partition: 2, offset: String(offset) });
  deadLetters.write('invalid_json', 'Unexpected token', position(5), Buffer.from('not json'));
  deadLetters.write('late', 'every window is closed', position(6), Buffer.from('{"client_id":"a"}'));
  deadLetters.write('invalid_utf8', 'bad bytes', position(7), Buffer.from([0xff, 0xfe]));
  await deadLetters.close();

  const source = createKafkaSource({ kind: 'kafka', connection, topic, group: `${topic}-reader`, fromBeginning: true, stopAtEnd: true, shared: false, sessionTimeoutMs: 30_000 });
  const batches = await within(30_000, 'reading the dead letters', drain(source));
  await source.close();
  const letters = batches.flatMap((batch) => batch.messages.map((message) => JSON.parse(message.toString())));
  assert.equal(letters, [
    { reason: 'invalid_json', detail: 'Unexpected token', position: position(5), raw: 'not json' },
    { reason: 'late', detail: 'every window is closed', position: position(6), raw: '{"client_id":"a"}' },
    { reason: 'invalid_utf8', detail: 'bad bytes', position: position(7), raw_base64: '//4=' },
  ]);
});

test('a Kafka dead-letter output that cannot reach a broker fails close() rather than losing letters silently', async () => {
  const deadLetters = createKafkaDeadLetters({ brokers: ['127.0.0.1:1'], tls: null, sasl: null }, 'nowhere');
  deadLetters.write('invalid_json', '', { kind: 'line', line: 1 }, Buffer.from('x'));
  try {
    await within(60_000, 'close() failing', deadLetters.close());
    assert.unreachable('close() must fail');
  } catch (error) {
    assert.match(error.message, 'cannot write dead letters to kafka:nowhere');
  }
});

test.run();
