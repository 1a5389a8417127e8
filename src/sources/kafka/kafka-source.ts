import type { Admin, Consumer, EachBatchPayload } from 'kafkajs';
import { BatchBridge } from './bridge';
import type { KafkaCheckpoint } from './batch';
import { kafkaClientOf } from '../../kafka/client';
import { OffsetCommits } from './commits';
import type { KafkaSourceConfig } from '../config';
import { PartitionProgress } from './partition-progress';
import { partitionedAssigner } from './partitioned-assignor';
import { singleOwnerAssigner } from './single-owner';
import { partitionStartsOf } from './start';
import type { Assignment, Source, SourceBatch } from '../source';

/**
 * Batches buffered between kafkajs and the pipeline: enough for kafkajs to fetch and decode ahead
 * while the main thread waits for its workers. With kafkajs's default fetch sizes, the messages
 * held are at most about BUFFERED_BATCHES × 1 MiB (maxBytesPerPartition) here plus one fetch
 * response of at most 10 MiB (maxBytes) still with kafkajs: some 26 MiB.
 */
const BUFFERED_BATCHES = 16;
/** Released offsets are committed at most this often (and once more at close). */
const COMMIT_INTERVAL_MS = 1000;
/** While the buffer is full, eachBatch heartbeats this often so the group keeps the member. */
const HEARTBEAT_WAIT_MS = 1000;
/**
 * How long a fetch waits on the broker for new messages, and how long kafkajs sleeps while every
 * partition is paused; it bounds how long `close` waits for the fetch loop to stop.
 */
const MAX_FETCH_WAIT_MS = 500;
/** With --stop-at-end, a shared source whose partitions are done asks this often whether the whole group is. */
const GROUP_END_POLL_MS = 500;
/**
 * The high watermarks are asked this often, so a partition that fetches nothing is known to be
 * caught up (idleness); an answer older than HIGHS_FRESH_MS says nothing.
 */
const HIGHS_POLL_MS = 1000;
const HIGHS_FRESH_MS = 3 * HIGHS_POLL_MS;

export function createKafkaSource(config: { kind: 'kafka' } & KafkaSourceConfig): Source {
  return new KafkaSource(config);
}

/**
 * The Kafka source: a consumer of the group, whose offsets are committed only from checkpoints the
 * pipeline released (`batchDurable`), so delivery is at-least-once. A restart replays from the
 * committed offsets: events whose windows an earlier run made durable are skipped by the pipeline,
 * the rest are counted again in windows that were never written.
 * - Shared (`config.shared`, the Cassandra sink): the partitioned assignor deals the partitions over the
 *   instances, and every assignment reaches the pipeline as a new generation, which drops its open
 *   windows and reads the owned partitions again from the committed offsets.
 * - Otherwise one member consumes: the single-owner assignor gives it every partition, and any other
 *   member gets none and stops before it reads. On a rebalance, kafkajs re-reads kept partitions from
 *   the committed offsets; what was handed over already is skipped, and revoked partitions are no
 *   longer committed.
 */
class KafkaSource implements Source {
  readonly description: string;
  readonly job: string;
  private readonly admin: Admin;
  private readonly consumer: Consumer;
  private readonly bridge = new BatchBridge<SourceBatch>(BUFFERED_BATCHES);
  private readonly commits: OffsetCommits;
  private progress: PartitionProgress | null = null;
  private starting: Promise<void> | null = null;
  /** The consumer is in the group (from GROUP_JOIN to a crash): pausing and committing are possible. */
  private consuming = false;
  private readonly startedAt = Date.now();
  /** When this member last received the topic's partitions, or -1: its claim to keep them. */
  private ownedSince = -1;
  private current: Assignment = { generation: 0, owned: [], partitionCount: 0 };
  private groupEndPoll: NodeJS.Timeout | null = null;
  private highsPoll: NodeJS.Timeout | null = null;
  /** The last assignment whose partitions all reached their end (--stop-at-end). */
  private drainedGeneration = 0;

