import type { Admin, Consumer, EachBatchPayload } from 'kafkajs';
import { BatchBridge } from './bridge';
import type { KafkaCheckpoint } from './batch';
import { kafkaClientOf } from '../../kafka/client';
import { kafkaFailureOf } from '../../kafka/failures';
import { groupConsumerOf } from '../../kafka/group-consumer';
import { pollGroupEnd } from '../../kafka/group-end';
import { partitionedAssigner } from '../../kafka/partitioned-assignor';
import { OwnerClaim } from '../../kafka/single-owner';
import { partitionStartsOf } from '../../kafka/start';
import { StoreRefusal } from '../../sinks/refusal';
import { OffsetCommits } from './commits';
import { type KafkaSourceConfig, kafkaJobOf } from '../config';
import { PartitionProgress } from './partition-progress';
import type { Assignment, Drained, Source, SourceEvent, StoreProgress } from '../source';

/**
 * Events buffered between kafkajs and the pipeline: enough for kafkajs to fetch and decode ahead
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
 * pipeline released (`batchDurable`), so delivery is at-least-once. Every assignment of the group
 * reaches the pipeline as a new generation: kafkajs rebalances eagerly (every member gives up every
 * partition and reads its new ones from the committed offsets), so the pipeline drops its open windows
 * and skips the events of windows the sink holds as durable for their partition.
 * - Shared (`config.shared`, the Cassandra sink): the partitioned assignor deals the partitions over
 *   the instances, whose sinks merge their shares of each window.
 * - Otherwise one member consumes: the single-owner assignor gives it every partition, and any other
 *   member gets none and stops before it reads.
 */
class KafkaSource implements Source {
  readonly description: string;
  readonly job: string;
  private readonly admin: Admin;
  private readonly consumer: Consumer;
  private readonly claim = new OwnerClaim();
  private readonly bridge = new BatchBridge<SourceEvent>(BUFFERED_BATCHES);
  private readonly commits: OffsetCommits;
  private progress: PartitionProgress | null = null;
  /**
   * The cluster has answered a request past the handshake (a SASL listener answers ApiVersions even to
   * a client without SASL): the connection settings work, so a dropped connection is an outage.
   */
  private reached = false;
  private connecting: Promise<void> | null = null;
  private starting: Promise<void> | null = null;
  /** The consumer is in the group (from GROUP_JOIN to a crash): pausing and committing are possible. */
  private consuming = false;
  private current: Assignment = { generation: 0, owned: [], partitionCount: 0 };
  private stopGroupEndPoll: (() => void) | null = null;
  private highsPoll: NodeJS.Timeout | null = null;
  /** The last assignment whose partitions all reached their end (--stop-at-end). */
  private drainedGeneration = 0;

  constructor(private readonly config: KafkaSourceConfig) {
    const { topic, group, connection, shared, sessionTimeoutMs } = config;
    this.description = `kafka:${topic} (group ${group}, brokers ${connection.brokers.join(',')})`;
    this.job = kafkaJobOf(config);
    const kafka = kafkaClientOf(connection, 'clickstream');
    this.admin = kafka.admin();
    this.consumer = groupConsumerOf(kafka, { group, sessionTimeoutMs, assigner: shared ? partitionedAssigner() : this.claim.assigner() });
    this.commits = new OffsetCommits(
      (offsets) => this.consumer.commitOffsets(offsets.map((offset) => ({ topic, ...offset }))),
      COMMIT_INTERVAL_MS,
    );
  }

  /** Known once `open` has fetched the topic's metadata, before the first event. */
  partitionCount(): number {
    return this.progress?.partitionCount ?? 0;
  }

  /**
   * Connects, reads where the group stands, and refuses a group that has committed offsets its store
   * keeps no progress for: the events before those offsets count in the first windows the job would
   * write, which would then be partial.
   */
  async open(store: StoreProgress): Promise<void> {
    const { topic, group, fromBeginning } = this.config;
    const starts = await this.connected()
      .then(() => partitionStartsOf(this.admin, topic, group, fromBeginning))
      .catch((error: Error) => {
        throw this.failureOf(error);
      });
    this.reached = true;
    const committed = starts.filter(({ committed }) => committed !== null);
    if (!store.kept || store.recorded || committed.length === 0) return;
    const offsets = committed.map(({ partition, committed }) => `${partition}:${committed}`).join(', ');
    throw new StoreRefusal(
      `Kafka group ${group} has committed offsets on ${topic} (partition:offset ${offsets}) but the store holds no progress of this job, ` +
        'so the events before them would be missing from its first windows. Run once with --reset to move the group back to the ' +
        'earliest offsets and rebuild every window, or give the job a new --group',
      2,
    );
  }

