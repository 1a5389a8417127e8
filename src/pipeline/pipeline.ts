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
import type { Source, SourceBatch } from '../sources/source';
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
  private readonly clock: WindowClock;
  private readonly dispatcher: ShardDispatcher;
  private readonly now: () => number;
  private writer: Writer | null = null;
  /** Every window ending at or before this is closed (sent to be written, or being sent). */
  private frontier = -Infinity;
  /** Windows an earlier run of the job made durable; replayed events do not reopen them. */
  private restoredThrough = -Infinity;
  private lastArrival = -Infinity;
  private readonly closes = new Map<number, { through: number; issuedAt: number }>();
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
    this.dispatcher = new ShardDispatcher({
      threads: config.threads,
      spec: config.windows,
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
      this.writer = await Writer.start(this.config.sink, source.job ?? null);
      this.restoredThrough = this.writer.recordedThrough;
      if (source.batchDurable !== undefined) {
        this.checkpoints = new PendingCheckpoints((checkpoint) => source.batchDurable!(checkpoint), this.restoredThrough);
      }
      // The workers must hold those windows closed too: a replayed event counted in one would
      // otherwise re-emit it with only the replayed part, over the complete durable rows.
      this.closeDue(this.restoredThrough);
      this.scheduleTick();
      for await (const batch of source.batches()) {
        this.throwIfFailed();
        this.process(batch);
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
    const { source, clock } = this;
    const partitions: PartitionStatus[] = [];
    for (let partition = 0; partition < source.partitionCount(); partition++) {
      partitions.push({ partition, lag: source.lagOf?.(partition) ?? null, watermark: clock.partitionWatermark(partition) });
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
    this.advanceTo(clock.batchArrived(batch.partition, this.source.partitionCount(), arrival));
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
      if (clock.admitsLateEvents && this.isLate(batch, i, time)) continue;
      if (time > latestTime) latestTime = time;
      metrics.accepted++;
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
  private isLate(batch: SourceBatch, index: number, time: number): boolean {
    const { metrics } = this;
    this.advanceTo(this.clock.eventSeen(batch.partition, time));
    const lastEnd = lastWindowEnd(this.config.windows, time);
    if (lastEnd > this.frontier) return false;
    if (lastEnd <= this.restoredThrough) metrics.replayed++;
    else {
      metrics.reject('late');
      const detail = `every window of ${new Date(time).toISOString()} is closed`;
      this.deadLetters.write('late', detail, batch.position(index), batch.messages[index]);
    }
    return true;
  }

  /** Closes the windows complete at `time`; the check spares a division for each event that closes nothing. */
  private advanceTo(time: number): void {
    if (time - this.config.windows.slideMs >= this.frontier) this.closeDue(closedThrough(this.config.windows, time));
  }

  /** Closes every window ending at or before `through` that is not closed yet. */
  private closeDue(through: number): void {
    if (through <= this.frontier) return;
    this.frontier = through;
    this.closes.set(this.dispatcher.closeThrough(through), { through, issuedAt: performance.now() });
    this.metrics.emit('windowsClosed', through);
  }

  /** Ticks on multiples of the batch interval, so a window closes as soon as the clock passes its end. */
  private scheduleTick(): void {
    const { batchMs } = this.config;
    this.ticker = setTimeout(() => {
      this.advanceTo(this.clock.ticked(this.arrivalTime()));
      this.dispatcher.sendAll();
      if (this.running) this.scheduleTick();
    }, batchMs - (this.now() % batchMs));
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
      .write(seq, close.through, parts)
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
