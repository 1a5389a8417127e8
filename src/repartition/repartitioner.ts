import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, KafkaMessage, Producer, RecordMetadata } from 'kafkajs';
import { kafkaClientOf } from '../kafka/client';
import { partitionOfKey } from '../hashing/murmur2';
import { clientEventOf } from '../parsing/client-key';
import type { RepartitionConfig } from '../sources/config';
import { kafkaFailureOf } from '../kafka/failures';
import { EventTimeMerge, type Timed } from './event-time-merge';
import { groupConsumerOf } from '../kafka/group-consumer';
import { pollGroupEnd } from '../kafka/group-end';
import { OwnerClaim } from '../kafka/single-owner';
import { partitionStartsOf, type PartitionStart } from '../kafka/start';

/** An input partition with this many messages waiting for the others' event time is paused, so memory stays bounded. */
const QUEUE_LIMIT = 50_000;
/**
 * A transaction is sent in chunks: one produce request carries a record batch per partition, and
 * the broker refuses a batch over message.max.bytes (1 MiB by default).
 */
const CHUNK_BYTES = 256 * 1024;
const CHUNK_MESSAGES = 2000;
/** How long, and how often, the metadata of the internal topic is asked for until its partitions have leaders. */
const LEADER_WAIT_MS = 30_000;
const LEADER_POLL_MS = 100;
/** Brokers refuse a longer transaction timeout (transaction.max.timeout.ms, 15 min by default). */
const MAX_TRANSACTION_TIMEOUT_MS = 900_000;
/**
 * Beyond the transaction timeout, how long a dead member's open transaction may take to be aborted:
 * the broker looks for timed-out transactions every 10 s (transaction.abort.timed.out.transaction.cleanup.interval.ms).
 */
const ABORT_WAIT_MS = 60_000;

/** A message for the internal topic, its partition chosen here. */
interface Outgoing {
  readonly key?: Buffer;
  readonly value: Buffer | null;
  readonly partition: number;
}

/**
 * The re-keying stage of --repartition (the Kafka Streams repartition topic, done with kafkajs):
 * a consumer in group `<group>-repartition` reads the input topic, and every message goes on to the
 * internal topic keyed by the client_id the job's parser keeps (`clientEventOf`), in the partition
 * Kafka's default partitioner gives that key — the one the job checks each event against. A message
 * the job would reject has no client: it keeps its source partition and no key, and the job
 * dead-letters it from there.
 *
 * Exactly once (KIP-98's read-process-write): the messages and the input offsets after them are
 * committed in one transaction (`sendOffsets` writes the offsets through the transaction
 * coordinator, which makes them visible only if the transaction commits), and the job reads the
 * internal topic read_committed (kafkajs's default). A crash or an abort leaves neither, so the
 * replay from the committed offsets sends each message once.
 *
 * One member of the group re-keys every partition (the single-owner assignor; the others wait as
 * standbys and take over when it leaves or dies), because the order it writes in is the order the
 * job's watermark sees: a single writer can release all partitions in event time (EventTimeMerge),
 * and writers on two machines could not. Re-keying only scans each message for its client and time;
 * the aggregation, which the instances do share, is the work.
 */
export class Repartitioner {
  /** The consumer group of the stage, `<group>-repartition`. */
  readonly group: string;
  private readonly admin: Admin;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private merge: Promise<EventTimeMerge<Outgoing>> | null = null;
  private assigned: readonly number[] = [];
  private readonly paused = new Set<number>();
  private outputPartitions = 0;
  private readonly claim = new OwnerClaim();
  private ends: readonly PartitionStart[] = [];
  private stopGroupEndPoll: (() => void) | null = null;
  private stopped = false;
  private closing: Promise<void> | null = null;
  /** Per internal partition, the offset of the first message of the last batch this member committed there. */
  private readonly lastCommitted = new Map<number, bigint>();
  private settle!: { resolve(): void; reject(error: Error): void };
  /**
   * Resolves when the stage is stopped or, with --stop-at-end, once the group has committed every
   * input partition to its end offset of the start; rejects when it fails.
   */
  readonly done: Promise<void>;