  events(): AsyncIterable<SourceEvent> {
    this.starting ??= this.start().catch((error: Error) => this.bridge.fail(this.failureOf(error)));
    return this.bridge;
  }

  stop(): void {
    this.bridge.end();
    this.pause();
    this.stopGroupEndPoll?.();
    if (this.highsPoll !== null) clearInterval(this.highsPoll);
  }

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
    return !this.bridge.holds((event) => event.kind === 'batch' && event.partition === partition);
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

  /**
   * kafkajs retries for some seconds (its default retry policy), then fails: no broker reached is an
   * exit, not a wait. A listener that never answers lets connect() resolve after its request timeout
   * (30 s), and the first request fails: that request is part of connecting.
   */
  private connected(): Promise<void> {
    this.connecting ??= this.admin.connect().then(async () => {
      await this.admin.listTopics();
    });
    return this.connecting;
  }

  /** Where the group stands now (the end offsets of --stop-at-end are those of this moment), then consuming. */
  private async start(): Promise<void> {
    const { topic, group, fromBeginning, stopAtEnd } = this.config;
    await this.connected();
    this.progress = new PartitionProgress(topic, await partitionStartsOf(this.admin, topic, group, fromBeginning), stopAtEnd);
    this.reached = true;
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
      this.claim.received(assigned);
      if (!this.config.shared && assigned.length === 0) {
        this.bridge.fail(this.failureOf(new Error(sharedGroupMessage(this.config.group))));
        return;
      }
      this.reassigned(progress, assigned);
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
   * A new assignment: every owned partition is read again in full from the committed offsets, and
   * where each stands is asked of the group, so --stop-at-end knows when it is done.
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
    this.bridge.push({ kind: 'assigned', assignment: this.current });
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
    if (isStale()) return;
    const progress = this.progress!;
    const taken = progress.take(batch, this.current.generation);
    resolveOffset(batch.lastOffset());
    if (taken !== null) this.bridge.push(taken);
    this.noteEnd(progress, batch.partition);
    while (!this.bridge.hasRoom() && isRunning()) {
      await this.bridge.waitForRoom(HEARTBEAT_WAIT_MS);
      await heartbeat();
    }
  }

  /** With --stop-at-end, a partition at its end stops fetching. */
  private noteEnd(progress: PartitionProgress, partition: number): void {
    if (!progress.isAtEnd(partition)) return;
    this.pause([partition]);
    this.noteDrained(progress);
  }

  /**
   * Once per assignment, when all its partitions are at their end. One member reading every partition
   * is done. One of several tells the pipeline that every window is due, and ends once the group has
   * committed every partition to its end: until then a member that dies leaves partitions this one may
   * be given, and the last window is merged by whichever instance writes last.
   */
  private noteDrained(progress: PartitionProgress): void {
    const { generation, owned } = this.current;
    if (!progress.areAtEnd(owned) || this.drainedGeneration === generation) return;
    this.drainedGeneration = generation;
    if (!this.config.shared) {
      this.bridge.finish();
      return;
    }
    this.bridge.push({ kind: 'drained', generation } satisfies Drained);
    const { topic, group, fromBeginning } = this.config;
    this.stopGroupEndPoll ??= pollGroupEnd(
      this.admin,
      { topic, group, fromBeginning, ends: progress.endOffsets()! },
      () => this.bridge.finish(),
      (error) => this.bridge.fail(this.failureOf(error)),
    );
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
    const failure = kafkaFailureOf(error, this.config.connection, { connecting: !this.reached });
    return new Error(`Kafka source ${this.description}: ${failure}`, { cause: error });
  }
}

/** OffsetCommit errors of a member the group no longer counts in (Kafka protocol error codes 22, 25, 27). */
const HANDED_OVER = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS']);

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
