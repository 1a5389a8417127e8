/**
 * Buffers that grow, and shrink, in place. A growable SharedArrayBuffer reserves address space up
 * front and takes memory page by page as it grows, straight from the OS: nothing is copied when it
 * grows, capacity not yet written costs no memory, and no outgrown copy lingers until garbage
 * collection (nor in glibc's heap after it). A fixed-length view over one reads as fast as one over a
 * plain ArrayBuffer (a length-tracking view, or one over a resizable ArrayBuffer, did not on Node 20),
 * so a column is a fixed-length view made again after each growth. Being shared, it also lets the
 * writer thread read the names a worker interned, where the worker wrote them.
 *
 * One caution: V8 does not count shared memory toward its garbage collection's pressure, so a
 * dropped shared buffer may stay in memory long after (a worker that allocates little collects
 * rarely). Shared buffers here are kept and reused, never dropped while the job runs.
 */

// Growable SharedArrayBuffers and resizable ArrayBuffers are in Node 20 (V8 11.3) but in TypeScript's
// ES2024 lib, which would also admit what Node 20 lacks; so only these members are declared.
declare global {
  interface SharedArrayBufferConstructor {
    new (byteLength: number, options: { maxByteLength: number }): SharedArrayBuffer;
  }
  interface SharedArrayBuffer {
    grow(byteLength: number): void;
  }
  interface ArrayBufferConstructor {
    new (byteLength: number, options: { maxByteLength: number }): ArrayBuffer;
  }
  interface ArrayBuffer {
    readonly resizable: boolean;
    resize(byteLength: number): void;
  }
}

/** Address space reserved per buffer: offsets into it are uint32. Only what is used takes memory. */
const MAX_BYTES = 2 ** 32 - 8;
/** Grow by at least this much: each growth is a system call. */
const MIN_GROWTH_BYTES = 1 << 16;

export function growableBuffer(byteLength: number): SharedArrayBuffer {
  return new SharedArrayBuffer(byteLength, { maxByteLength: MAX_BYTES });
}

/** A view of `view`'s buffer with room for at least `length` elements; the buffer grows in place, values stay. */
export function withRoomFor<T extends Uint8Array<SharedArrayBuffer> | Uint32Array<SharedArrayBuffer>>(view: T, length: number): T {
  if (length <= view.length) return view;
  const buffer = view.buffer;
  const bytes = length * view.BYTES_PER_ELEMENT;
  if (bytes > MAX_BYTES) throw new RangeError(`a column of ${length} elements is more than one shard can hold; use more --threads`);
  if (bytes > buffer.byteLength) buffer.grow(Math.min(MAX_BYTES, Math.max(bytes, 2 * buffer.byteLength, buffer.byteLength + MIN_GROWTH_BYTES)));
  const elements = Math.floor(buffer.byteLength / view.BYTES_PER_ELEMENT);
  return (view instanceof Uint8Array ? new Uint8Array(buffer, 0, elements) : new Uint32Array(buffer, 0, elements)) as T;
}

export function growableUint8(length: number): Uint8Array<SharedArrayBuffer> {
  return new Uint8Array(growableBuffer(length), 0, length);
}

export function growableUint32(length: number): Uint32Array<SharedArrayBuffer> {
  return new Uint32Array(growableBuffer(4 * length), 0, length);
}

/**
 * `spare` resized to `byteLength` if it is resizable, or if it is large enough as it is; else a new
 * resizable buffer. A resizable ArrayBuffer (transferable between threads, unlike a shared one) grows
 * and shrinks in place, its pages taken from and given back to the OS, so a buffer handed from close
 * to close never leaves an outgrown copy behind, nor holds more than the last close needed.
 */
export function resizedOrNew(spare: ArrayBuffer | null, byteLength: number): ArrayBuffer {
  if (byteLength > MAX_BYTES) throw new RangeError(`${byteLength} bytes are more than one buffer can hold; use more --threads`);
  if (spare !== null && spare.resizable) {
    spare.resize(byteLength);
    return spare;
  }
  if (spare !== null && spare.byteLength >= byteLength) return spare;
  return new ArrayBuffer(byteLength, { maxByteLength: MAX_BYTES });
}
