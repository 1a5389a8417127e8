import type { EngineMetrics } from '../pipeline/metrics';
import type { PipelineStatus } from '../pipeline/status';
import type { StoreChoice } from '../recommender/open-store';

/** What the HTTP server sees of the running job: counters and status, read when a request asks. */
export interface ServedJob {
  readonly metrics: EngineMetrics;
  status(): PipelineStatus;
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
