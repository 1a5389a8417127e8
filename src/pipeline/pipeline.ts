import { performance } from 'node:perf_hooks';
import { ShardDispatcher } from '../sharding/dispatcher';
import { shardOf } from '../sharding/shard-of';
import { createParsedEvent, parseEvent } from '../parsing/event';
import { createScannedEvent, scanEvent } from '../parsing/scan';
import { closedThrough, lastWindowEnd } from '../windows/spec';
import { Writer } from '../writer/writer';
import type { DeadLetters } from '../dead-letters/dead-letter';
import { createDeadLetters } from '../dead-letters/dead-letters';
import { createSource } from '../sources/create-source';
import type { Assignment, Source, SourceBatch } from '../sources/source';
import { partitionOfKey } from '../kafka/murmur2';
import { PendingCheckpoints } from './checkpoints';
import { createClock, type WindowClock } from './clock';
import type { PipelineConfig } from './config';
import { EngineMetrics } from './metrics';
import type { PartitionStatus, PipelineStatus } from './status';
import type { ShardHeld } from '../wire/task';

/** What a run is built from besides its config; a test harness passes its own. */
export interface PipelineParts {
  readonly source?: Source;
  readonly deadLetters?: DeadLetters;
  /** Wall time in ms. */
  readonly now?: () => number;
}

/** Events a shard collects before its batch is sent without waiting for the batch interval. */
const TASK_CAPACITY = 16_384;
/** Tasks a shard may have queued before the source waits: enough to keep workers busy, no more. */
const QUEUED_TASKS_LIMIT = 2;
/**
 * Closes waiting for the writer before the source waits. With a stalled sink (Cassandra down) this
 * is what pauses consumption: memory stays bounded by this many closes' windows plus the tasks above.
 */
const PENDING_WRITES_LIMIT = 4;

/**
 * The main thread's loop: read, parse and validate, assign times, decide lateness, shard,
 * and close windows as the clock passes their ends; closed windows go to the writer thread.
 */
export class Pipeline {
  readonly source: Source;
  readonly metrics = new EngineMetrics();
  private readonly deadLetters: DeadLetters;
  private clock: WindowClock;
  private dispatcher: ShardDispatcher;
  private readonly now: () => number;
  private writer: Writer | null = null;
  /** Every window ending at or before this is closed (sent to be written, or being sent). */
  private frontier = -Infinity;
  /** Windows an earlier run of the job made durable; replayed events do not reopen them. */
  private restoredThrough = -Infinity;
  /**
   * Shared input: the assignment the windows are built under, the same per partition (the windows
   * durable for it), and each owned partition's index among the owned ones (-1 when not owned), which
   * is the partition as the clock knows it: its watermark waits for owned partitions only.
   */
  private assigned: Assignment | null = null;
  private delivered: number[] = [];
  private ownedIndex: number[] = [];
  /** A shared job whose partitions are all idle is asking the sink what to follow (followIfIdle). */
  private following = false;
  /** While the workers are replaced, ticks leave them alone. */
  private reassigning = false;
  private lastArrival = -Infinity;
  private readonly closes = new Map<number, { through: number; issuedAt: number; idle: boolean }>();
  private checkpoints: PendingCheckpoints | null = null;
  private readonly writes = new Set<Promise<void>>();
  private failure: Error | null = null;
  private stopping = false;
  private ticker: NodeJS.Timeout | null = null;
  private readonly scanned = createScannedEvent();
  private readonly parsed = createParsedEvent();
  private running = true;

  constructor(
    private readonly config: PipelineConfig,
    parts: PipelineParts = {},
  ) {
    this.source = parts.source ?? createSource(config.source);
    this.deadLetters = parts.deadLetters ?? createDeadLetters(config.deadLetters);
    this.now = parts.now ?? Date.now;
    this.clock = createClock(config.clock, config.windows);
    this.dispatcher = this.createDispatcher();
  }

  private createDispatcher(): ShardDispatcher {
    return new ShardDispatcher({
      threads: this.config.threads,
      spec: this.config.windows,
      keepsEventTimes: this.clock.keepsEventTimes,
      batchCapacity: TASK_CAPACITY,
      onClosed: (seq, parts) => this.write(seq, parts),
      onFailure: (error) => this.fail(error),
    });
  }

