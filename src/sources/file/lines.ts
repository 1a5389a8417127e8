import { MAX_MESSAGE_BYTES } from '../../parsing/event';
import type { Position, SourceBatch } from '../source';

/** What is kept of an over-long line: one byte over the limit, so the parser rejects it as too large. */
const KEPT_LINE_BYTES = MAX_MESSAGE_BYTES + 1;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const EMPTY = Buffer.alloc(0);

/**
 * Splits NDJSON input into messages, one per line, without copying lines that lie within one
 * chunk. Empty lines (also a lone '\r') are not messages: they are skipped silently, but still
 * counted, so line numbers match what an editor shows. A trailing '\r' stays on its line (JSON
 * reads it as whitespace). Of a line longer than KEPT_LINE_BYTES only the first KEPT_LINE_BYTES
 * are kept; the rest is dropped as it streams by.
 */
export class LineSplitter {
  private completedLines = 0;
  private batch: LineBatch;
  /** The start of a line that began in an earlier chunk. */
  private readonly pieces: Buffer[] = [];
  private piecesLength = 0;

  constructor(private readonly batchSize: number) {
    this.batch = new LineBatch(1);
  }

  /** Splits `chunk` from `offset` until the batch is full or the chunk ends; returns where it stopped. */
  feed(chunk: Buffer, offset: number): number {
    let start = offset;
    while (!this.isFull()) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline === -1) {
        this.keepPiece(chunk, start, chunk.length);
        return chunk.length;
      }
      this.completeLine(chunk, start, newline);
      start = newline + 1;
    }
    return start;
  }

  /** The input is over: a last line without a newline is a line too. */
  end(): void {
    if (this.piecesLength > 0) this.completeLine(EMPTY, 0, 0);
  }

  isFull(): boolean {
    return this.batch.messages.length >= this.batchSize;
  }

  hasMessages(): boolean {
    return this.batch.messages.length > 0;
  }

  /** Hands over the batch so far and starts the next one. */
  take(): SourceBatch {
    const batch = this.batch;
    this.batch = new LineBatch(this.completedLines + 1);
    return batch;
  }

  private completeLine(chunk: Buffer, start: number, end: number): void {
    this.completedLines++;
    let line: Buffer;
    if (this.pieces.length === 0) {
      line = chunk.subarray(start, Math.min(end, start + KEPT_LINE_BYTES));
    } else {
      this.keepPiece(chunk, start, end);
      line = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces, this.piecesLength);
      this.pieces.length = 0;
      this.piecesLength = 0;
    }
    if (isBlank(line)) this.batch.skipLine();
    else this.batch.messages.push(line);
  }

  /** Keeps what fits of a partial line; the pieces stay views of their chunks until the line is complete. */
  private keepPiece(chunk: Buffer, start: number, end: number): void {
    const length = Math.min(end - start, KEPT_LINE_BYTES - this.piecesLength);
    if (length <= 0) return;
    this.pieces.push(chunk.subarray(start, start + length));
    this.piecesLength += length;
  }
}

function isBlank(line: Buffer): boolean {
  return line.length === 0 || (line.length === 1 && line[0] === CARRIAGE_RETURN);
}

class LineBatch implements SourceBatch {
  readonly kind = 'batch';
  readonly partition = 0;
  readonly generation = 1;
  readonly messages: Buffer[] = [];
  /** For each skipped line, how many messages preceded it in this batch (rare, so kept sparse). */
  private readonly skipped: number[] = [];

  /** `firstLine`: the line number of the batch's first line, message or skipped. */
  constructor(private readonly firstLine: number) {}

  skipLine(): void {
    this.skipped.push(this.messages.length);
  }

  position(index: number): Position {
    let line = this.firstLine + index;
    for (const before of this.skipped) {
      if (before > index) break;
      line++;
    }
    return { kind: 'line', line };
  }
}
