import { Partitioners } from 'kafkajs';
import { kafkaClientOf } from '../kafka/client';
import { kafkaFailureOf } from '../kafka/failures';
import type { KafkaConnection } from '../kafka/connection';
import type { Source } from '../sources/source';
import { Partitioning } from './partitioning';
import { produceEvents, type Produced, type Progress } from './produce-events';
import { Sender } from './sender';
import { ensureTopic } from './topic';

/**
 * Message bytes per produce request at most. kafkajs puts a request's messages for one partition
 * into one record batch, which the broker refuses above message.max.bytes (1 MiB by default);
 * this leaves room for keys and record overhead.
 */
const REQUEST_BYTES = 512 * 1024;
/** Messages per produce request at most: kafkajs groups a request's messages by partition in time quadratic in their number. */
const REQUEST_MESSAGES = 2048;

export interface KafkaTarget {
  readonly connection: KafkaConnection;
  readonly topic: string;
  readonly partitions: number;
}

/**
 * Fills the topic (created with `partitions` unless it exists) from the source, `limit` messages at
 * most, keyed by client_id; resolves with what was produced and where.
 */
export async function produceToKafka(
  target: KafkaTarget,
  source: Source,
  limit: number,
  started: (progress: Progress) => void,
): Promise<Produced> {
  const kafka = kafkaClientOf(target.connection, 'clickstream-produce');
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  // Once the cluster answered a request past the handshake, a dropped connection is an outage, not a wrong setting.
  let reached = false;
  try {
    await admin.connect();
    const topic = await ensureTopic(admin, target.topic, target.partitions);
    reached = true;
    if (!topic.created && topic.partitions !== target.partitions) {
      process.stderr.write(`topic ${target.topic} exists with ${topic.partitions} partitions; producing to those\n`);
    }
    await producer.connect();
    const sender = new Sender(producer, target.topic);
    const partitioning = new Partitioning(topic.partitions);
    started({ taken: () => sender.acknowledged });
    const produced = await produceEvents(source, limit, async (values) => {
      for (const request of requestsOf(values)) await sender.send(partitioning.messagesOf(request));
    });
    await sender.flush();
    return { produced, where: `${target.topic} (${topic.partitions} partition${topic.partitions === 1 ? '' : 's'})` };
  } catch (error) {
    throw new Error(kafkaFailureOf(error, target.connection, { connecting: !reached }), { cause: error });
  } finally {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  }
}

/** Splits messages into requests of at most REQUEST_MESSAGES and REQUEST_BYTES (a longer message goes alone, and the broker judges it). */
function* requestsOf(values: readonly Buffer[]): Generator<readonly Buffer[]> {
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < values.length; i++) {
    if (i - start === REQUEST_MESSAGES || (i > start && bytes + values[i].byteLength > REQUEST_BYTES)) {
      yield values.slice(start, i);
      start = i;
      bytes = 0;
    }
    bytes += values[i].byteLength;
  }
  if (start < values.length) yield values.slice(start);
}
