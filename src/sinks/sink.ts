import type { WindowRows } from '../windows/window';

/**
 * Where finished windows go. Runs inside the writer thread. A sink is idempotent per window:
 * writing a window again (same window_end) leaves exactly the rows of the latest write.
 */
export interface Sink {
  open(): Promise<void>;
  /**
   * Resolves once every given window is durable. Windows arrive in window_end order. With a
   * `progress`, the sink also records, durably with the windows, that every window of that job ending
   * at or before `closedThrough` is written (sinks that cannot read it back may ignore it).
   */
  writeWindows(windows: readonly WindowRows[], progress: Progress | null): Promise<void>;
  /**
   * The `closedThrough` last recorded for the job, or -Infinity. A restarted job does not emit those
   * windows again: replayed events could only rebuild them partially (delivery is at-least-once).
   */
  readProgress(job: string): Promise<number>;
  close(): Promise<void>;
}

/** How far a job's windows are durable; the job is the Kafka consumer group and topic. */
export interface Progress {
  readonly job: string;
  readonly closedThrough: number;
}
