import { deadLetterOf, type DeadLetters } from './dead-letter';

/**
 * Dead letters handed line by line to `writeLine` (standard error, `--dead-letter -`), as the same JSON
 * objects a dead-letter file holds, with no run marker: a stream belongs to one run. Closing leaves the
 * stream open; it is the process's, not the job's.
 */
export function createLineDeadLetters(writeLine: (line: string) => void): DeadLetters {
  return {
    write: (reason, detail, position, raw) => writeLine(deadLetterOf(reason, detail, position, raw)),
    close: async () => {},
  };
}