  /** Runs until the source ends or `stop` is called; rejects on the first failure. */
  async run(): Promise<void> {
    const { source } = this;
    try {
      const shared = source.assignment !== undefined;
      this.writer = await Writer.start(this.config.sink, source.job ?? null, shared);
      this.restoredThrough = this.writer.recordedThrough;
      if (!shared) this.restore();
      this.scheduleTick();
      for await (const batch of source.batches()) {
        this.throwIfFailed();
        if (batch.generation !== undefined && batch.generation !== this.assigned?.generation) {
          const assignment = source.assignment!();
          // Read under an assignment since replaced: the new one reads its partitions again.
          if (batch.generation !== assignment.generation) continue;
          await this.reassign(assignment);
        }
        if (batch.drained === true) this.closeDue(Infinity);
        else if (batch.partition >= 0) this.process(batch);
        await this.dispatcher.waitForCapacity(QUEUED_TASKS_LIMIT);
        while (this.writes.size > PENDING_WRITES_LIMIT && this.failure === null) await Promise.race(this.writes);
        if (this.stopping) break;
      }
      this.throwIfFailed();
      if (this.stopping) this.advanceTo(this.clock.dueOnStop(this.arrivalTime()));
      else this.closeDue(Infinity);
      await this.dispatcher.drain();
      await Promise.all([...this.writes]);
      this.throwIfFailed();
      await this.writer.close();
      await source.close?.();
    } catch (error) {
      await this.writer?.abort();
      // Checkpoints released so far are durable, so the source may still commit them; closing it
      // also disconnects it (a Kafka client left connected keeps the process alive). The first error wins.
      await source.close?.().catch(() => undefined);
      throw error;
    } finally {
      this.running = false;
      if (this.ticker !== null) clearTimeout(this.ticker);
      await this.dispatcher.destroy();
      await this.deadLetters.close();
    }
  }

  /** Windows durable before this run stay closed: checkpoints up to them are released, workers hold them closed. */
  private restore(): void {
    const { source } = this;
    if (source.batchDurable !== undefined) {
      this.checkpoints = new PendingCheckpoints((checkpoint) => source.batchDurable!(checkpoint), this.restoredThrough);
    }
    // The workers must hold those windows closed too: a replayed event counted in one would
    // otherwise re-emit it with only the replayed part, over the complete durable rows.
    this.closeDue(this.restoredThrough);
  }

  /**
   * A new assignment of a shared input: what was closed is written first, then every open window is
   * dropped with the workers that held it, and the owned partitions are read again from their committed
   * offsets; each partition's windows that the sink holds as durable are not emitted again.
   */
  private async reassign(assignment: Assignment): Promise<void> {
    this.reassigning = true;
    try {
      await this.replaceWindows(assignment);
    } finally {
      this.reassigning = false;
    }
  }

  private async replaceWindows(assignment: Assignment): Promise<void> {
    // Before the first assignment nothing was read: the workers and clock are still new.
    if (this.assigned !== null) {
      await this.dispatcher.drain();
      await Promise.all([...this.writes]);
      this.throwIfFailed();
      await this.dispatcher.destroy();
      this.clock = createClock(this.config.clock, this.config.windows);
      this.dispatcher = this.createDispatcher();
      this.closes.clear();
      this.frontier = -Infinity;
    }
    const { owned, partitionCount } = assignment;
    const delivered = await this.writer!.assign(owned, partitionCount);
    this.assigned = assignment;
    this.ownedIndex = Array.from({ length: partitionCount }, () => -1);
    this.delivered = Array.from({ length: partitionCount }, () => -Infinity);
    owned.forEach((partition, index) => {
      this.ownedIndex[partition] = index;
      this.delivered[partition] = delivered.get(partition) ?? -Infinity;
    });
    this.restoredThrough = owned.length === 0 ? -Infinity : Math.min(...owned.map((partition) => this.delivered[partition]));
    this.metrics.emit('reassigned', assignment);
    this.restore();
  }

