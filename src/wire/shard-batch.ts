import { KEY_HASH_SEED, keyHashOf, keyHashStep } from '../hashing/fnv1a';

/**
 * One shard's events for one task, as columns in typed arrays so they cross to the worker by transfer
 * rather than structured clone, which would copy object graphs. Strings travel as UTF-8 bytes back to back.
 */
export interface ShardBatch {
  readonly count: number;
  /** UTF-8 of client_id, topic and page of every event, back to back. */
  readonly bytes: Uint8Array;
  /** Three end offsets into `bytes` per event: client_id, topic, page. */
  readonly ends: Uint32Array;
  /** Two keyHashOf per event: of its client_id, and of its topic and page (tagged with the topic's length). */
  readonly hashes: Uint32Array;
  /** Time used for window assignment: arrival (wall clock) or event timestamp (event clock). */
  readonly times: Float64Array;
  /** Event timestamps, when they differ from `times` (wall clock); they give window_ts. */
  readonly eventTimes: Float64Array | null;
}

/** Where client_id, topic and page sit in the bytes a message was scanned in. */
export interface ByteRanges {
  readonly clientStart: number;
  readonly clientEnd: number;
  readonly topicStart: number;
  readonly topicEnd: number;
  readonly pageStart: number;
  readonly pageEnd: number;
  /** keyHashOf the client_id bytes. */
  readonly clientHash: number;
}

export function transferablesOf(batch: ShardBatch): ArrayBuffer[] {
  const buffers = [batch.bytes.buffer, batch.ends.buffer, batch.hashes.buffer, batch.times.buffer];
  if (batch.eventTimes !== null) buffers.push(batch.eventTimes.buffer);
  return buffers as ArrayBuffer[];
}

export class ShardBatchBuilder {
  private bytes: Buffer;
  private ends: Uint32Array;
  private hashes: Uint32Array;
  private times: Float64Array;
  private eventTimes: Float64Array | null;
  private byteLength = 0;
  private count = 0;

  constructor(
    private readonly capacity: number,
    private readonly keepsEventTimes: boolean,
  ) {
    this.bytes = Buffer.allocUnsafeSlow(capacity * 64);
    this.ends = new Uint32Array(capacity * 3);
    this.hashes = new Uint32Array(capacity * 2);
    this.times = new Float64Array(capacity);
    this.eventTimes = keepsEventTimes ? new Float64Array(capacity) : null;
  }

  isEmpty(): boolean {
    return this.count === 0;
  }

  isFull(): boolean {
    return this.count === this.capacity;
  }

  append(clientId: string, topic: string, page: string, time: number, eventTime: number): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    this.ensureBytes(3 * (clientId.length + topic.length + page.length));
    const i = this.count++;
    const start = this.byteLength;
    this.ends[3 * i] = this.byteLength += this.bytes.write(clientId, this.byteLength, 'utf8');
    this.ends[3 * i + 1] = this.byteLength += this.bytes.write(topic, this.byteLength, 'utf8');
    this.ends[3 * i + 2] = this.byteLength += this.bytes.write(page, this.byteLength, 'utf8');
    const clientEnd = this.ends[3 * i];
    const topicEnd = this.ends[3 * i + 1];
    this.hashes[2 * i] = keyHashOf(this.bytes, start, clientEnd, 0);
    this.hashes[2 * i + 1] = keyHashOf(this.bytes, clientEnd, this.byteLength, topicEnd - clientEnd);
    this.times[i] = time;
    if (this.eventTimes !== null) this.eventTimes[i] = eventTime;
  }

  /** Appends an event whose three fields are byte ranges of `source` (already valid UTF-8). */
  appendBytes(source: Uint8Array, fields: ByteRanges, time: number, eventTime: number): void {
    const { clientStart, clientEnd, topicStart, topicEnd, pageStart, pageEnd } = fields;
    this.ensureBytes(clientEnd - clientStart + topicEnd - topicStart + pageEnd - pageStart);
    const i = this.count++;
    this.copy(source, clientStart, clientEnd);
    this.ends[3 * i] = this.byteLength;
    this.hashes[2 * i] = fields.clientHash;
    const topicHash = this.copyHashing(source, topicStart, topicEnd, KEY_HASH_SEED ^ (topicEnd - topicStart));
    this.ends[3 * i + 1] = this.byteLength;
    this.hashes[2 * i + 1] = this.copyHashing(source, pageStart, pageEnd, topicHash) >>> 0;
    this.ends[3 * i + 2] = this.byteLength;
    this.times[i] = time;
    if (this.eventTimes !== null) this.eventTimes[i] = eventTime;
  }

  /** Hands the columns over (they are transferred away) and starts empty ones. */
  take(): ShardBatch {
    const batch: ShardBatch = {
      count: this.count,
      bytes: this.bytes,
      ends: this.ends,
      hashes: this.hashes,
      times: this.times,
      eventTimes: this.eventTimes,
    };
    this.bytes = Buffer.allocUnsafeSlow(this.bytes.length);
    this.ends = new Uint32Array(this.capacity * 3);
    this.hashes = new Uint32Array(this.capacity * 2);
    this.times = new Float64Array(this.capacity);
    this.eventTimes = this.keepsEventTimes ? new Float64Array(this.capacity) : null;
    this.byteLength = 0;
    this.count = 0;
    return batch;
  }

  /** A byte loop: for fields of a few dozen bytes it beats a native copy's call overhead. */
  private copy(source: Uint8Array, start: number, end: number): void {
    const bytes = this.bytes;
    let at = this.byteLength;
    for (let i = start; i < end; i++) bytes[at++] = source[i];
    this.byteLength = at;
  }

  /** copy, continuing `hash` over the bytes: a key's hash is taken while they are at hand. */
  private copyHashing(source: Uint8Array, start: number, end: number, hash: number): number {
    const bytes = this.bytes;
    let at = this.byteLength;
    for (let i = start; i < end; i++) {
      const byte = source[i];
      bytes[at++] = byte;
      hash = keyHashStep(hash, byte);
    }
    this.byteLength = at;
    return hash;
  }

  private ensureBytes(extra: number): void {
    if (this.byteLength + extra <= this.bytes.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.bytes.length * 2, this.byteLength + extra));
    this.bytes.copy(grown, 0, 0, this.byteLength);
    this.bytes = grown;
  }
}
