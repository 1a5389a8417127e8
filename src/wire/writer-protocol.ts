import type { SinkConfig } from '../sinks/config';

/** Messages between the main thread and the writer thread. */
export interface WriterData {
  readonly sink: SinkConfig;
  /** The job whose progress is recorded with every write, or null when it is not kept. */
  readonly job: string | null;
  /** The job shares its input with other instances: the sink gets this instance's share of each window. */
  readonly shared: boolean;
}

export type ToWriter =
  /** Every shard's encoded partials for one close of windows, in order of `seq`. */
  | {
      readonly type: 'windows';
      readonly seq: number;
      readonly closedThrough: number;
      readonly parts: readonly Uint8Array[];
      /** A shared job's close that follows other instances while all its partitions are idle. */
      readonly idle: boolean;
    }
  /** A shared job's partitions are all idle: answered by `frontier`, what it may close through. */
  | { readonly type: 'follow' }
  /** A shared job's new assignment; answered by `assigned`. */
  | { readonly type: 'assign'; readonly owned: readonly number[]; readonly partitionCount: number }
  | { readonly type: 'close' };

export type FromWriter =
  /** The sink is open; `closedThrough` is the job's recorded progress (-Infinity when none). */
  | { readonly type: 'ready'; readonly closedThrough: number }
  /** `spent`: the buffers of that close's parts, moved back for workers to encode into again. */
  | { readonly type: 'durable'; readonly seq: number; readonly report: DurableReport; readonly spent: ArrayBuffer[] }
  /** Per owned partition, the window end through which it is durable. */
  | { readonly type: 'assigned'; readonly delivered: ReadonlyArray<readonly [number, number]> }
  /** Through where the partitions of the job's other instances delivered (-Infinity: nothing to follow). */
  | { readonly type: 'frontier'; readonly through: number }
  | { readonly type: 'closed' }
  | { readonly type: 'failed'; readonly message: string };

export interface DurableReport {
  readonly windows: number;
  readonly rows: number;
  readonly events: number;
  readonly lastWindowEnd: number | null;
  /** The most visited page of the last window written, for the progress display. */
  readonly topPage: { readonly topic: string; readonly page: string; readonly visitors: number } | null;
  /** Time spent merging and writing, in ms. */
  readonly writeMs: number;
}
