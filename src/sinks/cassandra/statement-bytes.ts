import { keyHashOf } from '../../hashing/fnv1a';

/**
 * One partition's row inserts written straight into the bytes of the native protocol's BATCH body
 * (each statement: kind 1, the prepared id, the value count, each value as its length and bytes), cut
 * into batches of at most BATCH_BYTES. No object is made per row: the writer thread's time and
 * garbage per row are those of copying its values once (docs/performance-log.md, 2026-12-06).
 */

/** A statement as the driver takes it; row inserts carry every value in wire form (values.ts). */
export interface Statement {
  readonly query: string;
  readonly params: unknown[];
}

/** Prepared ids of the statements a batch may hold, by query. */
export type PreparedIds = ReadonlyMap<string, Buffer>;

/** One batch of one partition: its statements, encoded. */
export interface EncodedRows {
  /** The partition's key values, as a statement of the batch's first query: how the driver routes it. */
  readonly route: Statement;
  readonly count: number;
  /** The statements back to back, `count` of them. */
  readonly statements: Buffer;
}

/**
 * The most bytes a batch carries. A window's bucket (a sixteenth of its clients) of a few thousand
 * rows is one batch; a larger one is split, so a batch stays far below the node's 16 MiB mutation and
 * frame limits whatever the rows' lengths. Single-partition batches are exempt from the node's batch
 * size warnings.
 */
export const BATCH_BYTES = 512 * 1024;

const PREPARED = 1;

/** A client id's UTF-8 bytes are written here first, to hash them for the bucket before choosing a batch. */
let textScratch = Buffer.allocUnsafe(4096);

/** `text` as UTF-8 in textScratch; returns its length. */
export function scratchText(text: string): number {
  if (3 * text.length > textScratch.length) textScratch = Buffer.allocUnsafe(3 * text.length);
  return textScratch.write(text, 0, 'utf8');
}

/** The FNV-1a hash (bucketOf's) of the first `length` bytes of textScratch. */
export function scratchHash(length: number): number {
  return keyHashOf(textScratch, 0, length, 0);
}

export class PartitionBatches {
  readonly batches: EncodedRows[] = [];
  private buffer = Buffer.allocUnsafe(16 * 1024);
  private length = 0;
  private count = 0;
  private rowStart = 0;

  constructor(
    private readonly ids: PreparedIds,
    private readonly route: Statement,
  ) {}

  /** A statement whose values are all Buffers. */
  add(statement: Statement): void {
    this.begin(statement.query, statement.params.length);
    for (const value of statement.params) {
      if (!Buffer.isBuffer(value)) throw new TypeError(`a value of a batched row must be in wire form (a Buffer): ${statement.query}`);
      this.value(value);
    }
    this.end();
  }

  /** A row of `query` with `values` values, written by value() and scratchValue() calls, then end(). */
  begin(query: string, values: number): void {
    const id = this.ids.get(query);
    if (id === undefined) throw new Error(`no prepared id for ${query}`);
    this.rowStart = this.length;
    this.reserve(5 + id.length);
    let at = this.buffer.writeUInt8(PREPARED, this.length);
    at = this.buffer.writeUInt16BE(id.length, at);
    at = this.put(id, at);
    this.length = this.buffer.writeUInt16BE(values, at);
  }

  value(bytes: Buffer): void {
    this.reserve(4 + bytes.length);
    this.length = this.put(bytes, this.buffer.writeInt32BE(bytes.length, this.length));
  }

  /** The first `length` bytes of textScratch (scratchText), as a value. */
  scratchValue(length: number): void {
    this.reserve(4 + length);
    const at = this.buffer.writeInt32BE(length, this.length);
    textScratch.copy(this.buffer, at, 0, length);
    this.length = at + length;
  }

  /** Ends the row; a row that took the batch past BATCH_BYTES starts the next batch instead. */
  end(): void {
    this.count++;
    if (this.length > BATCH_BYTES && this.count > 1) {
      const row = Buffer.from(this.buffer.subarray(this.rowStart, this.length));
      this.length = this.rowStart;
      this.count--;
      this.cut();
      this.reserve(row.length);
      this.length = this.put(row, 0);
      this.count = 1;
    }
  }

  /** The batches, the last one included. */
  finish(): EncodedRows[] {
    if (this.count > 0) this.cut();
    return this.batches;
  }

  private cut(): void {
    this.batches.push({ route: this.route, count: this.count, statements: Buffer.from(this.buffer.subarray(0, this.length)) });
    this.length = 0;
    this.count = 0;
  }

  private reserve(more: number): void {
    if (this.length + more <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.length + more));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  /** Copies `bytes` at `at`; most values are a few bytes, which a loop moves faster than a native copy. */
  private put(bytes: Buffer, at: number): number {
    const length = bytes.length;
    if (length > 32) this.buffer.set(bytes, at);
    else for (let i = 0; i < length; i++) this.buffer[at + i] = bytes[i];
    return at + length;
  }
}
