import type { EmissionPart } from './emission';
import type { SinkConfig } from '../sinks/config';
import type { JobIdentity } from '../sinks/identity';

/** Messages between the main thread and the writer thread. */
export interface WriterData {
  readonly sink: SinkConfig;
  /** The job whose progress is recorded per input partition with every write, or null when it is not kept. */
  readonly job: string | null;
  /** What decides the job's rows: the store must hold this job or none. */
  readonly identity: JobIdentity;
}

export type ToWriter =
  /** Every shard's encoded partials for one close of windows, in order of `seq`. */
  | {
      readonly type: 'windows';
      readonly seq: number;
      readonly closedThrough: number;
      readonly parts: readonly EmissionPart[];
      /** A close that follows other instances while all this one's partitions are idle. */
      readonly idle: boolean;
    }
  /** The instance's partitions are all idle: answered by `frontier`, what it may close through. */
  | { readonly type: 'follow' }
  /** A new assignment of input partitions; answered by `assigned`. */
  | { readonly type: 'assign'; readonly owned: readonly number[]; readonly partitionCount: number }
  | { readonly type: 'close' };

export type FromWriter =
  /** The sink is open: whether it keeps the job's progress, and holds some. */
  | { readonly type: 'ready'; readonly kept: boolean; readonly recorded: boolean }
  /** `spent`: the buffers of that close's parts, moved back for workers to encode into again. */
  | { readonly type: 'durable'; readonly seq: number; readonly report: DurableReport; readonly spent: ArrayBuffer[] }
  /** Per owned partition, the window end through which it is durable. */
  | { readonly type: 'assigned'; readonly delivered: ReadonlyArray<readonly [number, number]> }
  /** Through where the partitions of the job's other instances delivered (-Infinity: nothing to follow). */
  | { readonly type: 'frontier'; readonly through: number }
  | { readonly type: 'closed' }
  /** `exitCode`: the sink refused the job (StoreRefusal) before writing anything. */
  | { readonly type: 'failed'; readonly message: string; readonly exitCode?: 1 | 2 }

  /** The sink's output was closed by its reader (`what`, e.g. standard output): the job stops, and that is no failure. */
  | { readonly type: 'outputClosed'; readonly what: string };

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
