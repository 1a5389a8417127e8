/**
 * Where a shard's interned keys live: appended by the worker that owns the shard, read by the writer
 * thread, which is told with each emission how many there are (a key, once written, never changes).
 * Both buffers are growable and shared, so a name is held once in the process, as UTF-8.
 */
export interface KeyStore {
  /** The keys' bytes back to back; a tagged key starts with its tag as a uint16, little-endian. */
  readonly bytes: SharedArrayBuffer;
  /** Per id, the end of its bytes; an id's bytes start where those of the id before end. */
  readonly ends: SharedArrayBuffer;
  readonly tagged: boolean;
}

/** Bytes before a tagged key's own: its tag. */
export const TAG_BYTES = 2;

/** Reads keys of a store, from the thread that did not write them. */
export class KeyReader {
  private bytes: Buffer;
  private ends: Uint32Array;

  constructor(private readonly store: KeyStore) {
    this.bytes = Buffer.from(store.bytes, 0, 0);
    this.ends = new Uint32Array(store.ends, 0, 0);
  }

  /**
   * Calls `each` with the bytes of every key in [from, to) as a range of `bytes` (without its tag), and
   * its tag (0 if the store is not tagged). Only keys the writer has said it wrote may be read.
   */
  forEach(from: number, to: number, each: (bytes: Buffer, start: number, end: number, tag: number) => void): void {
    if (to > this.ends.length) this.ends = new Uint32Array(this.store.ends, 0, this.store.ends.byteLength >>> 2);
    const ends = this.ends;
    if (to > 0 && ends[to - 1] > this.bytes.length) this.bytes = Buffer.from(this.store.bytes, 0, this.store.bytes.byteLength);
    const bytes = this.bytes;
    for (let id = from; id < to; id++) {
      let start = id === 0 ? 0 : ends[id - 1];
      let tag = 0;
      if (this.store.tagged) {
        tag = bytes[start] | (bytes[start + 1] << 8);
        start += TAG_BYTES;
      }
      each(bytes, start, ends[id], tag);
    }
  }
}
