import { ShardDispatcher } from '../sharding/dispatcher';
import { shardOf } from '../sharding/shard-of';
import { EventReader } from '../parsing/event-reader';
import { lastWindowEnd } from '../windows/spec';
import { createClock, type WindowClock } from '../windows/clock';
import { Writer } from '../writer/writer';
import type { DeadLetters } from '../dead-letters/dead-letter';
import { createDeadLetters } from '../dead-letters/dead-letters';
import { createSource } from '../sources/create-source';
import type { Assignment, Source, SourceBatch } from '../sources/source';
import { PendingCheckpoints } from './checkpoints';
import type { PipelineConfig } from './config';
import { EngineMetrics } from './metrics';
import { OwnedPartitions } from './owned-partitions';
import type { PartitionStatus, PipelineStatus } from './status';
import { WindowCloses } from './window-closes';
import type { ShardHeld } from '../wire/task';
import type { EmissionPart } from '../wire/emission';

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
 * The main thread's loop: read, parse and validate, assign times, decide lateness, shard, and close
 * windows as the clock passes their ends; closed windows go to the writer thread. State is built per
 * assignment of input partitions: a new one drops it and reads the owned partitions again from where
 * the sink holds them durable.
 */
export class Pipeline {
  readonly source: Source;
  readonly metrics = new EngineMetrics();
  private readonly deadLetters: DeadLetters;
  private clock: WindowClock;
  private dispatcher: ShardDispatcher;
  private readonly closes: WindowCloses;
  private readonly now: () => number;
  private writer: Writer | null = null;
  private opening: Promise<Writer> | null = null;
  /** The partitions the windows are built for; null before the source's first assignment. */
  private owned: OwnedPartitions | null = null;
  /** While the workers are replaced, ticks leave them alone. */
  private reassigning = false;
  /** An instance whose partitions are all idle is asking the sink what to follow (followIfIdle). */
  private following = false;
  private lastArrival = -Infinity;
  private checkpoints: PendingCheckpoints | null = null;
  private readonly writes = new Set<Promise<void>>();
  private failure: Error | null = null;
  private stopping = false;
  private ticker: NodeJS.Timeout | null = null;
  private readonly reader = new EventReader();
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
    this.closes = new WindowCloses(
      config.windows,
      (through) => this.dispatcher.closeThrough(through),
      (through) => this.metrics.emit('windowsClosed', through),
    );
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

  /**
   * Opens the sink and the source, before anything is read or written: a store that holds another job,
   * or a group ahead of its store, refuses the run here (StoreRefusal). `run` opens them if this was not called.
   */
  open(): Promise<Writer> {
    this.opening ??= Writer.start(this.config.sink, this.source.job, this.config.identity).then(async (writer) => {
      this.writer = writer;
      await this.source.open?.(writer.store);
      return writer;
    });
    return this.opening;
  }

  /** Gives up a run that was opened and will never run (what was in front of it failed): ends the threads and connections. */
  async abandon(): Promise<void> {
    await this.opening?.catch(() => undefined);
    // Closed, not only ended: the sink withdraws its claim on the store (a run refused once the sink was
    // open, e.g. by a group ahead of its store), so a run on another host is not refused until it expires.
    const writer = this.writer;
    await writer?.close().catch(() => writer.abort());
    await this.source.close?.().catch(() => undefined);
    this.running = false;
    await this.dispatcher.destroy();
    await this.deadLetters.close();
  }

