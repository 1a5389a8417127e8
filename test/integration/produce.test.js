'use strict';
// `node dist/produce.js` against the real broker of `npm run services -- up`.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Kafka, logLevel } = require('kafkajs');
const { serverTest, KAFKA_BROKERS } = require('../helpers/services');
const { runCli } = require('../helpers/cli');

const RUN = Date.now();
const kafka = new Kafka({ brokers: [KAFKA_BROKERS], logLevel: logLevel.NOTHING });
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$/;

// The topics this run made go with it.
test.after(async () => {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const mine = (await admin.listTopics()).filter((topic) => topic.startsWith('produce-') && topic.endsWith(`-${RUN}`));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  } catch {
    // No broker: no topic was made either.
  } finally {
    await admin.disconnect();
  }
});

async function partitionsAndCount(topic) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return { partitions: offsets.length, messages: offsets.reduce((sum, p) => sum + Number(p.high), 0) };
  } finally {
    await admin.disconnect();
  }
}

/** Every message of the topic as { partition, key, value }, read by a plain kafkajs consumer. */
async function readAll(topic, count) {
  const consumer = kafka.consumer({ groupId: `produce-test-reader-${topic}`, maxWaitTimeInMs: 200 });
  const messages = [];
  let done;
  const complete = new Promise((resolve) => (done = resolve));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      messages.push({ partition, key: message.key?.toString() ?? null, value: message.value.toString() });
      if (messages.length === count) done();
    },
  });
  let timer;
  const deadline = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${messages.length} of ${count} messages read`)), 30_000)));
  try {
    await Promise.race([complete, deadline]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return messages;
}

serverTest('synthetic:dev --events 500 fills a new 3-partition topic with valid events, each client in one partition', async () => {
  const topic = `produce-dev-${RUN}`;
  const run = await runCli('produce.js', ['--brokers', KAFKA_BROKERS, '--topic', topic, '--source', 'synthetic:dev', '--events', '500', '--partitions', '3']);
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /500 events in [\d.]+ s, \d+ events\/s/);
  assert.equal(await partitionsAndCount(topic), { partitions: 3, messages: 500 });

  const messages = await readAll(topic, 500);
  const partitionOf = new Map();
  for (const { partition, key, value } of messages) {
    const event = JSON.parse(value);
    assert.type(event.client_id, 'string');
    assert.ok(event.client_id.length > 0);
    assert.match(event.timestamp, TIMESTAMP);
    assert.type(event.url.topic, 'string');
    assert.type(event.url.page, 'string');
    assert.is(key, event.client_id, 'keyed by client_id');
    if (!partitionOf.has(event.client_id)) partitionOf.set(event.client_id, partition);
    assert.is(partitionOf.get(event.client_id), partition, `client ${event.client_id} stays in one partition`);
  }
  assert.ok(new Set(partitionOf.values()).size > 1, 'clients are spread over partitions');
});

serverTest('file:PATH produces every line in order per client; lines without a client_id still arrive', async () => {
  const topic = `produce-file-${RUN}`;
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-produce-'));
  const lines = [];
  for (let i = 0; i < 300; i++) {
    lines.push(JSON.stringify({ client_id: `c${i % 7}`, timestamp: '2017-01-25T14:03:32', url: { topic: 'T', page: `p${i}` } }));
  }
  lines.splice(100, 0, 'not json', '{"client_id": "c\\u0031", "timestamp": "2017-01-25T14:03:33", "url": {"topic": "T", "page": "escaped"}}');
  const path = join(dir, 'events.ndjson');
  writeFileSync(path, lines.join('\n') + '\n');
  const run = await runCli('produce.js', ['--brokers', KAFKA_BROKERS, '--topic', topic, '--source', `file:${path}`, '--partitions', '2']);
  assert.is(run.code, 0, run.stderr);
  assert.equal(await partitionsAndCount(topic), { partitions: 2, messages: lines.length });

  const messages = await readAll(topic, lines.length);
  assert.ok(messages.some((m) => m.value === 'not json' && m.key === null));
  assert.ok(messages.some((m) => m.value.includes('escaped') && m.key === 'c1'), 'an escaped client_id is keyed by its value');
  const pagesOf = new Map();
  for (const { key, value } of messages.filter((m) => m.key !== null)) {
    if (!pagesOf.has(key)) pagesOf.set(key, []);
    pagesOf.get(key).push(JSON.parse(value).url.page);
  }
  for (const [client, pages] of pagesOf) {
    const expected = lines.map((line) => (line.startsWith('{') ? JSON.parse(line) : null)).filter((e) => e?.client_id === client);
    assert.equal(pages, expected.map((e) => e.url.page), `client ${client} in input order`);
  }
});

serverTest('--to - writes the very events the Kafka path produces for the same seed', async () => {
  const topic = `produce-same-${RUN}`;
  const args = ['--source', 'synthetic:production', '--events', '400', '--seed', '9'];
  const kafkaRun = await runCli('produce.js', ['--brokers', KAFKA_BROKERS, '--topic', topic, '--partitions', '2', ...args]);
  assert.is(kafkaRun.code, 0, kafkaRun.stderr);
  const fileRun = await runCli('produce.js', ['--to', '-', ...args]);
  assert.is(fileRun.code, 0, fileRun.stderr);
  const lines = fileRun.stdout.split('\n').filter(Boolean);
  const messages = await readAll(topic, 400);
  // Partitions interleave the order; each client's events keep theirs, and together they are the lines.
  assert.equal(messages.map((m) => m.value).sort(), [...lines].sort());
  for (const client of new Set(messages.map((m) => m.key))) {
    const inKafka = messages.filter((m) => m.key === client).map((m) => m.value);
    assert.equal(inKafka, lines.filter((line) => JSON.parse(line).client_id === client), `client ${client} in order`);
  }
});

test('bad flags exit 2 with a message naming the flag', async () => {
  const cases = [
    [['--source', 'synthetic:dev', '--events', '10'], '--topic'],
    [['--to', 'kafka', '--events', '10'], '--to file:PATH'],
    [['--topic', 't', '--events', 'ten'], '--events'],
    [['--topic', 't', '--partitions', '0'], '--partitions'],
    [['--topic', 't', '--rate', 'fast'], '--rate'],
    [['--topic', 't', '--source', 'file:x.ndjson', '--seed', '3'], '--seed'],
    [['--topic', 't', '--source', 'kafka'], '--source'],
    [['--topic', 't', '--brokers', 'localhost'], '--brokers'],
    [['--topic', 't', '--kafka-sasl', 'plain'], '--kafka-sasl'],
    [['--topic', 'bad topic'], '--topic'],
    [['--topic', 't', '--bogus'], '--bogus'],
  ];
  for (const [args, flag] of cases) {
    const run = await runCli('produce.js', args);
    assert.is(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.ok(run.stderr.includes(flag), `${args.join(' ')} names ${flag}: ${run.stderr}`);
  }
  const help = await runCli('produce.js', ['--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, '--partitions');
});

test.run();
