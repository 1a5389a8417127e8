import { MAX_FIELD_BYTES } from './text-field';
import { MAX_MESSAGE_BYTES } from './event';
import { parseTimestamp } from './timestamp';

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
  /** FNV-1a of the client_id bytes: equal to shardOf's hash, as the fast path only takes ASCII. */
  clientHash: number;
}

export function createScannedEvent(): ScannedEvent {
  return { clientStart: 0, clientEnd: 0, topicStart: 0, topicEnd: 0, pageStart: 0, pageEnd: 0, timestamp: 0, clientHash: 0 };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN = 0x7b;
const CLOSE = 0x7d;

const keyBytes = (key: string): Uint8Array => Buffer.from(`"${key}"`, 'latin1');
const CLIENT_ID = keyBytes('client_id');
const TIMESTAMP = keyBytes('timestamp');
const URL = keyBytes('url');
const TOPIC = keyBytes('topic');
const PAGE = keyBytes('page');

// The scan's cursor; module state so the hot path allocates nothing.
let at = 0;

/**
 * The fast path for the common case: `{"client_id":"…","timestamp":"…","url":{"topic":"…","page":"…"}}`
 * with keys in that order, JSON whitespace anywhere between tokens, and strings without escapes
 * (client_id and timestamp in ASCII, topic and page in any well-formed UTF-8). True only when the message is exactly such a valid SPEC §2 event; false means "not
 * sure", never "invalid" — parseEvent then decides, with the reason. So the fast path can only ever
 * accept what parseEvent accepts, with the same values.
 */
export function scanEvent(raw: Buffer, out: ScannedEvent): boolean {
  const end = raw.length;
  if (end > MAX_MESSAGE_BYTES) return false;
  at = 0;
  if (!punctuation(raw, OPEN) || !key(raw, CLIENT_ID)) return false;
  out.clientStart = at + 1;
  if (!text(raw, false) || !isFieldSize(out.clientStart, at - 1)) return false;
  out.clientEnd = at - 1;
  if (!punctuation(raw, COMMA) || !key(raw, TIMESTAMP)) return false;
  const timestampStart = at + 1;
  if (!text(raw, false)) return false;
  out.timestamp = parseTimestamp(raw.toString('latin1', timestampStart, at - 1));
  if (Number.isNaN(out.timestamp)) return false;
  if (!punctuation(raw, COMMA) || !key(raw, URL) || !punctuation(raw, OPEN) || !key(raw, TOPIC)) return false;
  out.topicStart = at + 1;
  if (!text(raw, true) || !isFieldSize(out.topicStart, at - 1)) return false;
  out.topicEnd = at - 1;
  if (!punctuation(raw, COMMA) || !key(raw, PAGE)) return false;
  out.pageStart = at + 1;
  if (!text(raw, true) || !isFieldSize(out.pageStart, at - 1)) return false;
  out.pageEnd = at - 1;
  if (!punctuation(raw, CLOSE) || !punctuation(raw, CLOSE)) return false;
  skipWhitespace(raw);
  if (at !== end) return false;
  out.clientHash = fnv1a(raw, out.clientStart, out.clientEnd);
  return true;
}

function isFieldSize(start: number, end: number): boolean {
  return end > start && end - start <= MAX_FIELD_BYTES;
}

function skipWhitespace(raw: Buffer): void {
  for (let c = raw[at]; c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = raw[++at]);
}

/** Whitespace, then exactly this byte. */
function punctuation(raw: Buffer, byte: number): boolean {
  skipWhitespace(raw);
  if (raw[at] !== byte) return false;
  at++;
  return true;
}

/** Whitespace, the quoted key, whitespace, a colon, whitespace; leaves the cursor on the value. */
function key(raw: Buffer, quoted: Uint8Array): boolean {
  skipWhitespace(raw);
  for (let i = 0; i < quoted.length; i++) if (raw[at + i] !== quoted[i]) return false;
  at += quoted.length;
  if (!punctuation(raw, COLON)) return false;
  skipWhitespace(raw);
  return true;
}

/**
 * A string without escapes or control characters; the cursor ends after its closing quote. Bytes
 * from 0x80 must form well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF)
 * when `allowsUtf8`; client_id is kept ASCII so its hash equals shardOf's over UTF-16 units.
 */
function text(raw: Buffer, allowsUtf8: boolean): boolean {
  if (raw[at] !== QUOTE) return false;
  const end = raw.length;
  let i = at + 1;
  while (i < end) {
    const c = raw[i];
    if (c === QUOTE) {
      at = i + 1;
      return true;
    }
    if (c < 0x80) {
      if (c < 0x20 || c === BACKSLASH) return false;
      i++;
    } else {
      if (!allowsUtf8) return false;
      i = afterUtf8Sequence(raw, i);
      if (i < 0) return false;
    }
  }
  return false;
}

/** Index after the multi-byte UTF-8 sequence starting at `i`, or -1 when it is not well-formed. */
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
  } else return -1;
  const second = raw[i + 1];
  if (!(second >= low && second <= high)) return -1;
  for (let k = 2; k <= continuations; k++) {
    const c = raw[i + k];
    if (!(c >= 0x80 && c <= 0xbf)) return -1;
  }
  return i + continuations + 1;
}

function fnv1a(raw: Buffer, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ raw[i], 0x01000193);
  return hash >>> 0;
}
