import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { deadLetterOf, type DeadLetters } from './dead-letter';

export const DEFAULT_DEAD_LETTER_PATH = './data/dead-letters.jsonl';

/** Dead letters appended to a JSON-lines file; a failed write fails the next `write` and `close`. */
export function createFileDeadLetters(path: string): DeadLetters {
  mkdirSync(dirname(path), { recursive: true });
  const out: WriteStream = createWriteStream(path, { flags: 'a' });
  let failure: Error | null = null;
  out.on('error', (error) => (failure = error));
  return {
    write(reason, detail, position, raw) {
      if (failure !== null) throw new Error(`cannot write dead letters to ${path}: ${failure.message}`);
      out.write(deadLetterOf(reason, detail, position, raw) + '\n');
    },
    close: () => new Promise((resolve, reject) => out.end(() => (failure === null ? resolve() : reject(failure)))),
  };
}
