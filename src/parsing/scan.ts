import { MAX_FIELD_BYTES } from './text-field';
import { MAX_MESSAGE_BYTES } from './event';
import { parseTimestamp } from './timestamp';
import { keyHashOf } from '../hashing/fnv1a';

/** Byte ranges of a well-formed event, found without building a JS object. */
export interface ScannedEvent {
  /**
   * The memory the raw message is a view of (a generator slab, a Kafka fetch response), as plain
   * bytes: the ranges below index it, and reading it is cheaper than reading the Buffer.
   */
  bytes: Uint8Array;
  clientStart: number;
  clientEnd: number;
  topicStart: number;
  topicEnd: number;
  pageStart: number;
  pageEnd: number;
  /** Unix ms. */
  timestamp: number;
  /** keyHashOf the client_id bytes: equal to shardOf's hash, as the fast path only takes ASCII ids. */
  clientHash: number;
}

export function createScannedEvent(): ScannedEvent {
  return {
    bytes: new Uint8Array(0),
    clientStart: 0,
    clientEnd: 0,
    topicStart: 0,
    topicEnd: 0,
    pageStart: 0,
    pageEnd: 0,
    timestamp: 0,
    clientHash: 0,
  };
}

const QUOTE = 0x22;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const NOT_FOUND = -1;

const latin1 = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const CLIENT_ID = latin1('"client_id"');
const TIMESTAMP = latin1('"timestamp"');
const URL = latin1('"url"');
const TOPIC = latin1('"topic"');
const PAGE = latin1('"page"');

/**
 * Fixed bytes as little-endian 32-bit words, read at offsets 0, 4, … and, for the rest, at the
 * last four bytes (overlapping the word before): a 14-byte run is matched in four loads, not 14.
 */
interface FixedWords {
  readonly length: number;
  readonly offsets: Int32Array;
  readonly words: Int32Array;
}

function wordsOf(text: string): FixedWords {
  const bytes = Buffer.from(text, 'latin1');
  const offsets: number[] = [];
  for (let at = 0; at + 4 < bytes.length; at += 4) offsets.push(at);
  offsets.push(bytes.length - 4);
  return { length: bytes.length, offsets: Int32Array.from(offsets), words: Int32Array.from(offsets, (at) => bytes.readInt32LE(at)) };
}

// JSON.stringify's form, which most producers send: the bytes between the values.
const COMPACT_BEFORE_CLIENT_ID = wordsOf('{"client_id":"');
const COMPACT_BEFORE_TIMESTAMP = wordsOf('","timestamp":"');
const COMPACT_BEFORE_TOPIC = wordsOf('","url":{"topic":"');
const COMPACT_BEFORE_PAGE = wordsOf('","page":"');
const COMPACT_END = latin1('"}}');

// The memory under the latest message, as bytes and as a DataView (which reads a word a load).
// Consecutive messages mostly share it, so the views are made once per slab or fetch response.
let viewedMemory: ArrayBufferLike | null = null;
let memoryBytes: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
let memoryView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/** What a byte inside a JSON string is to the scan. */
const enum InString {
  Plain = 0,
  Quote = 1,
  /** A control character or a backslash: an escape, left to the full parser. */
  Unusual = 2,
  /** From 0x80: part of a multi-byte UTF-8 sequence. */
  Multibyte = 3,
}
const IN_STRING = new Uint8Array(256).map((_, c) =>
  c === QUOTE ? InString.Quote : c < 0x20 || c === 0x5c ? InString.Unusual : c >= 0x80 ? InString.Multibyte : InString.Plain,
);

/**
 * The fast path for the common case: `{"client_id":"…","timestamp":"…","url":{"topic":"…","page":"…"}}`
 * with keys in that order, JSON whitespace anywhere between tokens, and strings without escapes
 * (client_id and timestamp in ASCII, topic and page in any well-formed UTF-8). True only when the
 * message is exactly such a valid event; false means "not sure", never "invalid" —
 * parseEvent then decides, with the reason. So the fast path only ever accepts what parseEvent
 * accepts, with the same values. Each step takes and returns a byte position in the memory under
 * the message, never past `end` (NOT_FOUND = not this shape).
 */
