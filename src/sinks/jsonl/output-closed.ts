/**
 * The sink's output was closed by its reader: a pipe whose reader exited (`| head -n 3`). Nothing more
 * can be written, and the job stops; it is no failure of the job, so the CLI ends quietly with
 * OUTPUT_CLOSED_EXIT_CODE instead of reporting an error.
 */
export class OutputClosedError extends Error {
  constructor(readonly what: string) {
    super(`${what} was closed by its reader`);
    this.name = 'OutputClosedError';
  }
}

/** What a shell reports for a process ended by SIGPIPE (128 + 13), as `yes | head` gives: the convention scripts know. */
export const OUTPUT_CLOSED_EXIT_CODE = 141;

/** Whether a write failed because the reading end is gone (a pipe's EPIPE, a socket's ECONNRESET). */
export function isOutputGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EPIPE' || code === 'ECONNRESET';
}
