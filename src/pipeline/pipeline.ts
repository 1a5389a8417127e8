import { performance } from 'node:perf_hooks';
import { ShardDispatcher } from '../sharding/dispatcher';
import { shardOf } from '../sharding/shard-of';
import { createParsedEvent, parseEvent } from '../parsing/event';
import { createScannedEvent, scanEvent } from '../parsing/scan';
import { Watermark } from '../windows/watermark';
import { closedThrough, lastWindowEnd, type WindowSpec } from '../windows/spec';
import { Writer } from '../writer/writer';
import type { DeadLetters } from '../dead-letters/dead-letters';
import type { Metrics } from './metrics';
import type { SinkConfig } from '../sinks/config';
import { PendingCheckpoints } from './checkpoints';
import type { Source, SourceBatch } from '../sources/source';

export type Clock = 'wall' | 'event';

export interface PipelineOptions {
  readonly source: Source;
  readonly spec: WindowSpec;
  readonly clock: Clock;
  readonly latenessMs: number;
  readonly idleTimeoutMs: number;
  readonly threads: number;
  readonly sink: SinkConfig;
  readonly deadLetters: DeadLetters;
  readonly metrics: Metrics;
  /** Wall time in ms; injectable for tests of the wall clock. */
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
 * The main thread's loop (SPEC §1): read, parse and validate, assign times, decide lateness, shard,
 * and close windows as the clock passes their ends; closed windows go to the writer thread.
 */
export class Pipeline {
  private readonly dispatcher: ShardDispatcher;
  private readonly watermark: Watermark;
  private readonly now: () => number;
  private writer: Writer | null = null;
  /** Every window ending at or before this is closed (sent to be written, or being sent). */
  private frontier = -Infinity;
  /** Windows an earlier run of the job made durable; replayed events do not reopen them. */
  private restoredThrough = -Infinity;
  private lastArrival = -Infinity;
  private touchedPartitions = 0;
  private readonly closes = new Map<number, { through: number; issuedAt: number }>();
  private checkpoints: PendingCheckpoints | null = null;
  private readonly writes = new Set<Promise<void>>();
  private failure: Error | null = null;
  private stopping = false;
  private ticker: NodeJS.Timeout | null = null;
  private readonly scanned = createScannedEvent();
  private readonly parsed = createParsedEvent();
  private running = true;

  constructor(private readonly options: PipelineOptions) {
    this.now = options.now ?? Date.now;
    this.watermark = new Watermark(options.latenessMs, options.idleTimeoutMs);
    this.dispatcher = new ShardDispatcher({
      threads: options.threads,
      spec: options.spec,
      keepsEventTimes: options.clock === 'wall',
      batchCapacity: TASK_CAPACITY,
      onClosed: (seq, parts) => this.write(seq, parts),
      onFailure: (error) => this.fail(error),
    });
  }

  /** Runs until the source ends or `stop` is called; rejects on the first failure. */
  async run(): Promise<void> {
    try {
      const { source } = this.options;
      this.writer = await Writer.start(this.options.sink, source.job ?? null);
      this.restoredThrough = this.writer.recordedThrough;
      if (source.batchDurable !== undefined) {
        this.checkpoints = new PendingCheckpoints((checkpoint) => source.batchDurable!(checkpoint), this.restoredThrough);
      }
      // The workers must hold those windows closed too: a replayed event counted in one would
      // otherwise re-emit it with only the replayed part, over the complete durable rows.
      this.closeDue(this.restoredThrough);
      this.scheduleTick();
      for await (const batch of this.options.source.batches()) {
        this.throwIfFailed();
        this.process(batch);
        await this.dispatcher.waitForCapacity(QUEUED_TASKS_LIMIT);
        while (this.writes.size > PENDING_WRITES_LIMIT && this.failure === null) await Promise.race(this.writes);
        if (this.stopping) break;
      }
      this.throwIfFailed();
      this.closeDue(this.stopping ? this.dueOnStop() : Infinity);
      await this.dispatcher.drain();
      await Promise.all([...this.writes]);
      this.throwIfFailed();
      await this.writer.close();
      await source.close?.();
    } catch (error) {
      await this.writer?.abort();
      // Checkpoints released so far are durable, so the source may still commit them; closing it
      // also disconnects it (a Kafka client left connected keeps the process alive). The first error wins.
      await this.options.source.close?.().catch(() => undefined);
      throw error;
    } finally {
      this.running = false;
      if (this.ticker !== null) clearTimeout(this.ticker);
      await this.dispatcher.destroy();
      await this.options.deadLetters.close();
    }
  }

  /** Stops consuming; what is due is still written (SPEC §7). */
  stop(): void {
    this.stopping = true;
    this.options.source.stop();
  }