export function scanEvent(raw: Buffer, out: ScannedEvent): boolean {
  if (raw.length > MAX_MESSAGE_BYTES) return false;
  const memory = raw.buffer;
  if (memory !== viewedMemory) {
    viewedMemory = memory;
    memoryBytes = new Uint8Array(memory);
    memoryView = new DataView(memory);
  }
  const bytes = memoryBytes;
  const view = memoryView;
  out.bytes = bytes;
  const start = raw.byteOffset;
  const end = start + raw.length;
  return scanCompact(raw, bytes, view, start, end, out) || scanSpaced(raw, bytes, view, start, end, out);
}

/** The shape without any whitespace: the fixed bytes between the values are matched a word at a time. */
function scanCompact(raw: Buffer, bytes: Uint8Array, view: DataView, start: number, end: number, out: ScannedEvent): boolean {
  let p = afterWords(view, start, end, COMPACT_BEFORE_CLIENT_ID);
  const clientStart = p;
  p = stringEnd(bytes, view, p, end, false);
  if (!isFieldSize(clientStart, p)) return false;
  out.clientStart = clientStart;
  out.clientEnd = p;
  p = afterWords(view, p, end, COMPACT_BEFORE_TIMESTAMP);
  if (p === NOT_FOUND) return false;
  // Most timestamps share the cached minute: read from their seconds, with no scan for the quote.
  const cached = p + PLAIN_FORM_BYTES < end && bytes[p + PLAIN_FORM_BYTES] === QUOTE ? cachedTimestampAt(bytes, view, p) : NaN;
  if (Number.isNaN(cached)) {
    const timestampStart = p;
    p = stringEnd(bytes, view, p, end, false);
    if (p === NOT_FOUND) return false;
    out.timestamp = timestampOf(raw, bytes, view, timestampStart, p);
    if (Number.isNaN(out.timestamp)) return false;
  } else {
    out.timestamp = cached;
    p += PLAIN_FORM_BYTES;
  }
  p = afterWords(view, p, end, COMPACT_BEFORE_TOPIC);
  const topicStart = p;
  p = stringEnd(bytes, view, p, end, true);
  if (!isFieldSize(topicStart, p)) return false;
  out.topicStart = topicStart;
  out.topicEnd = p;
  p = afterWords(view, p, end, COMPACT_BEFORE_PAGE);
  const pageStart = p;
  p = stringEnd(bytes, view, p, end, true);
  if (!isFieldSize(pageStart, p)) return false;
  out.pageStart = pageStart;
  out.pageEnd = p;
  if (afterBytes(bytes, p, end, COMPACT_END) !== end) return false;
  out.clientHash = keyHashOf(bytes, clientStart, out.clientEnd, 0);
  return true;
}

/** The same shape with JSON whitespace between tokens. */
function scanSpaced(raw: Buffer, bytes: Uint8Array, view: DataView, start: number, end: number, out: ScannedEvent): boolean {
  let p = punctuation(bytes, start, end, OPEN);
  p = valueOf(bytes, p, end, CLIENT_ID);
  const clientStart = p + 1;
  p = quotedEnd(bytes, view, p, end, false);
  if (!isFieldSize(clientStart, p)) return false;
  out.clientStart = clientStart;
  out.clientEnd = p;
  p = valueOf(bytes, punctuation(bytes, p + 1, end, COMMA), end, TIMESTAMP);
  const timestampStart = p + 1;
  p = quotedEnd(bytes, view, p, end, false);
  if (p === NOT_FOUND) return false;
  out.timestamp = timestampOf(raw, bytes, view, timestampStart, p);
  if (Number.isNaN(out.timestamp)) return false;
  p = valueOf(bytes, punctuation(bytes, p + 1, end, COMMA), end, URL);
  p = valueOf(bytes, punctuation(bytes, p, end, OPEN), end, TOPIC);
  const topicStart = p + 1;
  p = quotedEnd(bytes, view, p, end, true);
  if (!isFieldSize(topicStart, p)) return false;
  out.topicStart = topicStart;
  out.topicEnd = p;
  p = valueOf(bytes, punctuation(bytes, p + 1, end, COMMA), end, PAGE);
  const pageStart = p + 1;
  p = quotedEnd(bytes, view, p, end, true);
  if (!isFieldSize(pageStart, p)) return false;
  out.pageStart = pageStart;
  out.pageEnd = p;
  p = punctuation(bytes, punctuation(bytes, p + 1, end, CLOSE), end, CLOSE);
  if (p === NOT_FOUND || afterWhitespace(bytes, p, end) !== end) return false;
  out.clientHash = keyHashOf(bytes, out.clientStart, out.clientEnd, 0);
  return true;
}