  status(): PipelineStatus {
    return {
      running: this.running,
      sinkOpen: this.writer !== null && this.running,
      sourceConnected: this.source.partitionCount() > 0,
      stopping: this.stopping,
      failure: this.failure?.message ?? null,
      writerFailure: this.writer?.failed() ?? null,
      threads: this.config.threads,
      liveThreads: this.dispatcher.liveThreads(),
      queuedTasks: this.dispatcher.queuedTasks(),
      pendingWrites: this.writes.size,
      closedThrough: Number.isFinite(this.frontier) ? this.frontier : null,
      watermark: this.clock.watermark(),
    };
  }

  /** Per input partition the source knows of: its lag and its own watermark. */
  partitions(): PartitionStatus[] {
    const { source, clock, assigned } = this;
    const partitions: PartitionStatus[] = [];
    const owned = assigned === null ? Array.from({ length: source.partitionCount() }, (_, partition) => partition) : assigned.owned;
    for (const partition of owned) {
      // A shared job's clock numbers its partitions by their place among the owned ones.
      const watermark = clock.partitionWatermark(assigned === null ? partition : this.ownedIndex[partition]);
      partitions.push({ partition, lag: source.lagOf?.(partition) ?? null, watermark });
    }
    return partitions;
  }

  /** Per aggregation shard: its open windows and panes, as its latest task left them. */
  shards(): readonly ShardHeld[] {
    return this.dispatcher.heldByShard();
  }

  /** Stops consuming; what is due is still written, and the source commits what is durable. */
  stop(): void {
    this.stopping = true;
    this.source.stop();
  }

  private process(batch: SourceBatch): void {
    const { metrics, clock, deadLetters, scanned, parsed } = this;
    const arrival = this.arrivalTime();
    const assigned = this.assigned;
    const partition = assigned === null ? batch.partition : this.ownedIndex[batch.partition];
    this.advanceTo(clock.batchArrived(partition, this.clockPartitions(), arrival));
    const shards = this.dispatcher.shards;
    const messages = batch.messages;
    metrics.received += messages.length;
    metrics.kafkaLag = this.source.lag?.() ?? null;
    let latestTime = -Infinity;
    for (let i = 0; i < messages.length; i++) {
      const raw = messages[i];
      const isScanned = scanEvent(raw, scanned);
      if (!isScanned) {
        const reason = parseEvent(raw, parsed);
        if (reason !== null) {
          metrics.reject(reason);
          deadLetters.write(reason, parsed.detail, batch.position(i), raw);
          continue;
        }
      }
      const timestamp = isScanned ? scanned.timestamp : parsed.timestamp;
      const time = clock.timeOf(timestamp, arrival);
      if (clock.admitsLateEvents && this.isLate(batch, partition, i, time)) continue;
      if (time > latestTime) latestTime = time;
      metrics.accepted++;
      if (assigned !== null && this.isMisplaced(batch.partition, assigned.partitionCount, isScanned)) metrics.misplaced++;
      if (isScanned) this.dispatcher.addBytes(scanned.clientHash % shards, scanned.bytes, scanned, time, timestamp);
      else this.dispatcher.add(shardOf(parsed.clientId, shards), parsed.clientId, parsed.topic, parsed.page, time, timestamp);
    }
    this.checkpoints?.add(batch.checkpoint, latestTime === -Infinity ? -Infinity : lastWindowEnd(this.config.windows, latestTime));
    metrics.emit('batchProcessed', messages.length);
  }

  /**
   * Advances the clock by this event, closes what it passed, and tells whether every window of the
   * event is already closed.
   */
  private isLate(batch: SourceBatch, partition: number, index: number, time: number): boolean {
    const { metrics } = this;
    this.advanceTo(this.clock.eventSeen(partition, time));
    const lastEnd = lastWindowEnd(this.config.windows, time);
    if (lastEnd > this.frontier) return false;
    if (lastEnd <= (this.assigned === null ? this.restoredThrough : this.delivered[batch.partition])) metrics.replayed++;
    else {
      metrics.reject('late');
      const detail = `every window of ${new Date(time).toISOString()} is closed`;
      this.deadLetters.write('late', detail, batch.position(index), batch.messages[index]);
    }
    return true;
  }

