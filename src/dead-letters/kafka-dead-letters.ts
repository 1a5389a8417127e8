import { Partitioners, type Message, type Producer } from 'kafkajs';
import { ACKS_ALL, kafkaClientOf } from '../kafka/client';
import { kafkaFailureOf } from '../kafka/failures';
import type { KafkaConnection } from '../kafka/connection';
import type { Position } from '../sources/source';
import { deadLetterOf, type DeadLetters } from './dead-letter';

/** Dead letters per produce request at most. */
const BATCH_MESSAGES = 1000;
/** How long a dead letter waits for others to share its produce request. */
const LINGER_MS = 100;

export function createKafkaDeadLetters(connection: KafkaConnection, topic: string): DeadLetters {
  return new KafkaDeadLetters(connection, topic);
}

/**
 * Dead letters as messages of a Kafka topic, one JSON object each, produced in
 * batches with acks from all in-sync replicas. Requests go one at a time, in order; the producer
 * connects with the first dead letter. A failed request fails the next `write` and `close`.
 */
class KafkaDeadLetters implements DeadLetters {
  private readonly producer: Producer;
  private connected = false;
  private pending: Message[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  /** The failure came before any batch was acknowledged: the connection settings may be wrong. */
  private failedConnecting = false;
  /** A batch was acknowledged: the connection settings work. */
  private delivered = false;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly topic: string,
  ) {
    this.producer = kafkaClientOf(connection, 'clickstream-dead-letters').producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  write(reason: string, detail: string, position: Position, raw: Uint8Array): void {
    this.throwIfFailed();
    this.pending.push({ value: deadLetterOf(reason, detail, position, raw) });
    if (this.pending.length >= BATCH_MESSAGES) this.sendPending();
    else this.timer ??= setTimeout(() => this.sendPending(), LINGER_MS);
  }

  async close(): Promise<void> {
    this.sendPending();
    await this.sending;
    if (this.connected) await this.producer.disconnect();
    this.throwIfFailed();
  }

  private sendPending(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const messages = this.pending;
    this.pending = [];
    this.sending = this.sending.then(() => this.send(messages));
  }

  private async send(messages: Message[]): Promise<void> {
    if (this.failure !== null) return;
    try {
      if (!this.connected) await this.producer.connect();
      this.connected = true;
      await this.producer.send({ topic: this.topic, messages, acks: ACKS_ALL });
      this.delivered = true;
    } catch (error) {
      this.failure = error as Error;
      this.failedConnecting = !this.delivered;
    }
  }

  private throwIfFailed(): void {
    if (this.failure !== null) {
      throw new Error(`cannot write dead letters to kafka:${this.topic}: ${kafkaFailureOf(this.failure, this.connection, { connecting: this.failedConnecting })}`, { cause: this.failure });
    }
  }
}
