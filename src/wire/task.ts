import type { EmissionPart } from './emission';
import type { ShardBatch } from './shard-batch';
import type { WindowSpec } from '../windows/spec';

/** What the pool's workers are started with. */
export interface AggregationWorkerData {
  readonly spec: WindowSpec;
  /**
   * Tells this pool's emissions from those of an earlier pool of the same process, whose spent
   * buffers could come back to it: their numbers count other closes (see numberOfSpent).
   */
  readonly pool: number;
}

/**
 * One unit of work for the worker owning `shard`: fold in a batch, then, if `closeThrough` is set,
 * produce every window ending at or before it. A shard's tasks run one at a time, in order.
 */
export interface ShardTask {
  readonly shard: number;
  readonly batch: ShardBatch | null;
  readonly closeThrough: number | null;
  /** With a close: a spent emission buffer to encode into, when it is large enough. */
  readonly spare: ArrayBuffer | null;
}

/** What a shard holds after a task, for the metrics endpoint. */
export interface ShardHeld {
  /** Windows with events that are not closed yet. */
  readonly openWindows: number;
  /** Partial aggregates held, one per pane of time. */
  readonly openPanes: number;
}

/** A task's answer: the counts ride along with every task, so reading them costs no message of its own. */
export interface ShardTaskResult extends ShardHeld {
  /** With a close: every window it closed, encoded (its bytes moved back, not copied). */
  readonly emission: EmissionPart | null;
}