  constructor(private readonly config: RepartitionConfig) {
    const { input } = config;
    this.group = `${input.group}-repartition`;
    this.done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // Whoever waits on `done` may still be connecting when it fails.
    this.done.catch(() => undefined);
    const kafka = kafkaClientOf(input.connection, 'clickstream-repartition');
    this.admin = kafka.admin();
    this.consumer = groupConsumerOf(kafka, { group: this.group, sessionTimeoutMs: input.sessionTimeoutMs, assigner: this.claim.assigner() });
    // Zombie fencing, the trade-off of a transactionalId unique per process. A new producer with an
    // old one's transactionalId fences it: InitProducerId bumps the epoch and aborts its open
    // transaction (KIP-98). A random id fences nothing, and kafkajs's TxnOffsetCommit (v0-v1) carries no
    // group generation, so the group coordinator cannot fence either (KIP-447). So a member stalled
    // past its session timeout (GC, SIGSTOP) while holding a fetched batch can, on waking, commit it
    // after the partitions' new owner sent it too: duplicates. And a killed member's open transaction
    // holds back every read_committed reader of the internal topic (the job) until the coordinator
    // aborts it. A stable id per input partition (Kafka Streams' eos-alpha) would close both, at one
    // producer per partition. What bounds them here: a transaction open longer than transactionTimeout
    // is aborted by the coordinator (within its abort check, 10 s by default) and its producer fenced,
    // so with the session timeout as transactionTimeout, a stall mid-transaction that costs the member
    // its partitions also costs it the transaction; a stall before the transaction begins is not covered.
    this.producer = kafka.producer({
      transactionalId: `${this.group}-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.transactionTimeoutMs(),
      allowAutoTopicCreation: false,
    });
  }

  /** Connects and creates the internal topic if absent (as many partitions as the input), so the job can open it. */
  async prepare(): Promise<void> {
    await this.createInternalTopic().catch((error: Error) => {
      throw this.failureOf(error, { connecting: true });
    });
  }

  private async createInternalTopic(): Promise<void> {
    const { input, topic } = this.config;
    await this.admin.connect();
    this.ends = await partitionStartsOf(this.admin, input.topic, this.group, input.fromBeginning);
    await this.admin.createTopics({ topics: [{ topic, numPartitions: this.ends.length }], waitForLeaders: true });
    this.outputPartitions = await this.ledPartitionsOf(topic);
  }

  /** Starts re-keying, once `prepare` is done. */
  async start(): Promise<void> {
    const { input } = this.config;
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: input.topic, fromBeginning: input.fromBeginning });
    this.follow();
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.rekey(payload) });
    if (input.stopAtEnd) this.pollGroupEnd();
  }

  /**
   * The partition count of the internal topic once every partition has a leader. createTopics waits
   * for leaders only in the instance that created the topic; another one, finding it just created,
   * asks the metadata until they are elected, or the job's first request to it may fail.
   */
  private async ledPartitionsOf(topic: string): Promise<number> {
    const deadline = Date.now() + LEADER_WAIT_MS;
    for (;;) {
      const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = topics[0]?.partitions ?? [];
      if (partitions.length > 0 && partitions.every(({ leader, partitionErrorCode }) => leader >= 0 && partitionErrorCode === 0)) return partitions.length;
      if (Date.now() > deadline) throw new Error(`Kafka topic ${topic} has partitions without a leader after ${LEADER_WAIT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, LEADER_POLL_MS));
    }
  }

  /**
   * Resolves once read_committed readers (the job) can read everything this member committed: the
   * internal topic's last stable offset is past each partition's last batch of it. A killed member's
   * transaction, left open before this one took over, holds the last stable offset below this member's
   * messages until the broker aborts it (after the transaction timeout, at its next check), and a job
   * run with --stop-at-end, which reads to the last stable offsets of its start, would stop short.
   */
  async readable(): Promise<void> {
    const deadline = Date.now() + this.transactionTimeoutMs() + ABORT_WAIT_MS;
    for (;;) {
      const stable = new Map((await this.admin.fetchTopicOffsets(this.config.topic)).map(({ partition, high }) => [partition, BigInt(high)]));
      if ([...this.lastCommitted].every(([partition, offset]) => (stable.get(partition) ?? -1n) > offset)) return;
      if (Date.now() > deadline) {
        throw new Error(`${this.config.topic} still has a transaction open before this member's messages; the broker did not abort it`);
      }
      await new Promise((resolve) => setTimeout(resolve, LEADER_POLL_MS));
    }
  }

  private transactionTimeoutMs(): number {
    return Math.min(this.config.input.sessionTimeoutMs, MAX_TRANSACTION_TIMEOUT_MS);
  }

  stop(): void {
    this.stopped = true;
    this.stopGroupEndPoll?.();
    this.settle.resolve();
  }

  /** Leaves the group once the batch in hand is committed or aborted; what was fetched and not committed is read again next time. */
  close(): Promise<void> {
    this.stop();
    this.closing ??= Promise.all([this.consumer.disconnect(), this.producer.disconnect(), this.admin.disconnect()]).then(() => undefined);
    return this.closing;
  }

