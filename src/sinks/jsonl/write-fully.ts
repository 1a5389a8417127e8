import { writeSync } from 'node:fs';
import { isOutputGone, OutputClosedError } from './output-closed';

/** The first wait after a write the output could not take; doubled at each refusal in a row, up to the longest. */
const FIRST_WAIT_MS = 0.25;
const LONGEST_WAIT_MS = 50;
/** Never notified: Atomics.wait on it is a sleep of this thread alone, which the worker's terminate() still interrupts. */
const nothing = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes every byte to `fd`, in order, blocking this thread until the output took them: the output's
 * backpressure. Standard output may be a non-blocking pipe or socket: Node sets O_NONBLOCK on it once
 * anything touches process.stdout, and the flag belongs to the open pipe, shared by every thread (and
 * whoever else writes into it), so a full pipe refuses this thread's write with EAGAIN. Node offers no
 * poll(2), so the thread sleeps and tries again, as pino's sonic-boom does in worker threads, but with a
 * growing wait instead of its fixed 100 ms: from 0.25 ms (a reader as fast as `cat` empties 64 KiB in
 * less) doubling to 50 ms (a reader that sleeps costs some 20 tries a second). A reader that went away
 * (EPIPE) is an OutputClosedError naming `what`. A regular file never refuses: it costs a file nothing.
 */
export function writeFully(fd: number, bytes: Uint8Array, what: string): void {
  let offset = 0;
  let waitMs = FIRST_WAIT_MS;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
      waitMs = FIRST_WAIT_MS;
    } catch (error) {
      if (isOutputGone(error)) throw new OutputClosedError(what);
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(nothing, 0, 0, waitMs);
      waitMs = Math.min(2 * waitMs, LONGEST_WAIT_MS);
    }
  }
}
