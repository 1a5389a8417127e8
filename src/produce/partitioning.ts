import type { Message } from 'kafkajs';
import { clientKeyOf } from '../parsing/client-key';

/** Messages without a client_id go to one partition in runs of this many, so their order holds within a run. */
const UNKEYED_RUN = 1000;

/**
 * Spreads messages over the topic's partitions in order-preserving runs: keyed by client_id
 * (kafkajs's default partitioner hashes the key as Java's does), so a client's events stay in one
 * partition in input order; messages without one in round-robin runs.
 */
export class Partitioning {
  private unkeyed = 0;

  constructor(private readonly partitions: number) {}

  messagesOf(values: readonly Buffer[]): Message[] {
    return values.map((value) => {
      const key = clientKeyOf(value);
      return key !== null ? { key, value } : { value, partition: this.nextUnkeyedPartition() };
    });
  }

  private nextUnkeyedPartition(): number {
    return Math.floor(this.unkeyed++ / UNKEYED_RUN) % this.partitions;
  }
}
