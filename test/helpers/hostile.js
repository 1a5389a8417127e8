'use strict';
// A deterministic generator of hostile messages mixed with valid events, for the fuzz test.
//
// Every message is judged by `judge` below against the event rules — one JSON object with string
// client_id, url.topic and url.page (non-empty, at most 1024 bytes of UTF-8 each) and a
// YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|±HH:MM] timestamp that is a real calendar instant, in valid UTF-8, at
// most 64 KiB; anything else rejected — written from those rules, independent of src/parsing — and the generator checks that the judge agrees with what each class of message was
// built to be, so a slip in either shows as a thrown error here rather than as a puzzling test result.
//
// Reason names are the project's (README: "counted by reason"); the rules name the defects, not the words.
// Where the rules leave the reason open (an empty timestamp is both "an empty string" and "a bad
// timestamp"; a message with several defects), `reasons` lists every acceptable one.
const { isUtf8 } = require('node:buffer');
const { rng } = require('./events');

const MAX_MESSAGE_BYTES = 65_536;
const MAX_FIELD_BYTES = 1024;
/** Event time of message i is about BASE + i × STEP_MS; disorder below 1 s (fractions truncated). */
const BASE = Date.UTC(2017, 0, 25, 14);
const STEP_MS = 20;

// ---------------------------------------------------------------------------------------------
// The judge: the event rules above read literally.

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Unix ms of a timestamp (UTC when it has no offset; the fraction truncated to ms), or NaN. */
function timestampMs(text) {
  const m = TIMESTAMP.exec(text);
  if (m === null) return NaN;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && leap ? 29 : DAYS[month - 1])) return NaN;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  let offsetMs = 0;
  if (m[8] !== undefined && m[8] !== 'Z') {
    const hours = Number(m[8].slice(1, 3));
    const minutes = Number(m[8].slice(4, 6));
    if (hours > 23 || minutes > 59) return NaN;
    offsetMs = (m[8][0] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3)));
  return date.getTime() - offsetMs;
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Problems of a required text field: [] when it is usable. */
function textProblems(value) {
  if (value === undefined) return ['missing_field'];
  if (typeof value !== 'string') return ['wrong_type'];
  if (value.length === 0) return ['empty_field'];
  // A lone surrogate has no UTF-8 form, so it is not "a string of UTF-8".
  if (!value.isWellFormed()) return ['invalid_utf8'];
  if (Buffer.byteLength(value, 'utf8') > MAX_FIELD_BYTES) return ['field_too_long'];
  return [];
}

/**
 * The event rules on one message (a Buffer; null for a Kafka message without a value):
 * { valid: true, event: {client, topic, page, ts} } or { valid: false, reasons: [...] }.
 * Layers: size, then UTF-8, then JSON, then shape; within the shape every field's defect is acceptable.
 */
function judge(bytes) {
  if (bytes === null || bytes.length === 0) return { valid: false, reasons: ['invalid_json'] };
  if (bytes.length > MAX_MESSAGE_BYTES) return { valid: false, reasons: ['too_large'] };
  if (!isUtf8(bytes)) return { valid: false, reasons: ['invalid_utf8'] };
  let value;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { valid: false, reasons: ['invalid_json'] };
  }
  if (!isPlainObject(value)) return { valid: false, reasons: ['not_an_object'] };
  const problems = [...textProblems(value.client_id)];
  let ts = NaN;
  const timestamp = value.timestamp;
  if (timestamp === undefined) problems.push('missing_field');
  else if (typeof timestamp !== 'string') problems.push('wrong_type');
  else if (timestamp === '') problems.push('empty_field', 'bad_timestamp');
  else if (Number.isNaN((ts = timestampMs(timestamp)))) problems.push('bad_timestamp');
  const url = value.url;
  if (url === undefined) problems.push('missing_field');
  else if (!isPlainObject(url)) problems.push('wrong_type');
  else problems.push(...textProblems(url.topic), ...textProblems(url.page));
  if (problems.length > 0) return { valid: false, reasons: [...new Set(problems)].sort() };
  return { valid: true, event: { client: value.client_id, topic: url.topic, page: url.page, ts } };
}