  constructor(private readonly config: KafkaSourceConfig) {
    const { topic, group, connection, shared, sessionTimeoutMs } = config;
    this.description = `kafka:${topic} (group ${group}, brokers ${connection.brokers.join(',')})`;
    this.job = `${group}/${topic}`;
    const kafka = kafkaClientOf(connection, 'clickstream');
    this.admin = kafka.admin();
    this.consumer = kafka.consumer({
      groupId: group,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: MAX_FETCH_WAIT_MS,
      sessionTimeout: sessionTimeoutMs,
      // kafkajs's default heartbeat (3 s) against the session: a third of it, as Kafka's own default.
      heartbeatInterval: Math.min(3000, Math.floor(sessionTimeoutMs / 3)),
      partitionAssigners: [
        shared ? partitionedAssigner() : singleOwnerAssigner(() => ({ startedAt: this.startedAt, ownedSince: this.ownedSince })),
      ],
    });
    if (shared) this.assignment = () => this.current;
    this.commits = new OffsetCommits(
      (offsets) => this.consumer.commitOffsets(offsets.map((offset) => ({ topic, ...offset }))),
      COMMIT_INTERVAL_MS,
    );
  }

  /** Known once `batches()` has fetched the topic's metadata, before its first batch. */
  partitionCount(): number {
    return this.progress?.partitionCount ?? 0;
  }

  batches(): AsyncIterable<SourceBatch> {
    this.starting ??= this.start().catch((error: Error) => this.bridge.fail(this.failureOf(error)));
    return this.bridge;
  }

  stop(): void {
    this.bridge.end();
    this.pause();
    this.stopGroupEndPoll();
    if (this.highsPoll !== null) clearInterval(this.highsPoll);
  }

  assignment?: () => Assignment;

  batchDurable(checkpoint: unknown): void {
    const { partition, nextOffset } = checkpoint as KafkaCheckpoint;
    this.commits.release(partition, BigInt(nextOffset));
  }

  lag(): number | null {
    return this.progress?.lag() ?? null;
  }

  lagOf(partition: number): number | null {
    return this.progress?.lagOf(partition) ?? null;
  }

  /** Caught up as the brokers last said, and nothing of the partition is still waiting for the pipeline. */
  isCaughtUp(partition: number): boolean {
    const progress = this.progress;
    if (progress === null || !progress.isCaughtUp(partition, Date.now(), HIGHS_FRESH_MS)) return false;
    return !this.bridge.holds((batch) => batch.partition === partition);
  }

  async close(): Promise<void> {
    this.stop();
    await this.starting;
    try {
      if (this.consuming) await this.commits.flush().catch((error: Error) => this.unlessHandedOver(error));
    } finally {
      await Promise.all([this.consumer.disconnect(), this.admin.disconnect()]);
    }
  }

