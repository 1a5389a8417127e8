import type { Readable } from 'node:stream';

/** How many chunks may wait here before the stream is paused: one to split, one read ahead. */
const READ_AHEAD = 2;

/**
 * Pulls a byte stream chunk by chunk, as Node emits them (no concatenation), with the stream
 * paused while chunks wait here. close() ends a pending next() at once, even on an idle pipe.
 */
export class ChunkReader {
  private readonly queue: Buffer[] = [];
  private ended = false;
  private closed = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  /** `describe` turns a stream error into the one next() rejects with. */
  constructor(
    private readonly stream: Readable,
    describe: (error: Error) => Error,
  ) {
    stream.on('data', (chunk: Buffer) => {
      this.queue.push(chunk);
      if (this.queue.length >= READ_AHEAD) stream.pause();
      this.notify();
    });
    stream.on('end', () => {
      this.ended = true;
      this.notify();
    });
    stream.on('error', (error: Error) => {
      this.failure = describe(error);
      this.notify();
    });
  }

  /** The next chunk, or null once the input is over or the reader closed. */
  async next(): Promise<Buffer | null> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (this.closed) return null;
      const chunk = this.queue.shift();
      if (chunk !== undefined) {
        if (this.queue.length < READ_AHEAD && !this.ended) this.stream.resume();
        return chunk;
      }
      if (this.ended) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** True if a chunk is waiting, so next() will not wait for input. */
  hasChunk(): boolean {
    return this.queue.length > 0;
  }

  /** Stops reading and releases the stream. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.destroy();
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