// ---------------------------------------------------------------------------------------------
// Building blocks.

/** JSON string literal of `text` in one of several equivalent spellings. */
function quote(text, style) {
  const plain = JSON.stringify(text);
  if (style === 'plain') return plain;
  if (style === 'slash') return plain.replaceAll('/', '\\/');
  const hex = (code) => code.toString(16).padStart(4, '0');
  const unit = (code) => '\\u' + (style === 'upper' ? hex(code).toUpperCase() : hex(code));
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (style === 'all' || code > 0x7e || code < 0x20 || code === 0x22 || code === 0x5c) out += unit(code);
    else out += text[i];
  }
  return out + '"';
}

const QUOTE_STYLES = ['plain', 'plain', 'plain', 'escaped', 'all', 'upper', 'slash'];

/** JSON text of an object from [key, valueText] pairs, with whitespace between tokens. */
function objectText(pairs, space) {
  return `{${space()}${pairs.map(([key, value]) => `${JSON.stringify(key)}${space()}:${space()}${value}${space()}`).join(`,${space()}`)}}`;
}

function shuffle(random, items) {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const pad2 = (n) => String(n).padStart(2, '0');

/** A timestamp spelling of about `ms` (fraction digits, Z or an offset); returns its text and exact instant. */
function renderTimestamp(random, ms) {
  const form = Math.floor(random() * 6);
  const digits = form === 0 ? 0 : 1 + Math.floor(random() * 9);
  const seconds = Math.floor(ms / 1000) * 1000;
  let fraction = '';
  let instant = seconds;
  if (digits > 0) {
    const three = String(ms - seconds).padStart(3, '0');
    fraction = digits <= 3 ? three.slice(0, digits) : three + Array.from({ length: digits - 3 }, () => Math.floor(random() * 10)).join('');
    instant = seconds + Number(fraction.padEnd(3, '0').slice(0, 3));
  }
  let suffix = '';
  let offsetMs = 0;
  const zone = random();
  if (zone < 0.3) suffix = 'Z';
  else if (zone < 0.6) {
    const hours = Math.floor(random() * 15);
    const minutes = [0, 30, 45][Math.floor(random() * 3)];
    const sign = random() < 0.5 ? '-' : '+';
    suffix = `${sign}${pad2(hours)}:${pad2(minutes)}`;
    offsetMs = (sign === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
  }
  const local = new Date(instant + offsetMs);
  const text =
    `${local.getUTCFullYear()}-${pad2(local.getUTCMonth() + 1)}-${pad2(local.getUTCDate())}T` +
    `${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}:${pad2(local.getUTCSeconds())}` +
    (digits > 0 ? `.${fraction}` : '') +
    suffix;
  return { text, instant };
}

/** A canonical (compact, in order) timestamp text of ms, for messages whose timestamp is not the point. */
function isoText(ms) {
  return new Date(ms).toISOString().slice(0, 19);
}

// Pools of valid field values: exact comparison, no trimming, no case folding, no normalisation.
const ZWJ_FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
const CLIENTS = [
  ...Array.from({ length: 120 }, (_, i) => String(4149719179064208 + i * 7919)),
  'client-a', 'Client-A', 'CLIENT-A', ' padded ', 'padded', '\t', ' ', 'a\u0000b', '\u0000',
  'é', 'e\u0301', '客户-一', 'مرحبا-عميل', '\u202Eevil', ZWJ_FAMILY, '\u{1F44D}\u{1F3FD}', '\uFEFFbom', 'ß', 'SS',
  'quote"back\\slash', '{"nested":"json"}', 'line\nbreak', 'slash/es',
];
const TOPICS = ['Action', 'action', 'Comedy', 'Drama ✨', 'ドラマ', 'עברית', 'e\u0301', 'é', 'T\u0000', ...Array.from({ length: 20 }, (_, i) => `topic-${i}`)];
const PAGES = [
  ...Array.from({ length: 40 }, (_, i) => `page-${i}`),
  'Die Hard', 'Amélie', 'Ame\u0301lie', 'مرحبا', '\u{1F3AC}', ZWJ_FAMILY, '</script>', "'; DROP TABLE x; --", '%s%n', 'a\u0000', ' ', '\u0085\u2028\u2029',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '\u{10FFFF}', '\uFFFD',
];
/** Exactly 1024 bytes of UTF-8 (the most a field may hold) in 1-, 2-, 3- and 4-byte characters; used sparingly. */
const LONGEST = ['x'.repeat(MAX_FIELD_BYTES), 'é'.repeat(MAX_FIELD_BYTES / 2), '€'.repeat(341) + 'x', '\u{1F600}'.repeat(MAX_FIELD_BYTES / 4)];

const NOT_STRINGS = ['0', '4149719179064208', '-1.5e300', 'null', 'true', 'false', '[]', '["a"]', '{}', '{"a":"b"}'];
const NOT_OBJECTS = ['0', '-0', '1e999', '"a string"', 'null', 'true', 'false', '[]', '[{"client_id":"a"}]', '"{}"'];
const BAD_TIMESTAMPS = [
  '2017-02-29T00:00:00', '2017-02-30T12:00:00', '2017-13-01T00:00:00', '2017-00-10T00:00:00', '2017-01-00T00:00:00',
  '2017-04-31T00:00:00', '2017-01-25T24:00:00', '2017-01-25T23:60:00', '2017-01-25T23:59:60', '2017-01-25 14:00:00',
  '2017-01-25t14:00:00', '2017-01-25T14:00:00z', '2017-01-25T14:00', '2017-01-25', '14:00:00', '2017-1-25T14:00:00',
  '2017-01-25T14:00:00.', '2017-01-25T14:00:00.1234567890', '2017-01-25T14:00:00+0530', '2017-01-25T14:00:00+05',
  '2017-01-25T14:00:00+24:00', '2017-01-25T14:00:00+05:60', '2017-01-25T14:00:00 ', ' 2017-01-25T14:00:00',
  '2017-01-25T14:00:00ZZ', '2017-01-25T14:00:00Z+01:00', '+2017-01-25T14:00:00', '20170125T140000', '1485352800000',
  '２０１７-01-25T14:00:00', '2017-01-25T14:00:00\u0000', '2017-01-25T14:00:0\u0661', 'now', '2017-01-25T14:00:00' + '0'.repeat(2000),
];
const INVALID_UTF8 = [
  [0x80], [0xbf], [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf],
  [0xf0, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xfe], [0xff], [0xe2, 0x82], [0xc3], [0xf0, 0x9f, 0x98],
];
const NOT_JSON = [
  '{"client_id":"a","timestamp":"2017-01-25T14:00:00","url":{"topic":"t","page":"p"},}',
  "{'client_id':'a','timestamp':'2017-01-25T14:00:00','url':{'topic':'t','page':'p'}}",
  '{client_id:"a",timestamp:"2017-01-25T14:00:00",url:{topic:"t",page:"p"}}',
  '{"client_id":NaN}', '{"client_id":"a"} // comment', '/* c */ {}', '{"a":1}{"b":2}', '{"a":Infinity}',
  '{"a":"\\x41"}', '{"a":"\\u12"}', '{"a":"\\ud8"}', '{"a":01}', '{"a":.5}', '{"a":+1}', '{"a":undefined}',
  '{"a" "b"}', '{"a":"b"', '{"a":["b"}', '{"a":"b\u0001"}', '{"a":"tab\there"}', '\u00a0{}', '\u3000{}', '{}\u000b',
  '\uFEFF{"client_id":"a","timestamp":"2017-01-25T14:00:00","url":{"topic":"t","page":"p"}}',
  '   ', '\t', ' \t \r', 'null null', ']', '}', '"', '\u0000', '{"a":"\u0000"}',
];

// ---------------------------------------------------------------------------------------------
// Message classes. Each returns { bytes, expect } where expect is 'valid' or the reasons it was built to
// have; `strict: false` marks classes whose reason is left to the judge (random content).

function createBuilder(random, transport) {
  const pick = (items) => items[Math.floor(random() * items.length)];
  /** A field value from a pool, now and then one of the longest allowed. */
  const pickField = (pool) => (random() < 0.005 ? pick(LONGEST) : pick(pool));
  const int = (n) => Math.floor(random() * n);
  const spaces = transport === 'file' ? [' ', '\t', '\r', '  '] : [' ', '\t', '\r', '\n', ' \n '];
  const noSpace = () => '';
  const someSpace = () => (random() < 0.5 ? '' : pick(spaces));

  /** A valid event's fields with varied spellings; `over` replaces field texts. */
  function eventText(ms, { over = {}, space = noSpace, order = false, extra = [], style } = {}) {
    const q = (text) => quote(text, style ?? pick(QUOTE_STYLES));
    const fields = {
      client_id: q(pickField(CLIENTS)),
      timestamp: q(isoText(ms)),
      url: null,
      ...over,
    };
    const urlFields = { topic: q(pickField(TOPICS)), page: q(pickField(PAGES)), ...(over.urlFields ?? {}) };
    delete fields.urlFields;
    let urlPairs = Object.entries(urlFields).filter(([, v]) => v !== undefined);
    if (order) urlPairs = shuffle(random, urlPairs);
    if (fields.url === null) fields.url = objectText(urlPairs, space);
    let pairs = Object.entries(fields).filter(([, v]) => v !== undefined);
    pairs.push(...extra);
    if (order) pairs = shuffle(random, pairs);
    return objectText(pairs, space);
  }

  const bytesOf = (text) => Buffer.from(text, 'utf8');
  const built = (text, expect, strict = true) => ({ bytes: typeof text === 'string' ? bytesOf(text) : text, expect, strict });

  /** Valid events, most of them spelled in unusual ways. */
  function valid(ms) {
    const { text: timestamp, instant } = renderTimestamp(random, ms);
    const style = pick(QUOTE_STYLES);
    const q = (text) => quote(text, style);
    const variant = int(12);
    const over = { timestamp: q(timestamp) };
    let text;
    switch (variant) {
      case 0: // extra fields of every type, keys in any order
        text = eventText(ms, { over, order: true, extra: [['extra', pick([...NOT_STRINGS, '"\\ud800"', '"x"'])], ['url2', '{"topic":1}'], ['', '""']] });
        break;
      case 1: // whitespace between every token, before and after
        text = pick(spaces) + eventText(ms, { over, space: someSpace, style }) + pick(spaces);
        break;
      case 2: // duplicate keys: the last one wins, as in JSON.parse
        text = eventText(ms, { over, extra: [] }).replace('{', `{"client_id":42,"timestamp":"2017-02-30T00:00:00",`);
        break;
      case 3: // deep nesting inside an ignored field
        if (random() < 0.005) {
          const depth = 5000 + int(15000);
          text = eventText(ms, { over, extra: [['deep', '['.repeat(depth) + ']'.repeat(depth)]] });
        } else text = eventText(ms, { over, extra: [['deep', '{"a":'.repeat(50) + '[]' + '}'.repeat(50)]] });
        break;
      case 4: { // exactly 64 KiB (rarely), or a large ignored field
        const base = eventText(ms, { over, extra: [['pad', '""']] });
        const size = random() < 0.01 ? MAX_MESSAGE_BYTES : base.length + int(2000);
        text = base.replace('"pad":""', `"pad":"${'p'.repeat(Math.max(0, size - Buffer.byteLength(base)))}"`);
        break;
      }
      default:
        text = eventText(ms, { over, style });
    }
    return { ...built(text, 'valid'), ts: instant };
  }

  const FIELD_PATHS = ['client_id', 'timestamp', 'url', 'topic', 'page'];
  /** An event whose field `path` has the value text `value` (undefined: absent). */
  function withField(ms, path, value) {
    if (path === 'topic' || path === 'page') return eventText(ms, { over: { urlFields: { [path]: value } } });
    return eventText(ms, { over: { [path]: value } });
  }

  const classes = [
    // [weight, build(ms)]
    [30, (ms) => valid(ms)],
    [9, () => { // random bytes, any length up to 300
      const bytes = Buffer.alloc(1 + int(300));
      for (let i = 0; i < bytes.length; i++) bytes[i] = int(256);
      if (transport === 'file') for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) bytes[i] = 0x20;
      if (transport === 'file' && bytes.length === 1 && bytes[0] === 0x0d) bytes[0] = 0x7b;
      return built(bytes, null, false);
    }],
    [5, () => { // random JSON-ish tokens
      const tokens = ['{', '}', '[', ']', ':', ',', '"', '"client_id"', '"url"', '"topic"', '"page"', '"timestamp"', '"2017-01-25T14:00:00"', '1', 'null', ' ', 'true', '"\\u0000"', '"é"', '\\'];
      let text = '';
      for (let n = 1 + int(30); n > 0; n--) text += pick(tokens);
      return built(text, null, false);
    }],
    [8, (ms) => { // truncated event
      const full = bytesOf(eventText(ms));
      const cut = full.subarray(0, 1 + int(full.length - 2));
      // Cut inside a multi-byte character, the bytes are not UTF-8 before they are not JSON.
      return built(cut, isUtf8(cut) ? ['invalid_json'] : ['invalid_utf8']);
    }],
    [7, (ms) => { // invalid UTF-8 bytes inside a string of an otherwise valid event
      const text = eventText(ms, { style: 'plain' });
      const at = text.indexOf('"', text.indexOf(':') + 1) + 1 + int(3);
      const bytes = Buffer.concat([bytesOf(text.slice(0, at)), Buffer.from(pick(INVALID_UTF8)), bytesOf(text.slice(at))]);
      return built(bytes, ['invalid_utf8']);
    }],
    [0.1, () => { // deep nesting
      const kind = int(4);
      if (kind === 0) return built('['.repeat(100_000), ['too_large']);
      if (kind === 1) return built('['.repeat(60_000), ['invalid_json']);
      if (kind === 2) return built('['.repeat(30_000) + ']'.repeat(30_000), ['not_an_object']);
      return built('{"a":'.repeat(10_000) + '{}' + '}'.repeat(9_999), ['invalid_json']);
    }],
    [0.1, (ms) => { // over 64 KiB: just over, or far over
      const base = eventText(ms, { extra: [['pad', '""']] });
      const size = random() < 0.5 ? MAX_MESSAGE_BYTES + 1 : MAX_MESSAGE_BYTES + 1 + int(40_000);
      return built(base.replace('"pad":""', `"pad":"${'p'.repeat(size - Buffer.byteLength(base))}"`), ['too_large']);
    }],
    [6, (ms) => { // one field over 1024 bytes of UTF-8, spelled in several ways
      const path = pick(['client_id', 'topic', 'page']);
      const long = pick(['x'.repeat(MAX_FIELD_BYTES + 1), 'é'.repeat(513), '€'.repeat(342), '\u{1F600}'.repeat(257), 'x'.repeat(1023) + 'é']);
      return built(withField(ms, path, quote(long, pick(QUOTE_STYLES))), ['field_too_long']);
    }],
    [10, (ms) => { // a wrong type in one field
      const path = pick(FIELD_PATHS);
      const value = path === 'url' ? pick(['"Action/Die Hard"', '0', 'null', 'true', '[]', '[{"topic":"a","page":"b"}]']) : pick(NOT_STRINGS);
      return built(withField(ms, path, value), ['wrong_type']);
    }],
    [6, (ms) => { // one field missing
      const path = pick(FIELD_PATHS);
      return built(withField(ms, path, undefined), ['missing_field']);
    }],
    [5, (ms) => { // an empty string
      const path = pick(['client_id', 'topic', 'page', 'timestamp']);
      return built(withField(ms, path, '""'), path === 'timestamp' ? ['bad_timestamp', 'empty_field'] : ['empty_field']);
    }],
    [5, (ms) => { // a lone surrogate, escaped (the only way valid UTF-8 JSON can carry one)
      const path = pick(['client_id', 'topic', 'page', 'timestamp']);
      const value = pick(['"\\ud800"', '"a\\udfff"', '"\\udc00\\ud800"', '"\\uD83D"', '"x\\ud83d\\u0041"']);
      return built(withField(ms, path, value), path === 'timestamp' ? ['bad_timestamp'] : ['invalid_utf8']);
    }],
    [8, (ms) => built(withField(ms, 'timestamp', quote(pick(BAD_TIMESTAMPS), pick(QUOTE_STYLES))), ['bad_timestamp'])],
    [4, () => built(pick(NOT_OBJECTS), ['not_an_object'])],
    [6, () => built(pick(NOT_JSON), ['invalid_json'])],
    [1, () => { // blank lines / empty values: not messages in a file, rejected as not JSON from Kafka
      if (transport === 'kafka' && random() < 0.3) return { bytes: null, expect: ['invalid_json'], strict: true };
      return built(pick(['', '\r']), transport === 'file' ? 'skipped' : ['invalid_json']);
    }],
  ];
  const totalWeight = classes.reduce((sum, [weight]) => sum + weight, 0);

  return function next(ms) {
    let r = random() * totalWeight;
    for (const [weight, build] of classes) {
      if ((r -= weight) < 0) return build(ms);
    }
    return classes[0][1](ms);
  };
}

/**
 * `count` messages for `transport` ('file': no message holds a newline, and blank lines are skipped,
 * not rejected; 'kafka': a message may be null or empty, or hold newlines). Each is
 * { bytes (Buffer, or null for a Kafka message without value), valid, reasons, strict, event, skipped }.
 */
function hostileMessages({ count, seed = 1, transport }) {
  const random = rng(seed);
  const next = createBuilder(random, transport);
  const messages = [];
  for (let i = 0; i < count; i++) {
    const ms = BASE + i * STEP_MS + Math.floor(random() * STEP_MS);
    const { bytes, expect, strict, ts } = next(ms);
    if (expect === 'skipped') {
      messages.push({ bytes, valid: false, skipped: true, reasons: [], strict: true, event: null });
      continue;
    }
    const verdict = judge(bytes);
    if (expect === 'valid' && !(verdict.valid && verdict.event.ts === ts)) {
      throw new Error(`generator bug: a message built valid at ${ts} is judged ${JSON.stringify(verdict)}: ${String(bytes).slice(0, 300)}`);
    }
    if (Array.isArray(expect) && (verdict.valid || verdict.reasons.join() !== [...expect].sort().join())) {
      throw new Error(`generator bug: built ${expect}, judged ${JSON.stringify(verdict.reasons)}: ${String(bytes).slice(0, 300)}`);
    }
    messages.push({ bytes, valid: verdict.valid, skipped: false, reasons: verdict.reasons ?? [], strict, event: verdict.event ?? null });
  }
  return messages;
}

module.exports = { hostileMessages, judge, timestampMs, MAX_MESSAGE_BYTES, MAX_FIELD_BYTES };
