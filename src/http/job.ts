import type { PipelineConfig } from '../pipeline/config';
import type { EngineMetrics } from '../pipeline/metrics';
import type { Pipeline } from '../pipeline/pipeline';
import type { PartitionStatus, PipelineStatus } from '../pipeline/status';
import type { StoreChoice } from '../sinks/store';
import type { ShardHeld } from '../wire/task';
import type { RecentDeadLetter, RecentDeadLetters } from './recent-dead-letters';

/** What the HTTP server sees of the running job: counters and status, read when a request asks. */
export interface ServedJob {
  readonly metrics: EngineMetrics;
  status(): PipelineStatus;
  /** Per input partition: its lag and its own watermark, when the source and the clock tell them. */
  partitions(): readonly PartitionStatus[];
  /** Per aggregation shard: the windows and panes it holds open. */
  shards(): readonly ShardHeld[];
  /** The latest dead letters, newest first (none when the job keeps no copy of them). */
  recentDeadLetters(): readonly RecentDeadLetter[];
  /** Messages behind the end of the input, when the source can tell (Kafka), else null. */
  lag(): number | null;
  /** Whether the source can tell its lag at all (only Kafka). */
  readonly hasLag: boolean;
  readonly eventClock: boolean;
  /** Where the job's windows can be read back, or null for a sink that keeps none (jsonl, none). */
  readonly store: StoreChoice | null;
  /** What the dashboard's header says about the run: source, sink, clock and windows. */
  readonly description: Readonly<Record<string, string | number>>;
}

/**
 * The served view of a pipeline run with this config: the job's own, or one a test drives in-process.
 * `deadLetters` is the pipeline's dead letters when they keep the latest few for the dashboard.
 */
export function servedJobOf(
  pipeline: Pipeline,
  config: Pick<PipelineConfig, 'source' | 'sink' | 'clock'>,
  description: ServedJob['description'],
  deadLetters: RecentDeadLetters | null = null,
): ServedJob {
  const { sink } = config;
  return {
    metrics: pipeline.metrics,
    status: () => pipeline.status(),
    partitions: () => pipeline.partitions(),
    shards: () => pipeline.shards(),
    recentDeadLetters: () => deadLetters?.latest() ?? [],
    lag: () => pipeline.source.lag?.() ?? null,
    hasLag: config.source.kind === 'kafka',
    eventClock: config.clock.kind === 'event',
    store: sink.kind === 'sqlite' || sink.kind === 'cassandra' ? sink : null,
    description,
  };
}