  /** Runs until the source ends or `stop` is called; rejects on the first failure. */
  async run(): Promise<void> {
    const { source } = this;
    try {
      const writer = await this.open();
      this.scheduleTick();
      for await (const event of source.events()) {
        this.throwIfFailed();
        if (event.kind === 'assigned') await this.reassign(event.assignment);
        // Read under an assignment since replaced: the new one reads its partitions again.
        else if (event.generation !== this.owned?.generation) continue;
        else if (event.kind === 'drained') this.closes.closeDue(Infinity);
        else this.process(event);
        await this.dispatcher.waitForCapacity(QUEUED_TASKS_LIMIT);
        while (this.writes.size > PENDING_WRITES_LIMIT && this.failure === null) await Promise.race(this.writes);
        if (this.stopping) break;
      }
      this.throwIfFailed();
      // Without an assignment nothing was read, and there is nothing to close.
      if (this.owned !== null) this.closeAtEnd();
      await this.dispatcher.drain();
      await Promise.all([...this.writes]);
      this.throwIfFailed();
      await writer.close();
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

  /** The input ended (every window is due) or the run was stopped (only what the clock has passed is due). */
  private closeAtEnd(): void {
    if (this.stopping) this.closes.advanceTo(this.clock.dueOnStop(this.arrivalTime()));
    else this.closes.closeDue(Infinity);
  }

  /**
   * A new assignment: what was closed is written first, then every open window is dropped with the
   * workers that held it, and the owned partitions are read again from their committed offsets; each
   * partition's windows that the sink holds as durable are not emitted again.
   */
  private async reassign(assignment: Assignment): Promise<void> {
    this.reassigning = true;
    try {
      // Before the first assignment nothing was read: the workers and clock are still new.
      if (this.owned !== null) await this.replaceWorkers();
      const delivered = await this.writer!.assign(assignment.owned, assignment.partitionCount);
      const checksPlacement = this.config.source.kind === 'kafka' && assignment.partitionCount > 1;
      const owned = (this.owned = new OwnedPartitions(assignment, delivered, checksPlacement));
      if (this.source.job !== null) this.metrics.emit('reassigned', assignment);
      this.restore(owned);
    } finally {
      this.reassigning = false;
    }
  }

  private async replaceWorkers(): Promise<void> {
    await this.dispatcher.drain();
    await Promise.all([...this.writes]);
    this.throwIfFailed();
    await this.dispatcher.destroy();
    this.clock = createClock(this.config.clock, this.config.windows);
    this.dispatcher = this.createDispatcher();
    this.closes.reset();
  }

  /** Windows durable before this assignment stay closed: checkpoints up to them are released, workers hold them closed. */
  private restore(owned: OwnedPartitions): void {
    const { source } = this;
    if (source.batchDurable !== undefined) {
      this.checkpoints = new PendingCheckpoints((checkpoint) => source.batchDurable!(checkpoint), owned.restoredThrough);
    }
    // The workers must hold those windows closed too: a replayed event counted in one would
    // otherwise re-emit it with only the replayed part, over the complete durable rows.
    this.closes.closeDue(owned.restoredThrough);
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
      closedThrough: Number.isFinite(this.closes.frontier) ? this.closes.frontier : null,
      watermark: this.clock.watermark(),
    };
  }

  /** Per owned input partition: its lag and its own watermark. */
  partitions(): PartitionStatus[] {
    const { source, clock, owned } = this;
    if (owned === null) return [];
    return owned.assignment.owned.map((partition) => ({
      partition,
      lag: source.lagOf?.(partition) ?? null,
      watermark: clock.partitionWatermark(owned.clockPartitionOf(partition)),
    }));
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
    const { metrics, clock, deadLetters, reader, closes } = this;
    const owned = this.owned!;
    const arrival = this.arrivalTime();
    const partition = owned.clockPartitionOf(batch.partition);
    closes.advanceTo(clock.batchArrived(partition, owned.count, arrival));
    const shards = this.dispatcher.shards;
    const messages = batch.messages;
    metrics.received += messages.length;
    metrics.kafkaLag = this.source.lag?.() ?? null;
    let latestTime = -Infinity;
    for (let i = 0; i < messages.length; i++) {
      const raw = messages[i];
      const reason = reader.read(raw);
      if (reason !== null) {
        metrics.reject(reason);
        deadLetters.write(reason, reader.parsed.detail, batch.position(i), raw);
        continue;
      }
      const { timestamp } = reader;
      const time = clock.timeOf(timestamp, arrival);
      if (clock.admitsLateEvents && this.isLate(batch, partition, i, time)) continue;
      if (time > latestTime) latestTime = time;
      metrics.accepted++;
      // Several instances count a client in the partition Kafka's default partitioner gives it.
      if (owned.checksPlacement && reader.partitionOf(owned.assignment.partitionCount) !== batch.partition) metrics.misplaced++;
      if (reader.isScanned) {
        const { scanned } = reader;
        this.dispatcher.addBytes(scanned.clientHash % shards, scanned.bytes, scanned, time, timestamp);
      } else {
        const { parsed } = reader;
        this.dispatcher.add(shardOf(parsed.clientId, shards), parsed.clientId, parsed.topic, parsed.page, time, timestamp);
      }
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
    this.closes.advanceTo(this.clock.eventSeen(partition, time));
    const lastEnd = lastWindowEnd(this.config.windows, time);
    if (lastEnd > this.closes.frontier) return false;
    if (this.owned!.isReplayed(batch.partition, lastEnd)) metrics.replayed++;
    else {
      metrics.reject('late');
      const detail = `every window of ${new Date(time).toISOString()} is closed`;
      this.deadLetters.write('late', detail, batch.position(index), batch.messages[index]);
    }
    return true;
  }

  /**
   * Ticks on multiples of the batch interval, so a window closes as soon as the clock passes its end,
   * and partitions go idle even when nothing arrives.
   */
  private scheduleTick(): void {
    const { batchMs } = this.config;
    this.ticker = setTimeout(() => {
      // Before the first assignment there is nothing to close: a wall-clock tick would send the writer
      // a close it cannot write under any partition (a group join can take longer than a tick).
      if (!this.reassigning && this.owned !== null) {
        this.closes.advanceTo(this.clock.ticked(this.arrivalTime(), this.owned?.count ?? 0, this.isCaughtUp));
        this.followIfIdle();
        this.dispatcher.sendAll();
      }
      if (this.running) this.scheduleTick();
    }, batchMs - (this.now() % batchMs));
  }

  /** Whether the source has read, and this pipeline taken, everything of the partition the clock numbers `index`. */
  private readonly isCaughtUp = (index: number): boolean => {
    const partition = this.owned?.assignment.owned[index];
    return partition !== undefined && (this.source.isCaughtUp?.(partition) ?? false);
  };

  /**
   * One of several instances whose every partition is idle can move its clock no further, yet the other
   * instances' merges wait for its partitions. So it follows them (docs/scale-out.md): the sink records
   * its partitions as holding no merge back, and answers through where the other instances' partitions
   * delivered; it closes its windows through there, writing its shares of them. Its partitions' later
   * events of windows closed so are late, as when an idle input rejoins in Flink. One question at a
   * time; a batch that arrives meanwhile wins (the clock is no longer idle).
   */
  private followIfIdle(): void {
    const owned = this.owned;
    if (owned === null || owned.ownsEveryPartition || this.following || !this.clock.isIdle()) return;
    this.following = true;
    this.writer!.follow()
      .then(
        (through) => {
          if (this.owned === owned && !this.reassigning && this.clock.isIdle()) this.closes.closeDue(through, true);
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

  private write(seq: number, parts: EmissionPart[]): void {
    const { metrics } = this;
    const close = this.closes.taken(seq);
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
