import { CompressionTypes, type Message, type Producer } from 'kafkajs';
import { ACKS_ALL } from '../kafka/client';

/**
 * Sends batches of messages, one produce request in flight: the next batch is made while the last
 * is on its way. Concurrent kafkajs sends can land out of order — a send that waits for the
 * topic's metadata, or retries, is overtaken by a later one — and a client's events must keep their
 * order in its partition. The first failure fails the next `send` and `flush`.
 */
export class Sender {
  /** Messages the broker acknowledged. */
  acknowledged = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  /** Resolves once the batch is sent off (not yet acknowledged), after the previous one was acknowledged. */
  async send(messages: Message[]): Promise<void> {
    await this.flush();
    this.inFlight = this.producer
      .send({ topic: this.topic, messages, acks: ACKS_ALL, compression: CompressionTypes.None })
      .then(
        () => void (this.acknowledged += messages.length),
        (error: Error) => void (this.failure = error),
      );
  }

  /** Waits for the request in flight; rejects when a request failed. */
  async flush(): Promise<void> {
    await this.inFlight;
    if (this.failure !== null) throw this.failure;
  }
}
