import type { SinkConfig } from '../sinks/config';

/** Messages between the main thread and the writer thread. */
export interface WriterData {
  readonly sink: SinkConfig;
  /** The job whose progress is recorded with every write, or null when it is not kept. */
  readonly job: string | null;
}

export type ToWriter =
  /** Every shard's encoded partials for one close of windows, in order of `seq`. */
  | { readonly type: 'windows'; readonly seq: number; readonly closedThrough: number; readonly parts: readonly Uint8Array[] }
  | { readonly type: 'close' };

export type FromWriter =
  /** The sink is open; `closedThrough` is the job's recorded progress (-Infinity when none). */
  | { readonly type: 'ready'; readonly closedThrough: number }
  /** `spent`: the buffers of that close's parts, moved back for workers to encode into again. */
  | { readonly type: 'durable'; readonly seq: number; readonly report: DurableReport; readonly spent: ArrayBuffer[] }
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
