'use strict';
// /metrics of a job reading a real Kafka topic (the broker of `npm run services -- up`): a lag and a
// watermark series per partition, with the values the topic's messages give, and the dashboard's
// /api/stats telling the same.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Kafka, logLevel } = require('kafkajs');
const { serverTest, KAFKA_BROKERS } = require('../helpers/services');
const { startServedJob, request, stopJob, parsePrometheusText } = require('../helpers/http');
const { toLine } = require('../helpers/events');
const { waitFor } = require('../helpers/wait');

const RUN = Date.now();
const TOPIC = `kafka-metrics-${RUN}`;
const PARTITIONS = 3;
const T0 = Date.UTC(2017, 0, 25, 14);
const kafka = new Kafka({ brokers: [KAFKA_BROKERS], logLevel: logLevel.NOTHING });
const dir = mkdtempSync(join(tmpdir(), 'clickstream-kafka-metrics-'));

/** Partition p holds 10 + p events a second apart from T0, so its newest is at T0 + (9 + p) s. */
const countOf = (partition) => 10 + partition;

async function produce() {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const messages = Array.from({ length: countOf(partition) }, (_, i) => ({
      partition,
      value: toLine({ client: `c${partition}-${i}`, topic: 'Action', page: 'Heat', ts: T0 + i * 1000 }),
    }));
    await producer.send({ topic: TOPIC, messages, acks: -1 });
  }
  await producer.disconnect();
}

/** Each partition's sample of a family, by its label: { '0': value, ... }. */
function byPartition(families, family) {
  return Object.fromEntries((families.get(family)?.samples ?? []).map((s) => [s.labels.partition, s.value]));
}

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
  await admin.disconnect();
});

serverTest('per partition: the lag, nothing once the topic is read, and the watermark of its newest event', async () => {
  await produce();
  const job = await startServedJob([
    '--source', 'kafka', '--brokers', KAFKA_BROKERS, '--topic', TOPIC, '--group', TOPIC, '--from-beginning',
    '--clock', 'event', '--lateness', '5s', '--window', '10s', '--slide', '5s', '--batch', '1s', '--threads', '1',
    '--sink', 'none', '--dead-letter', join(dir, 'dead.jsonl'),
  ]);
  try {
    // Each partition's newest event less the 5 s lateness.
    const watermarks = { 0: (T0 + 4_000) / 1000, 1: (T0 + 5_000) / 1000, 2: (T0 + 6_000) / 1000 };
    const read = await waitFor('every partition read to its end and its events seen', async () => {
      const families = parsePrometheusText((await request(job.url, '/metrics')).text);
      const lags = Object.values(byPartition(families, 'clickstream_kafka_partition_lag_messages'));
      const seen = JSON.stringify(byPartition(families, 'clickstream_partition_watermark_timestamp_seconds')) === JSON.stringify(watermarks);
      return lags.length === PARTITIONS && lags.every((lag) => lag === 0) && seen ? families : null;
    }, { timeoutMs: 60_000, intervalMs: 50 });
    assert.is(read.get('clickstream_kafka_lag_messages').samples[0].value, 0);
    // The job's watermark is the lowest of them: no partition went idle, none delivered while another was silent.
    assert.is(read.get('clickstream_watermark_timestamp_seconds').samples[0].value, watermarks[0]);
    // The dashboard's partitions panel reads the same, from /api/stats.
    const stats = (await request(job.url, '/api/stats')).json;
    assert.equal(stats.partitions, [0, 1, 2].map((partition) => ({ partition, lag: 0, watermark: watermarks[partition] * 1000 })));
    assert.is(stats.kafkaLag, 0);
    assert.is(stats.status.watermark, watermarks[0] * 1000);
  } finally {
    const { code, stderr } = await stopJob(job.run);
    assert.is(code, 0, stderr);
  }
});

test.run();
