/**
 * kafkajs 2.2.4 decodes each record's offset and timestamp as `Long.fromValue(first).add(delta)
 * .toString()` and reads the timestamp delta as a Long, then compares every offset with the fetched
 * one through `Long.fromValue(offset)` again: about 0.9 s of the main thread's 6.45 s for 2,000,000
 * records (docs/performance-log.md, 2026-12-06). These replacements compute the same strings in
 * doubles while the values are safe integers (offsets and millisecond timestamps always are), and
 * fall back to kafkajs's Long arithmetic otherwise. Everything else of a record (key, value, headers,
 * control records, aborted transactions) is kafkajs's own code, unchanged.
 *
 * install-lean-records.ts puts them in place of kafkajs's own. The only use of kafkajs's internals,
 * which is why package.json pins its version; a unit test compares both replacements with kafkajs's
 * own on records kafkajs encoded.
 */

interface Long {
  add(other: Long | number): Long;
  gte(other: Long | string): boolean;
  toString(): string;
}

interface LongStatic {
  fromValue(value: string | number | Long): Long;
}

interface Decoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readVarInt(): number;
  readVarLong(): Long;
  readVarIntBytes(): Buffer | null;
  readVarIntArray<T>(reader: (decoder: Decoder) => T): T[];
}

interface BatchContext {
  readonly firstOffset: string;
  readonly firstTimestamp: string;
  readonly magicByte: number;
  readonly isControlBatch?: boolean;
  readonly timestampType: number;
  readonly maxTimestamp: string;
}

interface RecordMessage {
  readonly offset: string;
  readonly isControlRecord: boolean;
}

/** The kafkajs modules these replace, as kafkajs requires them. */
export const RECORD_DECODER = 'kafkajs/src/protocol/recordBatch/record/v0/decoder.js';
export const BATCH = 'kafkajs/src/consumer/batch.js';

const Long = require('kafkajs/src/utils/long') as LongStatic;
const HeaderDecoder = require('kafkajs/src/protocol/recordBatch/header/v0/decoder') as (decoder: Decoder) => { key: string; value: Buffer };
const TimestampTypes = require('kafkajs/src/protocol/timestampTypes') as { LOG_APPEND_TIME: number };
const filterAbortedMessages = require('kafkajs/src/consumer/filterAbortedMessages') as (
  options: { messages: RecordMessage[]; abortedTransactions: unknown },
) => RecordMessage[];

/**
 * The last decimal string turned into a double: a batch's first offset (or first timestamp) repeats
 * for each of its records. NaN for a string that is not a plain decimal integer.
 */
class LastDecimal {
  private decimal = '';
  private value = 0;

  numberOf(decimal: string): number {
    if (decimal !== this.decimal) {
      this.decimal = decimal;
      this.value = /^-?(0|[1-9][0-9]*)$/.test(decimal) ? Number(decimal) : NaN;
    }
    return this.value;
  }
}

const firstOffsets = new LastDecimal();
const firstTimestamps = new LastDecimal();

/** `first + delta` as a decimal string, as `Long.fromValue(first).add(delta).toString()` gives it. */
export function decimalPlus(first: string, delta: number | Long, last = new LastDecimal()): string {
  if (typeof delta === 'number') {
    const base = last.numberOf(first);
    const sum = base + delta;
    if (Number.isSafeInteger(base) && Number.isSafeInteger(sum)) return String(sum);
  }
  return Long.fromValue(first).add(delta).toString();
}

/**
 * A zigzag varlong as a double while it fits in 49 bits (7 bytes of the varint), else kafkajs's own
 * Long (which also raises its error for a varlong of more than 9 bytes).
 */
export function readVarLongNumber(decoder: Decoder): number | Long {
  const { buffer } = decoder;
  const start = decoder.offset;
  let value = 0;
  let scale = 1;
  for (let i = start; i < start + 7 && i < buffer.length; i++) {
    const byte = buffer[i];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      decoder.offset = i + 1;
      // Zigzag: even values are value / 2, odd ones -(value + 1) / 2.
      return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    }
    scale *= 128;
  }
  return decoder.readVarLong();
}

/** kafkajs's record/v0/decoder.js with decimalPlus and readVarLongNumber for its Long arithmetic. */
export function decodeRecord(decoder: Decoder, batchContext: BatchContext = {} as BatchContext) {
  const { firstOffset, firstTimestamp, magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
  const attributes = decoder.readInt8();

  const timestampDelta = readVarLongNumber(decoder);
  const timestamp = timestampType === TimestampTypes.LOG_APPEND_TIME && maxTimestamp ? maxTimestamp : decimalPlus(firstTimestamp, timestampDelta, firstTimestamps);

  const offsetDelta = decoder.readVarInt();
  const offset = decimalPlus(firstOffset, offsetDelta, firstOffsets);

  const key = decoder.readVarIntBytes();
  const value = decoder.readVarIntBytes();
  // No headers (a varint 0): the empty object kafkajs's reduce gives, without the array.
  const headers = decoder.buffer[decoder.offset] === 0 ? ((decoder.offset += 1), {}) : decoder.readVarIntArray(HeaderDecoder).reduce(
    (obj: Record<string, Buffer | Buffer[]>, { key: name, value: header }) => {
      const known = obj[name];
      return { ...obj, [name]: known === undefined ? header : Array.isArray(known) ? known.concat([header]) : [known, header] };
    },
    {},
  );

  return { magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord: isControlBatch, batchContext };
}

/** Whether decimal offset `a` ≥ `b`, both non-negative integers without leading zeros, as strings. */
export function isAtOrAfter(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a >= b;
}

/** Whether a record is at or after the fetched offset: compared as decimal text when it is plain, else through Long. */
function isWithinOffset(fetched: string): (message: RecordMessage) => boolean {
  if (/^(0|[1-9][0-9]*)$/.test(fetched)) return (message) => isAtOrAfter(message.offset, fetched);
  const longFetched = Long.fromValue(fetched);
  return (message) => Long.fromValue(message.offset).gte(longFetched);
}

/** kafkajs's consumer/batch.js constructor, the fetched-offset filter without a Long per message. */
export function LeanBatch(this: Record<string, unknown>, topic: string, fetchedOffset: unknown, partitionData: {
  readonly partition: number;
  readonly highWatermark: string;
  readonly abortedTransactions: unknown;
  readonly messages: RecordMessage[];
}): void {
  this.fetchedOffset = fetchedOffset;
  const { abortedTransactions, messages } = partitionData;
  this.topic = topic;
  this.partition = partitionData.partition;
  this.highWatermark = partitionData.highWatermark;
  this.rawMessages = messages;
  // Kafka may return records before the fetched offset (a compressed batch is returned whole).
  const withinOffset = messages.filter(isWithinOffset(String(fetchedOffset)));
  this.messagesWithinOffset = withinOffset;
  this.messages = filterAbortedMessages({ messages: withinOffset, abortedTransactions }).filter((message) => !message.isControlRecord);
}

// kafkajs's Batch methods (firstOffset, offsetLag, …) on batches made by LeanBatch.
LeanBatch.prototype = (require(BATCH) as { prototype: object }).prototype;