  private process(batch: SourceBatch): void {
    const { metrics, spec, clock, deadLetters } = this.options;
    const arrival = this.arrivalTime();
    if (clock === 'event') {
      this.touchNewPartitions(arrival);
      this.closeDue(closedThrough(spec, this.watermark.touch(batch.partition, arrival)));
    } else this.closeDue(closedThrough(spec, arrival));
    const { scanned, parsed } = this;
    const shards = this.dispatcher.shards;
    const messages = batch.messages;
    metrics.received += messages.length;
    metrics.kafkaLag = this.options.source.lag?.() ?? null;
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
      const time = clock === 'event' ? timestamp : arrival;
      if (clock === 'event' && this.isLate(batch, i, time)) continue;
      if (time > latestTime) latestTime = time;
      metrics.accepted++;
      if (isScanned) this.dispatcher.addBytes(scanned.clientHash % shards, scanned.bytes, scanned, time, timestamp);
      else this.dispatcher.add(shardOf(parsed.clientId, shards), parsed.clientId, parsed.topic, parsed.page, time, timestamp);
    }
    this.checkpoints?.add(batch.checkpoint, latestTime === -Infinity ? -Infinity : lastWindowEnd(spec, latestTime));
  }

  /**
   * Event clock: advances the watermark by this event (per event, so lateness never depends on
   * batching), closes what it passed, and tells whether every window of the event is already closed.
   */
  private isLate(batch: SourceBatch, index: number, time: number): boolean {
    const { spec, metrics, deadLetters } = this.options;
    const watermark = this.watermark.observe(batch.partition, time);
    if (watermark - spec.slideMs >= this.frontier) this.closeDue(closedThrough(spec, watermark));
    const lastEnd = lastWindowEnd(spec, time);
    if (lastEnd > this.frontier) return false;
    if (lastEnd <= this.restoredThrough) metrics.replayed++;
    else {
      metrics.reject('late');
      const detail = `every window of ${new Date(time).toISOString()} is closed`;
      deadLetters.write('late', detail, batch.position(index), batch.messages[index]);
    }
    return true;
  }

  /**
   * Partitions the source knows of hold the watermark back from the first batch on, until they
   * deliver or go idle. A Kafka source learns the count only as its iterator starts, so this is
   * asked per batch rather than before the loop.
   */
  private touchNewPartitions(now: number): void {
    const count = this.options.source.partitionCount();
    while (this.touchedPartitions < count) this.watermark.touch(this.touchedPartitions++, now);
  }

  /** Closes every window ending at or before `through` that is not closed yet. */
  private closeDue(through: number): void {
    if (through <= this.frontier) return;
    this.frontier = through;
    this.closes.set(this.dispatcher.closeThrough(through), { through, issuedAt: performance.now() });
  }

  /** On a stop, only the windows the clock has passed are due; open ones would be partial. */
  private dueOnStop(): number {
    const { spec, clock } = this.options;
    return clock === 'wall' ? closedThrough(spec, this.arrivalTime()) : this.frontier;
  }

  /** Ticks on multiples of the batch interval, so a window closes as soon as the clock passes its end. */
  private scheduleTick(): void {
    const { batchMs } = this.options.spec;
    this.ticker = setTimeout(() => {
      this.tick();
      if (this.running) this.scheduleTick();
    }, batchMs - (this.now() % batchMs));
  }

  /** Each batch interval: send what the shards hold, and in wall clock close what has ended. */
  private tick(): void {
    const { spec, clock } = this.options;
    if (clock === 'wall') this.closeDue(closedThrough(spec, this.arrivalTime()));
    this.dispatcher.sendAll();
  }

  /** Arrival times never go back, even if the wall clock does. */
  private arrivalTime(): number {
    this.lastArrival = Math.max(this.lastArrival, this.now());
    return this.lastArrival;
  }

  private write(seq: number, parts: Uint8Array[]): void {
    const { metrics } = this.options;
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
            const latency = this.latencyOf(close.issuedAt, report.lastWindowEnd!);
            if (latency >= 0) metrics.recordLatency(latency);
            metrics.onWindows?.(report);
          }
          this.checkpoints?.durable(close.through);
        },
        (error: Error) => this.fail(error),
      )
      .finally(() => this.writes.delete(written));
    this.writes.add(written);
  }

  /**
   * Wall clock: from the window's end to durable (negative for windows flushed early at the end of
   * input, which are not counted). Event clock: from the close (the watermark passing the end) to
   * durable — event time and wall time do not compare.
   */
  private latencyOf(closeIssuedAt: number, windowEnd: number): number {
    return this.options.clock === 'wall' ? this.now() - windowEnd : performance.now() - closeIssuedAt;
  }

  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.options.source.stop();
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }
}
