import type { WindowRows } from '../windows/window';

/**
 * Where finished windows go; runs inside the writer thread. One recovery model for every sink and any
 * number of instances: the job's progress is kept per input partition (as Kafka Streams keeps its
 * state), whether one instance owns every partition or several share them.
 */
export interface Sink {
  /** Whether the sink keeps the job's progress, so a restarted Kafka job resumes from it (not none, not stdout). */
  readonly keepsProgress: boolean;
  /**
   * Opens the store for the job the sink was made for, before anything is written: a store that holds
   * another job, or that another live process writes, refuses it (StoreRefusal).
   */
  open(): Promise<void>;
  /** What the store recorded of the job's input partitions (partitions never written are absent). */
  readPartitions(job: string): Promise<Map<number, PartitionState>>;
  /**
   * Writes the windows of one close (in window_end order) for the partitions `scope` owns, then records
   * for each owned partition that it delivered every window through `closedThrough` (Infinity: through
   * the last window end written, and ended); resolves once all of it is durable, so the owned
   * partitions' offsets may be committed. An instance that owns every partition writes each window
   * whole; one of several writes its share, and the store merges a window once every partition
   * delivered it (only Cassandra can). Writing a window again leaves exactly the latest write's rows.
   * `idle`: the close follows other instances (see `follow`), and the owned partitions stay ended.
   */
  write(windows: readonly WindowRows[], scope: PartitionScope, closedThrough: number, idle?: boolean): Promise<void>;
  /**
   * The instance's partitions are all idle (event clock, several instances): records them `ended`, so
   * they hold no merge back, merges what that completes, and resolves with the window end through which
   * every partition it does not own, and not ended, delivered (-Infinity when there is none): what the
   * instance closes its windows through, with `idle` writes that keep its partitions ended. An instance
   * that owns every partition has nothing to follow (-Infinity).
   */
  follow(scope: PartitionScope): Promise<number>;
  /**
   * --reset, instead of `open`: removes every window and all progress and records the sink's job; then
   * `rewind` (the Kafka group back to its earliest offsets); then, for a Kafka job (`job`), records each
   * of its `partitionCount` partitions as delivered through nothing, so its next run finds the group and
   * the store in agreement. A failure part way leaves a store that refuses the next run, never one that
   * resumes wrongly. Returns what it removed. Refused while another process writes the store.
   */
  reset(job: string | null, partitionCount: number, rewind: () => Promise<void>): Promise<readonly string[]>;
  close(): Promise<void>;
}

/** The input partitions one instance writes for. */
export interface PartitionScope {
  /** The job whose progress the sink keeps (Kafka: `group/topic`), or null when none is kept (a file, the generator). */
  readonly job: string | null;
  /** Partitions of the input; a client's partition is murmur2(client_id) mod this. */
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
