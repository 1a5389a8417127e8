'use strict';
// The Kafka path's baseline: a bare kafkajs consumer in a fresh group reads every message of a topic.

/**
 * Reads `topic` from the beginning until each partition of `partitions` (kafkajs's fetchTopicOffsets)
 * reaches its high watermark; resolves with the messages read, the seconds and the rate.
 */
async function bareConsumer(kafka, topic, partitions) {
  const consumer = kafka.consumer({ groupId: `bench-bare-${Date.now()}` });
  const end = new Map(partitions.map((p) => [p.partition, Number(p.high)]));
  let messages = 0;
  const started = process.hrtime.bigint();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise((resolve, reject) => {
    const done = new Set();
    consumer
      .run({
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          messages += batch.messages.length;
          const last = Number(batch.lastOffset()) + 1;
          if (last >= end.get(batch.partition)) done.add(batch.partition);
          if (done.size === end.size) resolve();
        },
      })
      .catch(reject);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await consumer.disconnect();
  return { command: 'kafkajs consumer, eachBatch, fresh group, from the beginning', messages, seconds, eventsPerSecond: messages / seconds };
}

module.exports = { bareConsumer };
