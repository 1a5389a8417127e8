/**
 * A source delivers raw messages in batches, each from one input partition (a file is one partition; a
 * Kafka topic has several), and tells which partitions it reads: the job's state and its recovery are
 * per input partition (as Kafka Streams'). One instance reading every partition owns them all; several
 * instances of a job sharing a Kafka topic each own some.
 */

/** Where a message came from, for dead letters. */
export type Position =
  | { readonly kind: 'line'; readonly line: number }
  | { readonly kind: 'kafka'; readonly topic: string; readonly partition: number; readonly offset: string }
  | { readonly kind: 'synthetic'; readonly index: number };

/** The input partitions an instance owns, from one (re)assignment to the next. */
export interface Assignment {
  /** Counts up with every assignment: state built under an older one is dropped. */
  readonly generation: number;
  /** The owned partitions, ascending. */
  readonly owned: readonly number[];
  /** Partitions of the input. */
  readonly partitionCount: number;
}

/** Raw messages of one partition, read under one assignment. */
export interface SourceBatch {
  readonly kind: 'batch';
  /** Index of the input partition, 0-based and dense. */
  readonly partition: number;
  /** The assignment it was read under: a batch of an older one is stale. */
  readonly generation: number;
  /** Raw message values, one event each (not yet parsed or validated). */
  readonly messages: readonly Buffer[];
  /** Position of messages[index]; called only for rejected messages, so it may allocate. */
  position(index: number): Position;
  /** Opaque mark handed back to `Source.batchDurable` (a Kafka offset); the batch itself is not kept. */
  readonly checkpoint?: unknown;
}

/** The instance owns these partitions now; what it built under the last assignment is dropped. */
export interface Assigned {
  readonly kind: 'assigned';
  readonly assignment: Assignment;
}

/**
 * Every owned partition of the assignment reached its end (--stop-at-end with several instances), so
 * every window is due; the source itself ends later, once the whole group is done.
 */
export interface Drained {
  readonly kind: 'drained';
  readonly generation: number;
}

export type SourceEvent = SourceBatch | Assigned | Drained;

/** What the store the job writes holds of its progress, for a source that can check its own against it. */
export interface StoreProgress {
  /** The sink keeps the job's progress (a SQLite file, a Cassandra keyspace, a JSONL file with its progress). */
  readonly kept: boolean;
  /** It holds progress of this job. */
  readonly recorded: boolean;
}

export interface Source {
  /** Human-readable description for logs, e.g. `file:events.ndjson`. */
  readonly description: string;
  /** The job whose progress the sink keeps per input partition (Kafka: `group/topic`), or null: nothing to resume. */
  readonly job: string | null;
  /** Number of input partitions known so far (1 for files and synthetic). */
  partitionCount(): number;
  /**
   * Before `events`: connects and checks where the input stands against what the store holds, failing
   * (StoreRefusal) when resuming would write partial windows.
   */
  open?(store: StoreProgress): Promise<void>;
  /**
   * An assignment first, then batches in input order (and later assignments). The consumer awaits its
   * own processing before pulling the next, which is how backpressure reaches the source. Ends when the
   * source is exhausted or stopped.
   */
  events(): AsyncIterable<SourceEvent>;
  /** Stop consuming: the iterator ends after at most the batch in flight. Idempotent. */
  stop(): void;
  /**
   * Called with each batch's checkpoint, in the order batches were delivered, once every window its
   * events count in is durable in the sink. A Kafka source commits offsets from this, so a crash loses no window.
   */
  batchDurable?(checkpoint: unknown): void;
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

/** The one assignment of a source of one partition (a file, the generator). */
export const ONE_PARTITION: Assigned = { kind: 'assigned', assignment: { generation: 1, owned: [0], partitionCount: 1 } };

/** A source of one partition's events: its one assignment, then its batches. */
export async function* onePartition(batches: AsyncIterable<SourceBatch>): AsyncGenerator<SourceEvent> {
  yield ONE_PARTITION;
  yield* batches;
}
