import { performance } from 'node:perf_hooks';
import { Watermark } from './watermark';
import type { WindowSpec } from './spec';

export type ClockConfig = { readonly kind: 'wall' } | { readonly kind: 'event'; readonly idleTimeoutMs: number };

/**
 * When an event happened and when its windows are complete: Flink's timestamp assigner and trigger
 * in one. The methods that advance time return the time through which windows are complete (the
 * pipeline closes every window ending at or before it), or -Infinity when nothing advanced.
 */
export interface WindowClock {
  readonly kind: ClockConfig['kind'];
  /** Whether an event's own timestamp travels beside its window time (for window_ts). */
  readonly keepsEventTimes: boolean;
  /** Whether an event can belong only to windows already closed (only in event time). */
  readonly admitsLateEvents: boolean;
  /** The window time of an event with this timestamp, arriving now. */
  timeOf(timestamp: number, arrival: number): number;
  /** A batch of `partition` arrived; `partitions` is how many the source knows of. */
  batchArrived(partition: number, partitions: number, arrival: number): number;
  /** An accepted event of `partition` at window time `time`. */
  eventSeen(partition: number, time: number): number;
  /**
   * A tick of the batch interval; `partitions` is how many the source knows of, and `isCaughtUp` says
   * whether the source has read, and the pipeline taken, everything a partition holds.
   */
  ticked(arrival: number, partitions: number, isCaughtUp: (partition: number) => boolean): number;
  /** Whether every partition is idle, so nothing can move the clock until one delivers (only in event time). */
  isIdle(): boolean;
  /** On a stop only what the clock has passed is due: open windows would be partial. */
  dueOnStop(arrival: number): number;
  /** Milliseconds from a window's completion to its durability, or negative when not meaningful. */
  latencyOf(closeIssuedAt: number, windowEnd: number, now: number): number;
  /** The event-time watermark (ms), or null for the wall clock or before the first event. */
  watermark(): number | null;
  /** One input partition's own watermark (ms), or null as above; read only when metrics are scraped. */
  partitionWatermark(partition: number): number | null;
}

export function createClock(config: ClockConfig, spec: WindowSpec): WindowClock {
  return config.kind === 'wall' ? new WallClock() : new EventClock(spec.graceMs, config.idleTimeoutMs);
}

/** Spark Streaming's semantics: an event's time is its arrival; a window ends when the wall clock passes it. */
class WallClock implements WindowClock {
  readonly kind = 'wall';
  readonly keepsEventTimes = true;
  readonly admitsLateEvents = false;

  timeOf(_timestamp: number, arrival: number): number {
    return arrival;
  }

  batchArrived(_partition: number, _partitions: number, arrival: number): number {
    return arrival;
  }

  eventSeen(): number {
    return -Infinity;
  }

  ticked(arrival: number): number {
    return arrival;
  }

  isIdle(): boolean {
    return false;
  }

  dueOnStop(arrival: number): number {
    return arrival;
  }

  /** From the window's end; negative for windows flushed early at the end of input, which are not counted. */
  latencyOf(_closeIssuedAt: number, windowEnd: number, now: number): number {
    return now - windowEnd;
  }

  watermark(): null {
    return null;
  }

  partitionWatermark(): null {
    return null;
  }
}

/** An event's time is its timestamp; a window ends when the watermark (grace included) passes it. */
class EventClock implements WindowClock {
  readonly kind = 'event';
  readonly keepsEventTimes = false;
  readonly admitsLateEvents = true;
  private readonly watermarks: Watermark;

  constructor(graceMs: number, idleTimeoutMs: number) {
    this.watermarks = new Watermark(graceMs, idleTimeoutMs);
  }

  timeOf(timestamp: number): number {
    return timestamp;
  }

  /**
   * Partitions the source knows of hold the watermark back from their first batch or tick on, until
   * they deliver or go idle. A Kafka source learns the count only as it starts, so this is asked each time.
   */
  batchArrived(partition: number, partitions: number, arrival: number): number {
    this.watermarks.know(partitions, arrival);
    return this.watermarks.touch(partition, arrival);
  }

  /** Per event, so which events are late never depends on batching. */
  eventSeen(partition: number, time: number): number {
    return this.watermarks.observe(partition, time);
  }

  /** Idleness is judged on ticks, so a partition goes idle even when nothing arrives at all. */
  ticked(arrival: number, partitions: number, isCaughtUp: (partition: number) => boolean): number {
    this.watermarks.know(partitions, arrival);
    return this.watermarks.tick(arrival, isCaughtUp);
  }

  isIdle(): boolean {
    return this.watermarks.isIdle();
  }

  dueOnStop(): number {
    return -Infinity;
  }

  /** From the close (the watermark passing the end): event time and wall time do not compare. */
  latencyOf(closeIssuedAt: number): number {
    return performance.now() - closeIssuedAt;
  }

  watermark(): number | null {
    const value = this.watermarks.value;
    return value === -Infinity ? null : value;
  }

  partitionWatermark(partition: number): number | null {
    const value = this.watermarks.partitionValue(partition);
    return value === -Infinity ? null : value;
  }
}