/** False for NOT_FOUND too. */
function isFieldSize(start: number, end: number): boolean {
  return end > start && end - start <= MAX_FIELD_BYTES;
}

/** Exactly these bytes at `p`: the position after them. */
function afterWords(view: DataView, p: number, end: number, fixed: FixedWords): number {
  if (p === NOT_FOUND || p + fixed.length > end) return NOT_FOUND;
  const { offsets, words } = fixed;
  for (let k = 0; k < words.length; k++) if (view.getInt32(p + offsets[k], true) !== words[k]) return NOT_FOUND;
  return p + fixed.length;
}

/** Exactly these bytes at `p`: the position after them. */
function afterBytes(bytes: Uint8Array, p: number, end: number, fixed: Uint8Array): number {
  if (p === NOT_FOUND || p + fixed.length > end) return NOT_FOUND;
  for (let k = 0; k < fixed.length; k++) if (bytes[p + k] !== fixed[k]) return NOT_FOUND;
  return p + fixed.length;
}

function afterWhitespace(bytes: Uint8Array, p: number, end: number): number {
  for (; p < end; p++) {
    const c = bytes[p];
    if (!(c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) break;
  }
  return p;
}

/** Whitespace, then exactly this byte: the position after it. */
function punctuation(bytes: Uint8Array, p: number, end: number, byte: number): number {
  if (p === NOT_FOUND) return NOT_FOUND;
  p = afterWhitespace(bytes, p, end);
  return p < end && bytes[p] === byte ? p + 1 : NOT_FOUND;
}

/** Whitespace, the quoted key, whitespace, a colon, whitespace: the position of the value. */
function valueOf(bytes: Uint8Array, p: number, end: number, quotedKey: Uint8Array): number {
  if (p === NOT_FOUND) return NOT_FOUND;
  p = afterBytes(bytes, afterWhitespace(bytes, p, end), end, quotedKey);
  p = punctuation(bytes, p, end, COLON);
  return p === NOT_FOUND ? NOT_FOUND : afterWhitespace(bytes, p, end);
}

/** A string whose opening quote is at `p`: the position of its closing quote (see stringEnd). */
function quotedEnd(bytes: Uint8Array, view: DataView, p: number, end: number, allowsUtf8: boolean): number {
  return p === NOT_FOUND || p >= end || bytes[p] !== QUOTE ? NOT_FOUND : stringEnd(bytes, view, p + 1, end, allowsUtf8);
}

/**
 * The position of the closing quote of a string whose contents start at `p`, without escapes or
 * control characters. Bytes from 0x80 must form well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF) when `allowsUtf8`; client_id is kept ASCII so its hash equals
 * shardOf's over UTF-16 units. Plain runs are skipped a word at a time.
 */
function stringEnd(bytes: Uint8Array, view: DataView, p: number, end: number, allowsUtf8: boolean): number {
  if (p === NOT_FOUND) return NOT_FOUND;
  while (p + 4 <= end && isPlainWord(view.getInt32(p, true))) p += 4;
  while (p < end) {
    const kind = IN_STRING[bytes[p]];
    if (kind === InString.Plain) p++;
    else if (kind === InString.Quote) return p;
    else if (kind === InString.Unusual || !allowsUtf8) return NOT_FOUND;
    else {
      p = afterUtf8Sequence(bytes, p, end);
      if (p === NOT_FOUND) return NOT_FOUND;
      while (p + 4 <= end && isPlainWord(view.getInt32(p, true))) p += 4;
    }
  }
  return NOT_FOUND;
}

/**
 * True when none of the word's four bytes is a quote, a backslash, a control character or from
 * 0x80: Bit Twiddling Hacks' "has a byte less than n" and "has a zero byte", exact as booleans for
 * bytes below 0x80, with `| word` flagging the bytes from 0x80.
 */
function isPlainWord(word: number): boolean {
  const quotes = word ^ 0x22222222;
  const backslashes = word ^ 0x5c5c5c5c;
  const flagged =
    ((word - 0x20202020) & ~word) | ((quotes - 0x01010101) & ~quotes) | ((backslashes - 0x01010101) & ~backslashes) | word;
  return (flagged & 0x80808080) === 0;
}

/** Position after the multi-byte UTF-8 sequence starting at `p`, or NOT_FOUND when it is not well-formed. */
function afterUtf8Sequence(bytes: Uint8Array, p: number, end: number): number {
  const lead = bytes[p];
  let low = 0x80;
  let high = 0xbf;
  let continuations: number;
  if (lead >= 0xc2 && lead <= 0xdf) continuations = 1;
  else if (lead >= 0xe0 && lead <= 0xef) {
    continuations = 2;
    if (lead === 0xe0) low = 0xa0;
    else if (lead === 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    continuations = 3;
    if (lead === 0xf0) low = 0x90;
    else if (lead === 0xf4) high = 0x8f;
  } else return NOT_FOUND;
  if (p + continuations >= end) return NOT_FOUND;
  const second = bytes[p + 1];
  if (!(second >= low && second <= high)) return NOT_FOUND;
  for (let k = 2; k <= continuations; k++) {
    const c = bytes[p + k];
    if (!(c >= 0x80 && c <= 0xbf)) return NOT_FOUND;
  }
  return p + continuations + 1;
}

// Consecutive events share their `YYYY-MM-DDTHH:MM`: the last one seen in the plain 19-byte form,
// as four words, and its ms, let most timestamps be read from their two seconds digits alone.
const PREFIX_WORDS = 4;
const PLAIN_FORM_BYTES = 19;
const cachedPrefix = new Int32Array(PREFIX_WORDS);
let cachedPrefixMs = NaN;

/** The plain-form timestamp at `p` when it has the cached minute, else NaN. The caller ensures 19 bytes. */
function cachedTimestampAt(bytes: Uint8Array, view: DataView, p: number): number {
  if (Number.isNaN(cachedPrefixMs) || bytes[p + 16] !== COLON) return NaN;
  const tens = bytes[p + 17] - 0x30;
  const ones = bytes[p + 18] - 0x30;
  const same =
    view.getInt32(p, true) === cachedPrefix[0] &&
    view.getInt32(p + 4, true) === cachedPrefix[1] &&
    view.getInt32(p + 8, true) === cachedPrefix[2] &&
    view.getInt32(p + 12, true) === cachedPrefix[3];
  return same && tens >= 0 && tens <= 5 && ones >= 0 && ones <= 9 ? cachedPrefixMs + (tens * 10 + ones) * 1000 : NaN;
}

/** The timestamp in bytes[start, end), any form; a plain one's minute is cached for the next. */
function timestampOf(raw: Buffer, bytes: Uint8Array, view: DataView, start: number, end: number): number {
  if (end - start === PLAIN_FORM_BYTES) {
    const cached = cachedTimestampAt(bytes, view, start);
    if (!Number.isNaN(cached)) return cached;
  }
  const ms = parseTimestamp(raw.toString('latin1', start - raw.byteOffset, end - raw.byteOffset));
  if (end - start === PLAIN_FORM_BYTES && !Number.isNaN(ms)) {
    for (let k = 0; k < PREFIX_WORDS; k++) cachedPrefix[k] = view.getInt32(start + 4 * k, true);
    cachedPrefixMs = ms - ((bytes[start + 17] - 0x30) * 10 + bytes[start + 18] - 0x30) * 1000;
  }
  return ms;
}
