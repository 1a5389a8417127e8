import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { ChunkReader } from './chunks';
import { LineSplitter } from './lines';
import { type Source, type SourceBatch, type SourceEvent, onePartition } from '../source';

const STDIN = '-';
const BATCH_SIZE = 4096;
/** Read size: a chunk holds a few thousand typical events, so most batches fill from one or two reads. */
const CHUNK_BYTES = 512 * 1024;

/** NDJSON from a file, or from stdin for '-': one message per line (see LineSplitter). */
export function createFileSource(path: string): Source {
  return new FileSource(path);
}

function unreadable(path: string, error: Error): Error {
  return new Error(`cannot read ${path === STDIN ? 'stdin' : path}: ${error.message}`, { cause: error });
}

class FileSource implements Source {
  readonly description: string;
  readonly job = null;
  private reader: ChunkReader | undefined;
  private stopped = false;

  constructor(private readonly path: string) {
    this.description = `file:${path}`;
  }

  partitionCount(): number {
    return 1;
  }

  events(): AsyncIterable<SourceEvent> {
    return onePartition(this.batches());
  }

  private async *batches(): AsyncGenerator<SourceBatch> {
    if (this.stopped) return;
    const reader = new ChunkReader(this.openInput(), (error) => unreadable(this.path, error));
    this.reader = reader;
    const splitter = new LineSplitter(BATCH_SIZE);
    try {
      for (let chunk = await reader.next(); chunk !== null; chunk = await reader.next()) {
        for (let offset = 0; offset < chunk.length; ) {
          offset = splitter.feed(chunk, offset);
          if (splitter.isFull()) yield splitter.take();
          if (this.stopped) return;
        }
        // The consumer has caught up with the input (a slow pipe, say): deliver what there is
        // rather than hold lines back. A consumer that is the bottleneck finds chunks waiting and
        // gets full batches.
        if (!reader.hasChunk() && splitter.hasMessages()) yield splitter.take();
      }
      if (this.stopped) return;
      splitter.end();
      if (splitter.hasMessages()) yield splitter.take();
    } finally {
      reader.close();
    }
  }

  stop(): void {
    this.stopped = true;
    this.reader?.close();
  }

  private openInput(): Readable {
    return this.path === STDIN ? process.stdin : createReadStream(this.path, { highWaterMark: CHUNK_BYTES });
  }
}
