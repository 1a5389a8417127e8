import type { WindowRows } from '../windows/window';

/**
 * Where finished windows go. Runs inside the writer thread. A sink is idempotent per window:
 * writing a window again (same window_end) leaves exactly the rows of the latest write (SPEC §4).
 */
export interface Sink {
  open(): Promise<void>;
  /** Resolves once every given window is durable. Windows arrive in window_end order. */
  writeWindows(windows: readonly WindowRows[]): Promise<void>;
  close(): Promise<void>;
}
