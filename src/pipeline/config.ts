import type { ClockConfig } from '../windows/clock';
import type { DeadLetterConfig } from '../dead-letters/dead-letters';
import type { SinkConfig } from '../sinks/config';
import type { JobIdentity } from '../sinks/identity';
import type { SourceConfig } from '../sources/config';
import type { WindowSpec } from '../windows/spec';

/** Everything a run of the job is made of: what the command line parses into. */
export interface PipelineConfig {
  readonly source: SourceConfig;
  readonly sink: SinkConfig;
  readonly windows: WindowSpec;
  /** The pipeline's tick: shards send what they hold, and the wall clock closes what has ended. */
  readonly batchMs: number;
  readonly clock: ClockConfig;
  /** Aggregation worker threads. */
  readonly threads: number;
  readonly deadLetters: DeadLetterConfig;
  /** What decides the job's rows, which its store records and checks. */
  readonly identity: JobIdentity;
}

/**
 * Windows close on ticks, so their lengths must be whole ticks; why these durations cannot be
 * ticked, or null when they can.
 */
export function batchIntervalProblem(batchMs: number, windowMs: number, slideMs: number): string | null {
  if (!(batchMs > 0)) return '--batch must be a positive duration';
  if (windowMs % batchMs !== 0) return '--window must be a positive multiple of --batch';
  if (slideMs % batchMs !== 0) return '--slide must be a positive multiple of --batch';
  return null;
}