  private follow(): void {
    const { events } = this.consumer;
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => {
      // kafkajs rebalances eagerly: the new assignment is read again from the committed offsets.
      this.assigned = payload.memberAssignment[this.config.input.topic] ?? [];
      this.claim.received(this.assigned);
      this.paused.clear();
      this.consumer.resume([{ topic: this.config.input.topic }]);
      this.merge = this.mergeOf(this.assigned);
      this.merge.catch(() => undefined);
    });
    this.consumer.on(events.CRASH, ({ payload }) => {
      if (!payload.restart) this.fail(payload.error);
    });
  }

  /** A merge of the assigned partitions, from where the group's committed offsets put them. */
  private async mergeOf(assigned: readonly number[]): Promise<EventTimeMerge<Outgoing>> {
    const { input } = this.config;
    const starts = await partitionStartsOf(this.admin, input.topic, this.group, input.fromBeginning);
    return new EventTimeMerge(starts.filter(({ partition }) => assigned.includes(partition)));
  }

  /**
   * eachBatch: queues the batch, then sends whatever every partition's event time has passed. kafkajs
   * calls it for one batch at a time (partitionsConsumedConcurrently 1), so transactions never
   * overlap, as a producer allows only one open.
   */
  private async rekey({ batch, resolveOffset, isStale, heartbeat }: EachBatchPayload): Promise<void> {
    if (this.stopped || isStale()) return;
    const merge = await this.merge!;
    const { partition } = batch;
    const fetchedTo = BigInt(batch.lastOffset()) + 1n;
    merge.add(partition, batch.messages.map((message) => this.timedOf(partition, message)), fetchedTo, fetchedTo >= BigInt(batch.highWatermark));
    // Queued in memory, so the next fetch goes on from here; a failed transaction sends the queue again.
    resolveOffset(batch.lastOffset());
    await this.sendDue(merge, heartbeat);
    this.throttle(merge);
  }

  private timedOf(partition: number, message: KafkaMessage): Timed<Outgoing> {
    const offset = BigInt(message.offset);
    const event = message.value === null ? null : clientEventOf(message.value);
    if (event === null) return { time: -Infinity, offset, item: { value: message.value, partition: partition % this.outputPartitions } };
    const { key, timestamp } = event;
    return { time: timestamp, offset, item: { key, value: message.value, partition: partitionOfKey(key, this.outputPartitions) } };
  }

  /**
   * One transaction: the due messages, and the input offsets after them committed with them. A
   * heartbeat between chunks keeps the member in the group, and one that finds the group
   * rebalancing throws, which aborts the transaction before its partitions may move.
   */
  private async sendDue(merge: EventTimeMerge<Outgoing>, heartbeat: () => Promise<void>): Promise<void> {
    const due = merge.due();
    if (due.offsets.length === 0) return;
    const { input, topic } = this.config;
    const transaction = await this.producer.transaction();
    const sent: RecordMetadata[] = [];
    try {
      for (const messages of chunksOf(due.items)) {
        sent.push(...(await transaction.send({ topic, messages })));
        await heartbeat();
      }
      const partitions = due.offsets.map(({ partition, offset }) => ({ partition, offset: offset.toString() }));
      await transaction.sendOffsets({ consumerGroupId: this.group, topics: [{ topic: input.topic, partitions }] });
      await transaction.commit();
      for (const { partition, baseOffset } of sent) if (baseOffset !== undefined) this.lastCommitted.set(partition, BigInt(baseOffset));
    } catch (error) {
      // Aborted, the producer can go on, and kafkajs retries the batch; if not even that works, its state is unknown.
      await transaction.abort().catch((abortError: Error) => this.fail(abortError));
      throw error;
    }
    merge.take(due);
  }

  /** A partition far ahead of the others in event time stops fetching until they catch up. */
  private throttle(merge: EventTimeMerge<Outgoing>): void {
    const topic = this.config.input.topic;
    for (const partition of this.assigned) {
      const full = merge.queued(partition) > QUEUE_LIMIT;
      if (full === this.paused.has(partition)) continue;
      if (full) {
        this.paused.add(partition);
        this.consumer.pause([{ topic, partitions: [partition] }]);
      } else {
        this.paused.delete(partition);
        this.consumer.resume([{ topic, partitions: [partition] }]);
      }
    }
  }

  /** --stop-at-end: done once the group has committed every input partition to its end offset of the start, whichever member committed it. */
  private pollGroupEnd(): void {
    const { input } = this.config;
    const ends = this.ends.map(({ end }) => end);
    this.stopGroupEndPoll = pollGroupEnd(
      this.admin,
      { topic: input.topic, group: this.group, fromBeginning: input.fromBeginning, ends },
      () => this.stop(),
      (error) => this.fail(error),
    );
  }

  private fail(error: Error): void {
    this.stopGroupEndPoll?.();
    this.settle.reject(this.failureOf(error));
  }

  private failureOf(error: Error, { connecting = false } = {}): Error {
    const { input, topic } = this.config;
    return new Error(`re-keying kafka:${input.topic} into ${topic}: ${kafkaFailureOf(error, input.connection, { connecting })}`, { cause: error });
  }
}

/** Messages in runs of at most CHUNK_MESSAGES and about CHUNK_BYTES. */
function* chunksOf(messages: readonly Outgoing[]): Generator<Outgoing[]> {
  let chunk: Outgoing[] = [];
  let bytes = 0;
  for (const message of messages) {
    chunk.push(message);
    bytes += (message.value?.length ?? 0) + (message.key?.length ?? 0);
    if (bytes >= CHUNK_BYTES || chunk.length >= CHUNK_MESSAGES) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
  }
  if (chunk.length > 0) yield chunk;
}
