import { MAX_FIELD_BYTES } from './text-field';
import { MAX_MESSAGE_BYTES } from './event';
import { parseTimestamp } from './timestamp';
import { keyHashOf } from '../sharding/key-hash';

/** Byte ranges of a well-formed event in its raw message, found without building a JS object. */
export interface ScannedEvent {
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
  return { clientStart: 0, clientEnd: 0, topicStart: 0, topicEnd: 0, pageStart: 0, pageEnd: 0, timestamp: 0, clientHash: 0 };
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
// JSON.stringify's form, which most producers send: the bytes between the values.
const COMPACT_BEFORE_CLIENT_ID = latin1('{"client_id":"');
const COMPACT_BEFORE_TIMESTAMP = latin1('","timestamp":"');
const COMPACT_BEFORE_TOPIC = latin1('","url":{"topic":"');
const COMPACT_BEFORE_PAGE = latin1('","page":"');
const COMPACT_END = latin1('"}}');

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
 * message is exactly such a valid SPEC §2 event; false means "not sure", never "invalid" —
 * parseEvent then decides, with the reason. So the fast path only ever accepts what parseEvent
 * accepts, with the same values. Each step takes and returns a byte index (NOT_FOUND = not this shape).
 */
export function scanEvent(raw: Buffer, out: ScannedEvent): boolean {
  if (raw.length > MAX_MESSAGE_BYTES) return false;
  return scanCompact(raw, out) || scanSpaced(raw, out);
}

/** The shape without any whitespace: the fixed bytes between the values are matched whole. */
function scanCompact(raw: Buffer, out: ScannedEvent): boolean {
  let i = afterBytes(raw, 0, COMPACT_BEFORE_CLIENT_ID);
  const clientStart = i;
  i = stringEnd(raw, i, false);
  if (!isFieldSize(clientStart, i)) return false;
  out.clientStart = clientStart;
  out.clientEnd = i;
  i = afterBytes(raw, i, COMPACT_BEFORE_TIMESTAMP);
  const timestampStart = i;
  i = stringEnd(raw, i, false);
  if (i === NOT_FOUND) return false;
  out.timestamp = timestampOf(raw, timestampStart, i);
  if (Number.isNaN(out.timestamp)) return false;
  i = afterBytes(raw, i, COMPACT_BEFORE_TOPIC);
  const topicStart = i;
  i = stringEnd(raw, i, true);
  if (!isFieldSize(topicStart, i)) return false;
  out.topicStart = topicStart;
  out.topicEnd = i;
  i = afterBytes(raw, i, COMPACT_BEFORE_PAGE);
  const pageStart = i;
  i = stringEnd(raw, i, true);
  if (!isFieldSize(pageStart, i)) return false;
  out.pageStart = pageStart;
  out.pageEnd = i;
  if (afterBytes(raw, i, COMPACT_END) !== raw.length) return false;
  out.clientHash = keyHashOf(raw, clientStart, out.clientEnd, 0);
  return true;
}

/** The same shape with JSON whitespace between tokens. */
function scanSpaced(raw: Buffer, out: ScannedEvent): boolean {
  let i = punctuation(raw, 0, OPEN);
  i = valueOf(raw, i, CLIENT_ID);
  const clientStart = i + 1;
  i = quotedEnd(raw, i, false);
  if (!isFieldSize(clientStart, i)) return false;
  out.clientStart = clientStart;
  out.clientEnd = i;
  i = valueOf(raw, punctuation(raw, i + 1, COMMA), TIMESTAMP);
  const timestampStart = i + 1;
  i = quotedEnd(raw, i, false);
  if (i === NOT_FOUND) return false;
  out.timestamp = timestampOf(raw, timestampStart, i);
  if (Number.isNaN(out.timestamp)) return false;
  i = valueOf(raw, punctuation(raw, i + 1, COMMA), URL);
  i = valueOf(raw, punctuation(raw, i, OPEN), TOPIC);
  const topicStart = i + 1;
  i = quotedEnd(raw, i, true);
  if (!isFieldSize(topicStart, i)) return false;
  out.topicStart = topicStart;
  out.topicEnd = i;
  i = valueOf(raw, punctuation(raw, i + 1, COMMA), PAGE);
  const pageStart = i + 1;
  i = quotedEnd(raw, i, true);
  if (!isFieldSize(pageStart, i)) return false;
  out.pageStart = pageStart;
  out.pageEnd = i;
  i = punctuation(raw, punctuation(raw, i + 1, CLOSE), CLOSE);
  if (i === NOT_FOUND || afterWhitespace(raw, i) !== raw.length) return false;
  out.clientHash = keyHashOf(raw, out.clientStart, out.clientEnd, 0);
  return true;
}

/** False for NOT_FOUND too. */
function isFieldSize(start: number, end: number): boolean {
  return end > start && end - start <= MAX_FIELD_BYTES;
}

/** Exactly these bytes at `i`: the index after them. */
function afterBytes(raw: Buffer, i: number, bytes: Uint8Array): number {
  if (i === NOT_FOUND) return NOT_FOUND;
  for (let k = 0; k < bytes.length; k++) if (raw[i + k] !== bytes[k]) return NOT_FOUND;
  return i + bytes.length;
}

function afterWhitespace(raw: Buffer, i: number): number {
  for (let c = raw[i]; c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = raw[++i]);
  return i;
}

/** Whitespace, then exactly this byte: the index after it. */
function punctuation(raw: Buffer, i: number, byte: number): number {
  if (i === NOT_FOUND) return NOT_FOUND;
  i = afterWhitespace(raw, i);
  return raw[i] === byte ? i + 1 : NOT_FOUND;
}

/** Whitespace, the quoted key, whitespace, a colon, whitespace: the index of the value. */
function valueOf(raw: Buffer, i: number, quotedKey: Uint8Array): number {
  if (i === NOT_FOUND) return NOT_FOUND;
  i = afterBytes(raw, afterWhitespace(raw, i), quotedKey);
  i = punctuation(raw, i, COLON);
  return i === NOT_FOUND ? NOT_FOUND : afterWhitespace(raw, i);
}

/** A string whose opening quote is at `i`: the index of its closing quote (see stringEnd). */
function quotedEnd(raw: Buffer, i: number, allowsUtf8: boolean): number {
  return i === NOT_FOUND || raw[i] !== QUOTE ? NOT_FOUND : stringEnd(raw, i + 1, allowsUtf8);
}

/**
 * The index of the closing quote of a string whose contents start at `i`, without escapes or control
 * characters. Bytes from 0x80 must form well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at
 * most U+10FFFF) when `allowsUtf8`; client_id is kept ASCII so its hash equals shardOf's over UTF-16 units.
 */
function stringEnd(raw: Buffer, i: number, allowsUtf8: boolean): number {
  if (i === NOT_FOUND) return NOT_FOUND;
  const end = raw.length;
  while (i < end) {
    const kind = IN_STRING[raw[i]];
    if (kind === InString.Plain) i++;
    else if (kind === InString.Quote) return i;
    else if (kind === InString.Unusual || !allowsUtf8) return NOT_FOUND;
    else {
      i = afterUtf8Sequence(raw, i);
      if (i === NOT_FOUND) return NOT_FOUND;
    }
  }
  return NOT_FOUND;
}

/** Index after the multi-byte UTF-8 sequence starting at `i`, or NOT_FOUND when it is not well-formed. */
function afterUtf8Sequence(raw: Buffer, i: number): number {
  const lead = raw[i];
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
  const second = raw[i + 1];
  if (!(second >= low && second <= high)) return NOT_FOUND;
  for (let k = 2; k <= continuations; k++) {
    const c = raw[i + k];
    if (!(c >= 0x80 && c <= 0xbf)) return NOT_FOUND;
  }
  return i + continuations + 1;
}

// Consecutive events share their `YYYY-MM-DDTHH:MM`: the last one seen in the plain 19-byte form,
// and its ms, let most timestamps be read from their two seconds digits alone.
const PREFIX_BYTES = 16;
const PLAIN_FORM_BYTES = 19;
const cachedPrefix = new Uint8Array(PREFIX_BYTES);
let cachedPrefixMs = NaN;

function timestampOf(raw: Buffer, start: number, end: number): number {
  if (end - start === PLAIN_FORM_BYTES && !Number.isNaN(cachedPrefixMs) && raw[start + 16] === COLON) {
    let same = true;
    for (let k = 0; k < PREFIX_BYTES && same; k++) same = raw[start + k] === cachedPrefix[k];
    const tens = raw[start + 17] - 0x30;
    const ones = raw[start + 18] - 0x30;
    if (same && tens >= 0 && tens <= 5 && ones >= 0 && ones <= 9) return cachedPrefixMs + (tens * 10 + ones) * 1000;
  }
  const ms = parseTimestamp(raw.toString('latin1', start, end));
  if (end - start === PLAIN_FORM_BYTES && !Number.isNaN(ms)) {
    cachedPrefix.set(raw.subarray(start, start + PREFIX_BYTES));
    cachedPrefixMs = ms - ((raw[start + 17] - 0x30) * 10 + raw[start + 18] - 0x30) * 1000;
  }
  return ms;
}
