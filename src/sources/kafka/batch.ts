import type { KafkaMessage } from 'kafkajs';
import type { SourceBatch } from '../source';

/** What `Source.batchDurable` gets back for a Kafka batch: the offset to commit for its partition. */
export interface KafkaCheckpoint {
  readonly partition: number;
  /** The last message's offset + 1, as the Kafka protocol commits it (OffsetCommit: the next offset to read). */
  readonly nextOffset: string;
}

/** A tombstone has no value; as an empty message the parser rejects it rather than crashing. */
const TOMBSTONE = Buffer.alloc(0);

/** Messages of one partition as a pipeline batch; offsets are looked up only for rejected messages. */
export function sourceBatchOf(
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
  nextOffset: bigint,
  generation: number,
): SourceBatch {
  const checkpoint: KafkaCheckpoint = { partition, nextOffset: nextOffset.toString() };
  return {
    kind: 'batch',
    partition,
    generation,
    messages: messages.map((message) => message.value ?? TOMBSTONE),
    position: (index) => ({ kind: 'kafka', topic, partition, offset: messages[index].offset }),
    checkpoint,
  };
}

/** Index of the first message at or after `offset` (messages are in offset order); binary search. */
export function indexOfOffset(messages: readonly KafkaMessage[], offset: bigint): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (BigInt(messages[middle].offset) < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}
