import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { deadLetterOf, type DeadLetters } from './dead-letter';

export const DEFAULT_DEAD_LETTER_PATH = './data/dead-letters.jsonl';

/** Which run the dead letters after it come from: the file is appended to by run after run. */
export interface RunMarker {
  readonly time: string;
  /** The command line, secrets redacted. */
  readonly command: string;
}

/**
 * Dead letters appended to a JSON-lines file; a failed write fails the next `write` and `close`. With a
 * `run`, a line `{"run": {...}}` goes before the run's first dead letter (readers skip lines without `reason`).
 */
export function createFileDeadLetters(path: string, run?: RunMarker): DeadLetters {
  mkdirSync(dirname(path), { recursive: true });
  const out: WriteStream = createWriteStream(path, { flags: 'a' });
  let failure: Error | null = null;
  let marked = run === undefined;
  out.on('error', (error) => (failure = error));
  return {
    write(reason, detail, position, raw) {
      if (failure !== null) throw new Error(`cannot write dead letters to ${path}: ${failure.message}`);
      if (!marked) {
        out.write(JSON.stringify({ run }) + '\n');
        marked = true;
      }
      out.write(deadLetterOf(reason, detail, position, raw) + '\n');
    },
    close: () => new Promise((resolve, reject) => out.end(() => (failure === null ? resolve() : reject(failure)))),
  };
}
