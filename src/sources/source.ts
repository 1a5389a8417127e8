/**
 * A source delivers raw messages in batches. Each batch comes from one input partition (a file is
 * one partition; a Kafka topic has several), because the event-clock watermark is kept per
 * partition.
 */

/** Where a message came from, for dead letters. */
export type Position =
  | { readonly kind: 'line'; readonly line: number }
  | { readonly kind: 'kafka'; readonly topic: string; readonly partition: number; readonly offset: string }
  | { readonly kind: 'synthetic'; readonly index: number };

export interface SourceBatch {
  /**
   * Index of the input partition, 0-based and dense; the watermark is kept per partition. -1 for a
   * shared source's batch of no messages that only announces its `generation` (and `drained`).
   */
  readonly partition: number;
  /** Raw message values, one event each (not yet parsed or validated). */
  readonly messages: readonly Buffer[];
  /** Position of messages[index]; called only for rejected messages, so it may allocate. */
  position(index: number): Position;
  /** Opaque mark handed back to `Source.batchDurable` (a Kafka offset); the batch itself is not kept. */
  readonly checkpoint?: unknown;
  /** A shared source's assignment this batch was read under (see `Source.assignment`). */
  readonly generation?: number;
  /**
   * No messages: every partition of the assignment reached its end (--stop-at-end), so every window
   * is due. The source itself ends later, once the group has committed every partition to its end.
   */
  readonly drained?: boolean;
}

/** The partitions one instance of a job owns among several instances sharing a topic. */
export interface Assignment {
  /** Counts up with every assignment: state built under an older one is dropped. */
  readonly generation: number;
  readonly owned: readonly number[];
  /** Partitions of the topic. */
  readonly partitionCount: number;
}

export interface Source {
  /** Human-readable description for logs, e.g. `file:events.ndjson`. */
  readonly description: string;
  /** Number of input partitions known so far (1 for files and synthetic). */
  partitionCount(): number;
  /**
   * Batches in input order. The consumer awaits its own processing before pulling the next batch,
   * which is how backpressure reaches the source. Ends when the source is exhausted or stopped.
   */
  batches(): AsyncIterable<SourceBatch>;
  /** Stop consuming: the iterator ends after at most the batch in flight. Idempotent. */
  stop(): void;
  /**
   * Called with each batch's checkpoint, in the order batches were delivered, once every window its
   * events count in is durable in the sink. A Kafka source commits offsets from this, so a crash loses no window.
   */
  batchDurable?(checkpoint: unknown): void;
  /**
   * The current assignment when the source shares its input with other instances of the job (a Kafka
   * consumer group writing to Cassandra), else undefined: one instance reads every partition.
   */
  assignment?(): Assignment;
  /** Identifies the job whose progress the sink keeps across restarts (Kafka: group and topic). */
  readonly job?: string;
  /** Messages behind the end of the input (Kafka lag), when known, for progress. */
  lag?(): number | null;
  /** The same for one partition (below `partitionCount()`), read only when metrics are scraped. */
  lagOf?(partition: number): number | null;
  /**
   * Whether the pipeline has taken everything the partition holds, as far as the source knows now
   * (asked at every tick; a partition quiet and caught up for the idle timeout is idle). A source that
   * cannot tell leaves it out: its partitions never go idle.
   */
  isCaughtUp?(partition: number): boolean;
  /** Called once after the pipeline has written everything: final commits, disconnect. */
  close?(): Promise<void>;
}
