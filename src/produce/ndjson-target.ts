import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Source } from '../sources/source';
import { produceEvents, type Produced, type Progress } from './produce-events';

const NEWLINE = Buffer.from('\n');

/**
 * Writes the source's messages as NDJSON lines, one message a line, to a new file or to stdout (`-`),
 * `limit` at most: what `--source file:` reads back. A reader of stdout that goes away ends the run
 * quietly with what it took; any other failure to write fails it.
 */
export async function produceToNdjson(path: string, source: Source, limit: number, started: (progress: Progress) => void): Promise<Produced> {
  const toStdout = path === '-';
  const out: Writable = toStdout ? process.stdout : createWriteStream(path, { flags: 'w' });
  const state = { written: 0, failure: null as Error | null, readerGone: false };
  out.on('error', (error: NodeJS.ErrnoException) => {
    if (toStdout && error.code === 'EPIPE') state.readerGone = true;
    else state.failure = error;
    source.stop();
  });
  started({ taken: () => state.written });
  await produceEvents(source, limit, async (values) => {
    if (state.failure !== null || state.readerGone) return;
    if (!out.write(Buffer.concat(values.flatMap((value) => [value, NEWLINE])))) await drained(out);
    state.written += values.length;
  });
  if (!toStdout) await new Promise<void>((resolve) => out.end(resolve));
  if (state.failure !== null) throw new Error(`cannot write ${path}: ${state.failure.message}`);
  return { produced: state.written, where: toStdout ? 'stdout' : path };
}

/** Resolves when the stream takes more, or has failed (its error handler has stopped the source then). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('error', done);
  });
}