  /**
   * Whether the event's client hashes to another partition than the one it came from: Kafka's default
   * partitioner (murmur2 of the key) places a client-keyed topic's clients, and an instance's share of a
   * window counts each client in the partition the partitioner gives it.
   */
  private isMisplaced(partition: number, partitionCount: number, isScanned: boolean): boolean {
    const { scanned, parsed } = this;
    const placed = isScanned
      ? partitionOfKey(scanned.bytes, partitionCount, scanned.clientStart, scanned.clientEnd)
      : partitionOfKey(Buffer.from(parsed.clientId), partitionCount);
    return placed !== partition;
  }

  /** Closes the windows complete at `time`; the check spares a division for each event that closes nothing. */
  private advanceTo(time: number): void {
    if (time - this.config.windows.slideMs >= this.frontier) this.closeDue(closedThrough(this.config.windows, time));
  }

  /** Closes every window ending at or before `through` that is not closed yet; `idle` when it follows other instances. */
  private closeDue(through: number, idle = false): void {
    if (through <= this.frontier) return;
    this.frontier = through;
    this.closes.set(this.dispatcher.closeThrough(through), { through, issuedAt: performance.now(), idle });
    this.metrics.emit('windowsClosed', through);
  }

  /**
   * Ticks on multiples of the batch interval, so a window closes as soon as the clock passes its end,
   * and partitions go idle even when nothing arrives.
   */
  private scheduleTick(): void {
    const { batchMs } = this.config;
    this.ticker = setTimeout(() => {
      if (!this.reassigning) {
        this.advanceTo(this.clock.ticked(this.arrivalTime(), this.clockPartitions(), this.isCaughtUp));
        this.followIfIdle();
        this.dispatcher.sendAll();
      }
      if (this.running) this.scheduleTick();
    }, batchMs - (this.now() % batchMs));
  }

  /** How many partitions the clock keeps: a shared job's owned ones (none before its first assignment), else the source's. */
  private clockPartitions(): number {
    if (this.source.assignment !== undefined) return this.assigned?.owned.length ?? 0;
    return this.source.partitionCount();
  }

  /** Whether the source has read, and this pipeline taken, everything of the partition the clock numbers `index`. */
  private readonly isCaughtUp = (index: number): boolean => {
    const partition = this.assigned === null ? index : this.assigned.owned[index];
    return this.source.isCaughtUp?.(partition) ?? false;
  };

  /**
   * A shared job whose every partition is idle can move its clock no further, yet the other instances'
   * merges wait for its partitions. So it follows them (docs/scale-out.md): the sink records its
   * partitions as holding no merge back, and answers through where the other instances' partitions
   * delivered; it closes its windows through there, writing its shares of them. Its partitions' later
   * events of windows closed so are late, as when an idle input rejoins in Flink. One question at a
   * time; a batch that arrives meanwhile wins (the clock is no longer idle).
   */
  private followIfIdle(): void {
    const assigned = this.assigned;
    if (assigned === null || this.following || !this.clock.isIdle()) return;
    this.following = true;
    this.writer!.follow()
      .then(
        (through) => {
          if (this.assigned === assigned && !this.reassigning && this.clock.isIdle()) this.closeDue(through, true);
        },
        (error: Error) => this.fail(error),
      )
      .finally(() => (this.following = false));
  }

  /** Arrival times never go back, even if the wall clock does. */
  private arrivalTime(): number {
    this.lastArrival = Math.max(this.lastArrival, this.now());
    return this.lastArrival;
  }

  private write(seq: number, parts: Uint8Array[]): void {
    const { metrics } = this;
    const close = this.closes.get(seq)!;
    this.closes.delete(seq);
    const written: Promise<void> = this.writer!
      .write(seq, close.through, parts, close.idle)
      .then(
        ({ report, spent }) => {
          this.dispatcher.recycle(spent);
          metrics.windowsEmitted += report.windows;
          metrics.rowsWritten += report.rows;
          if (report.lastWindowEnd !== null) metrics.lastWindowEnd = report.lastWindowEnd;
          if (report.windows > 0) {
            const latency = this.clock.latencyOf(close.issuedAt, report.lastWindowEnd!, this.now());
            if (latency >= 0) metrics.recordLatency(latency);
            metrics.emit('windowsDurable', report);
          }
          this.checkpoints?.durable(close.through);
        },
        (error: Error) => this.fail(error),
      )
      .finally(() => this.writes.delete(written));
    this.writes.add(written);
  }

  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.source.stop();
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }
}
