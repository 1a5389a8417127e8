import { isUtf8 } from 'buffer';
import { reject, type RejectReason } from './reasons';
import { describeType, isUsableText, notAStringReason, unusableTextReason, type TextForm } from './text-field';
import { parseTimestamp, timestampProblem } from './timestamp';

/** A message over 64 KiB is rejected before it is decoded. */
export const MAX_MESSAGE_BYTES = 65_536;

/** A valid event, filled in place by parseEvent; on rejection only `detail` is meaningful. */
export interface ParsedEvent {
  clientId: string;
  topic: string;
  page: string;
  /** Unix ms. */
  timestamp: number;
  /** Why the message was rejected, short and human-readable; empty for a valid event. */
  detail: string;
}

export function createParsedEvent(): ParsedEvent {
  return { clientId: '', topic: '', page: '', timestamp: 0, detail: '' };
}

const REPLACEMENT_CHARACTER = '\ufffd';
const BACKSLASH = '\\';
const SHOWN_TIMESTAMP_CHARS = 40;

/**
 * Fills `out` and returns null when the message is a valid event (string fields non-empty and at
 * most 1024 bytes, a real timestamp); otherwise returns the reason and sets out.detail.
 *
 * Check order, so each message gets its most specific reason: size (before decoding), UTF-8 bytes,
 * JSON syntax, object shape, then the fields in the order client_id, timestamp, url, url.topic,
 * url.page, each for presence, type, emptiness, then content (lone surrogate, UTF-8 length,
 * timestamp form). The first failure decides. Duplicate keys: the last one wins (as JSON.parse).
 */
export function parseEvent(raw: Uint8Array, out: ParsedEvent): RejectReason | null {
  const size = raw.length;
  if (size > MAX_MESSAGE_BYTES) {
    return reject(out, 'too_large', `message is ${size} bytes, over ${MAX_MESSAGE_BYTES}`);
  }
  const text = decode(raw);
  // Decoding replaces bad bytes with U+FFFD, so only a text that has one needs the full check.
  if (text.indexOf(REPLACEMENT_CHARACTER) !== -1 && !isUtf8(raw)) {
    return reject(out, 'invalid_utf8', 'message is not valid UTF-8');
  }
  const value = parseJson(text);
  if (value instanceof Error) return reject(out, 'invalid_json', `not JSON: ${value.message}`);
  if (!isObject(value)) return reject(out, 'not_an_object', `message is ${describeType(value)}, not an object`);

  const form = textForm(text, size);
  const clientId = value.client_id;
  if (!isUsableText(clientId, form)) return unusableTextReason(clientId, 'client_id', out);
  const timestamp = value.timestamp;
  const ms = typeof timestamp === 'string' ? parseTimestamp(timestamp) : NaN;
  if (Number.isNaN(ms)) return badTimestampReason(timestamp, out);
  const url = value.url;
  if (!isObject(url)) return badUrlReason(url, out);
  const topic = url.topic;
  if (!isUsableText(topic, form)) return unusableTextReason(topic, 'url.topic', out);
  const page = url.page;
  if (!isUsableText(page, form)) return unusableTextReason(page, 'url.page', out);

  out.clientId = clientId;
  out.topic = topic;
  out.page = page;
  out.timestamp = ms;
  out.detail = '';
  return null;
}

function decode(raw: Uint8Array): string {
  const bytes = raw instanceof Buffer ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return bytes.toString();
}

/** JSON.parse that hands back what it threw instead of throwing (JSON never yields an Error). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Form of valid UTF-8 text: as many UTF-16 units as bytes only when every byte is ASCII. */
function textForm(text: string, size: number): TextForm {
  if (text.indexOf(BACKSLASH) !== -1) return 'escaped';
  return text.length === size ? 'ascii' : 'utf8';
}

function badUrlReason(url: unknown, out: ParsedEvent): RejectReason {
  if (url === undefined) return reject(out, 'missing_field', 'url is missing');
  return reject(out, 'wrong_type', `url is ${describeType(url)}, not an object`);
}

function badTimestampReason(value: unknown, out: ParsedEvent): RejectReason {
  const notAString = notAStringReason(value, 'timestamp', out);
  if (notAString !== null) return notAString;
  const text = value as string;
  const shown = text.length > SHOWN_TIMESTAMP_CHARS ? `${text.slice(0, SHOWN_TIMESTAMP_CHARS)}…` : text;
  return reject(out, 'bad_timestamp', `${shown} ${timestampProblem()}`);
}
