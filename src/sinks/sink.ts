import type { WindowRows } from '../windows/window';

/**
 * Where finished windows go. Runs inside the writer thread. A sink is idempotent per window:
 * writing a window again (same window_end) leaves exactly the rows of the latest write.
 */
export interface Sink {
  open(): Promise<void>;
  /**
   * Resolves once every given window is durable. Windows arrive in window_end order. With a
   * `progress`, the sink also records, durably with the windows, that every window of that job ending
   * at or before `closedThrough` is written (sinks that cannot read it back may ignore it).
   */
  writeWindows(windows: readonly WindowRows[], progress: Progress | null): Promise<void>;
  /**
   * The `closedThrough` last recorded for the job, or -Infinity. A restarted job does not emit those
   * windows again: replayed events could only rebuild them partially (delivery is at-least-once).
   */
  readProgress(job: string): Promise<number>;
  close(): Promise<void>;
}

/** How far a job's windows are durable; the job is the Kafka consumer group and topic. */
export interface Progress {
  readonly job: string;
  readonly closedThrough: number;
}

/**
 * What one instance of a job that shares its Kafka topic with other instances (one consumer group)
 * writes: its share of each window, for the input partitions it owns. See docs/scale-out.md.
 */
export interface PartitionScope {
  /** The Kafka consumer group and topic, `group/topic`. */
  readonly job: string;
  /** Partitions of the topic; a client's partition is murmur2(client_id) mod this. */
  readonly partitionCount: number;
  /** The partitions assigned to this instance. */
  readonly owned: readonly number[];
  /** Per owned partition, what `readPartitions` returned at the (re)assignment: its windows through that end are durable. */
  readonly delivered: ReadonlyMap<number, number>;
}

/** One input partition's recorded state. */
export interface PartitionState {
  /** Every window ending at or before this is durable for the partition (its share written), or -Infinity. */
  readonly delivered: number;
  /**
   * It holds no window back until its owner records it delivering again: its owner read it to the end
   * of a bounded run (--stop-at-end), or every partition of its owner is idle and it follows the others.
   */
  readonly ended: boolean;
}

/** A sink that several instances of one job can write together (Cassandra). */
export interface SharedSink extends Sink {
  /** Every partition's state the job recorded (partitions never written are absent). */
  readPartitions(job: string): Promise<Map<number, PartitionState>>;
  /**
   * Writes the instance's share of `windows` (all windows of one close, in window_end order), then
   * records `delivered` = `closedThrough` (with Infinity: the last window end written, and `ended`) for
   * every owned partition, `ended` also when `idle` (the close follows other instances), then merges
   * every window that all partitions have delivered. Resolves once
   * all of it is durable, so the owned partitions' offsets may be committed.
   */
  writeShare(windows: readonly WindowRows[], scope: PartitionScope, closedThrough: number, idle?: boolean): Promise<void>;
  /**
   * The instance's partitions are all idle: records them `ended` (they hold no merge back), merges what
   * that completes, and resolves with the window end through which every partition it does not own,
   * and not ended, delivered (-Infinity when there is none): what the instance closes its windows
   * through, with `idle` writes that keep its partitions ended.
   */
  follow(scope: PartitionScope): Promise<number>;
}

export function isSharedSink(sink: Sink): sink is SharedSink {
  return 'writeShare' in sink;
}