  private async start(): Promise<void> {
    const { topic, group, fromBeginning, stopAtEnd } = this.config;
    // kafkajs retries for some seconds (its default retry policy), then fails: no broker reached is an
    // exit, not a wait. A listener that never answers lets connect() resolve after its request timeout
    // (30 s), and the first request fails: that request is part of connecting.
    await this.admin
      .connect()
      .then(() => this.admin.listTopics())
      .catch((error: Error) => {
        throw new Error(`cannot connect to Kafka: ${error.message}`, { cause: error });
      });
    this.progress = new PartitionProgress(topic, await partitionStartsOf(this.admin, topic, group, fromBeginning), stopAtEnd);
    if (this.progress.areAllAtEnd()) this.bridge.finish();
    if (this.bridge.isClosed()) return;
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning });
    this.follow(this.progress);
    this.pollHighs(this.progress);
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.handOver(payload) });
  }

  /** Keeps track of the group's assignment, of consumer crashes, and of batches that never reach eachBatch. */
  private follow(progress: PartitionProgress): void {
    const { events } = this.consumer;
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => {
      const assigned = payload.memberAssignment[this.config.topic] ?? [];
      this.commits.assign(assigned);
      if (this.config.shared) {
        this.reassigned(progress, assigned);
        return;
      }
      if (assigned.length === 0) {
        this.ownedSince = -1;
        this.bridge.fail(this.failureOf(new Error(sharedGroupMessage(this.config.group))));
        return;
      }
      if (this.ownedSince === -1) this.ownedSince = Date.now();
      progress.keepOnly(new Set(assigned));
      this.consuming = true;
      if (this.bridge.isClosed()) this.pause();
    });
    this.consumer.on(events.CRASH, ({ payload }) => {
      // kafkajs has dropped the consumer group; on a restart, the next GROUP_JOIN brings one back.
      this.consuming = false;
      if (!payload.restart) this.bridge.fail(this.failureOf(explained(payload.error, this.config.group)));
    });
    this.consumer.on(events.END_BATCH_PROCESS, ({ payload }) => {
      // A batch of only control records or aborted messages skips eachBatch but moves the partition on.
      if (payload.batchSize > 0) return;
      progress.skipTo(payload.partition, BigInt(payload.lastOffset) + 1n);
      this.noteEnd(progress, payload.partition);
    });
  }

  /**
   * A shared source's new assignment (kafkajs rebalances eagerly: every member gives up every partition
   * and reads its new ones from the committed offsets). The pipeline drops its windows when the first
   * batch of the new generation reaches it; here, every owned partition is read again in full, and
   * where it stands is asked of the group, so --stop-at-end knows when it is done.
   */
  private reassigned(progress: PartitionProgress, assigned: readonly number[]): void {
    const owned = [...assigned].sort((a, b) => a - b);
    this.current = { generation: this.current.generation + 1, owned, partitionCount: progress.partitionCount };
    this.consuming = true;
    progress.restart(owned);
    if (this.bridge.isClosed()) {
      this.pause();
      return;
    }
    // Partitions paused at their end under the last assignment may now be another member's unfinished ones.
    this.consumer.resume([{ topic: this.config.topic }]);
    // The pipeline takes up the assignment now, not at its first batch, which may never come.
    this.bridge.push(assignmentBatch(this.current.generation, false));
    const { generation } = this.current;
    // Where each partition starts: an endless source needs it to know a partition that never delivers caught up.
    partitionStartsOf(this.admin, this.config.topic, this.config.group, this.config.fromBeginning).then(
      (starts) => {
        if (generation !== this.current.generation) return;
        for (const { partition, start } of starts) {
          if (!owned.includes(partition)) continue;
          if (this.config.stopAtEnd) progress.skipTo(partition, start);
          else progress.noteStart(partition, start);
        }
        if (!this.config.stopAtEnd) return;
        for (const partition of owned) this.noteEnd(progress, partition);
        this.noteDrained(progress);
      },
      (error: Error) => this.bridge.fail(this.failureOf(error)),
    );
  }

  /** eachBatch: hands the new part of the batch to the pipeline, waiting (and heartbeating) while the buffer is full. */
  private async handOver({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    // Stopped or at the end: the topic is paused, and an unresolved batch is simply fetched again if ever resumed.
    if (this.bridge.isClosed()) return;
    // Fetched under an assignment the group has since replaced: the new one reads it again.
    if (this.config.shared && isStale()) return;
    const progress = this.progress!;
    const taken = progress.take(batch, this.config.shared ? this.current.generation : undefined);
    resolveOffset(batch.lastOffset());
    if (taken !== null) this.bridge.push(taken);
    this.noteEnd(progress, batch.partition);
    while (!this.bridge.hasRoom() && isRunning()) {
      await this.bridge.waitForRoom(HEARTBEAT_WAIT_MS);
      await heartbeat();
    }
  }

  /** With --stop-at-end, a partition at its end stops fetching; once all are there the source ends. */
  private noteEnd(progress: PartitionProgress, partition: number): void {
    if (!progress.isAtEnd(partition)) return;
    this.pause([partition]);
    if (this.config.shared) this.noteDrained(progress);
    else if (progress.areAllAtEnd()) this.bridge.finish();
  }

  /** A shared source tells the pipeline, once per assignment, that all its partitions are at their end. */
  private noteDrained(progress: PartitionProgress): void {
    const { generation, owned } = this.current;
    if (!progress.areAtEnd(owned) || this.drainedGeneration === generation) return;
    this.drainedGeneration = generation;
    this.bridge.push(assignmentBatch(generation, true));
    this.pollGroupEnd(progress);
  }

  /**
   * A shared source ends once the group has committed every partition to its end: until then a member
   * that dies leaves partitions this one may be given, and the last window is merged by whichever
   * instance writes last.
   */
  private pollGroupEnd(progress: PartitionProgress): void {
    if (this.groupEndPoll !== null) return;
    const ends = progress.endOffsets()!;
    const poll = async () => {
      const starts = await partitionStartsOf(this.admin, this.config.topic, this.config.group, this.config.fromBeginning);
      if (starts.every(({ partition, start }) => start >= (ends[partition] ?? 0n))) {
        this.stopGroupEndPoll();
        this.bridge.finish();
      }
    };
    this.groupEndPoll = setInterval(() => void poll().catch((error: Error) => this.bridge.fail(this.failureOf(error))), GROUP_END_POLL_MS);
  }

  /** Asks the brokers for the high watermarks every HIGHS_POLL_MS, one request at a time, until stopped. */
  private pollHighs(progress: PartitionProgress): void {
    if (this.bridge.isClosed()) return;
    let asking = false;
    this.highsPoll = setInterval(() => {
      if (asking) return;
      asking = true;
      const askedAt = Date.now();
      this.admin
        .fetchTopicOffsets(this.config.topic)
        .then(
          (offsets) => progress.highsRead(offsets.map(({ partition, high }) => ({ partition, high: BigInt(high) })), askedAt),
          () => progress.highsUnknown(),
        )
        .finally(() => (asking = false));
    }, HIGHS_POLL_MS);
    this.highsPoll.unref();
  }

  private stopGroupEndPoll(): void {
    if (this.groupEndPoll !== null) clearInterval(this.groupEndPoll);
    this.groupEndPoll = null;
  }

  /** Stops fetching the given partitions (all by default); kafkajs discards their fetched data. */
  private pause(partitions?: number[]): void {
    if (this.consuming) this.consumer.pause([{ topic: this.config.topic, partitions }]);
  }

  /**
   * A shared member that lost its place in the group (it stalled past the session timeout) cannot
   * commit: its partitions' new owners commit them, from the windows this member made durable or
   * again from their own. Not committing is safe (a replay rewrites the same rows); any other failure is not.
   */
  private unlessHandedOver(error: Error): void {
    const type = (error as Error & { type?: string }).type;
    if (this.config.shared && type !== undefined && HANDED_OVER.has(type)) return;
    throw error;
  }

  private failureOf(error: Error): Error {
    return new Error(`Kafka source ${this.description}: ${error.message}`, { cause: error });
  }
}

/** OffsetCommit errors of a member the group no longer counts in (Kafka protocol error codes 22, 25, 27). */
const HANDED_OVER = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS']);

/** A batch of no messages that announces an assignment to the pipeline, or that its partitions are all at their end. */
function assignmentBatch(generation: number, drained: boolean): SourceBatch {
  return {
    partition: -1,
    messages: [],
    generation,
    drained,
    position: () => {
      throw new Error('an assignment batch has no messages');
    },
  };
}

function sharedGroupMessage(group: string): string {
  return (
    `another instance of this job consumes the topic in group ${group}; one instance per group consumes a ` +
    'topic, so this one stops without reading or writing (give it another --group, or stop the other)'
  );
}

/** The broker's words for a group whose members share no protocol, with what it means here. */
function explained(error: Error, group: string): Error {
  if ((error as Error & { type?: string }).type !== 'INCONSISTENT_GROUP_PROTOCOL') return error;
  return new Error(
    `${error.message}: group ${group} has a member of another build or another program, and members of one group ` +
      'must all run the same clickstream build; this one stops without reading or writing',
    { cause: error },
  );
}
