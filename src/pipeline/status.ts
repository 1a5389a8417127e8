/** How the run is doing, for health and readiness checks and gauges; cheap to read, read on request. */
export interface PipelineStatus {
  readonly running: boolean;
  /** The writer thread has opened the sink. */
  readonly sinkOpen: boolean;
  /** The source knows its partitions (for Kafka: it reached the brokers and the topic). */
  readonly sourceConnected: boolean;
  readonly stopping: boolean;
  readonly failure: string | null;
  /** Why the writer thread can write no more (it died, or its sink failed), or null: known before the run fails at its next write. */
  readonly writerFailure: string | null;
  readonly threads: number;
  readonly liveThreads: number;
  /** Tasks queued for the aggregation workers. */
  readonly queuedTasks: number;
  /** Closes of windows waiting for the writer thread. */
  readonly pendingWrites: number;
  /** Every window ending at or before this (ms) is closed; null before the first close. */
  readonly closedThrough: number | null;
  /** Event clock: the watermark (ms); null otherwise. */
  readonly watermark: number | null;
}

/** One input partition, for per-partition gauges; read on request. */
export interface PartitionStatus {
  readonly partition: number;
  /** Kafka: messages behind the partition's end (null until known); null for other sources. */
  readonly lag: number | null;
  /** Event clock: the partition's own watermark (ms), null before its first event; null with the wall clock. */
  readonly watermark: number | null;
}
