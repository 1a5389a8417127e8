import { CompressionTypes, type Message, type Producer } from 'kafkajs';
import { ACKS_ALL } from '../sources/kafka-client';

/** Produce requests in flight at once: enough to keep the broker busy while the next batch is made. */
const MAX_IN_FLIGHT = 4;

/**
 * Sends batches of messages with a few requests in flight. Requests to a broker go over one
 * connection and the broker handles them in order, so a client's events keep their order unless a
 * request fails and is retried. The first failure fails the next `send` and `flush`.
 */
export class Sender {
  /** Messages the broker acknowledged. */
  acknowledged = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | null = null;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  /** Resolves once the batch is sent off (not yet acknowledged); waits while too many are in flight. */
  async send(messages: Message[]): Promise<void> {
    while (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const request: Promise<void> = this.producer
      .send({ topic: this.topic, messages, acks: ACKS_ALL, compression: CompressionTypes.None })
      .then(
        () => void (this.acknowledged += messages.length),
        (error: Error) => void (this.failure ??= error),
      )
      .finally(() => this.inFlight.delete(request));
    this.inFlight.add(request);
  }

  /** Waits for every request in flight; rejects when any failed. */
  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }
}
