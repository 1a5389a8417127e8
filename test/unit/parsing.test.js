'use strict';
const { test } = require('uvu');
const assert = require('uvu/assert');
const { parseEvent, createParsedEvent } = require('../../dist/parsing/event');
const { REJECT_REASONS } = require('../../dist/parsing/reasons');

const CLIENT = '4149719179064208';
const TIME = '2017-01-25T14:03:32';
const TIME_MS = Date.UTC(2017, 0, 25, 14, 3, 32);
const seenReasons = new Set();

function event(overrides = {}, url = {}) {
  return { client_id: CLIENT, timestamp: TIME, url: { topic: 'Action', page: 'Die Hard', ...url }, ...overrides };
}

/** Parses text (encoded as UTF-8), an object (JSON-encoded) or raw bytes into a fresh result. */
function parse(input) {
  const bytes =
    input instanceof Uint8Array ? input : Buffer.from(typeof input === 'string' ? input : JSON.stringify(input));
  const out = createParsedEvent();
  const reason = parseEvent(bytes, out);
  if (reason !== null) seenReasons.add(reason);
  return { reason, ...out };
}

function assertRejected(input, reason, detail) {
  const result = parse(input);
  assert.is(result.reason, reason, `${result.reason} (${result.detail}) for ${String(input).slice(0, 80)}`);
  assert.ok(result.detail.length > 0, 'a rejection carries a detail');
  if (detail !== undefined) assert.is(result.detail, detail);
}

function assertAccepted(input, expected) {
  const result = parse(input);
  assert.is(result.reason, null, result.detail);
  assert.equal(result, { reason: null, detail: '', ...expected });
}

/** Raw bytes of `{"client_id":"<before><bytes><after>",...}` for byte-level corruption. */
function withClientIdBytes(bytes) {
  const [head, tail] = JSON.stringify(event({ client_id: '@' })).split('@');
  return Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]);
}

test('a valid event fills every field', () => {
  assertAccepted(
    `{"client_id": "${CLIENT}", "timestamp": "${TIME}", "url": {"topic": "Action", "page": "Die Hard"}}`,
    { clientId: CLIENT, topic: 'Action', page: 'Die Hard', timestamp: TIME_MS },
  );
});

test('plain Uint8Arrays and views into larger buffers are read', () => {
  const bytes = Buffer.from(JSON.stringify(event()));
  const expected = { clientId: CLIENT, topic: 'Action', page: 'Die Hard', timestamp: TIME_MS };
  assertAccepted(new Uint8Array(bytes), expected);
  const padded = Buffer.concat([Buffer.from('junk'), bytes, Buffer.from('\xff\xff', 'latin1')]);
  assertAccepted(new Uint8Array(padded.buffer, padded.byteOffset + 4, bytes.length), expected);
  assertAccepted(padded.subarray(4, 4 + bytes.length), expected);
});

test('the out object is reused: a rejection after a success, then a success again', () => {
  const out = createParsedEvent();
  assert.is(parseEvent(Buffer.from(JSON.stringify(event({ client_id: 'a' }))), out), null);
  assert.is(out.clientId, 'a');
  assert.is(parseEvent(Buffer.from('{"client_id": 7}'), out), 'wrong_type');
  assert.is(out.detail, 'client_id is a number, not a string');
  assert.is(parseEvent(Buffer.from(JSON.stringify(event({ client_id: 'b' }, { page: 'Up' }))), out), null);
  assert.equal({ ...out }, { clientId: 'b', topic: 'Action', page: 'Up', timestamp: TIME_MS, detail: '' });
});

test('messages over 64 KiB are too_large, 65536 bytes are not', () => {
  const base = Buffer.byteLength(JSON.stringify(event({ pad: '' })));
  const exact = Buffer.from(JSON.stringify(event({ pad: 'x'.repeat(65_536 - base) })));
  assert.is(exact.length, 65_536);
  assertAccepted(exact, { clientId: CLIENT, topic: 'Action', page: 'Die Hard', timestamp: TIME_MS });
  const over = Buffer.from(JSON.stringify(event({ pad: 'x'.repeat(65_537 - base) })));
  assert.is(over.length, 65_537);
  assertRejected(over, 'too_large', 'message is 65537 bytes, over 65536');
  // Size is checked before the bytes are even decoded.
  assertRejected(Buffer.alloc(70_000, 0xff), 'too_large');
});

test('a 65536-byte message of multi-byte characters is measured in bytes', () => {
  const base = Buffer.byteLength(JSON.stringify(event({ pad: '' })));
  const euros = '€'.repeat((65_536 - base - ((65_536 - base) % 3)) / 3);
  const filler = 'x'.repeat((65_536 - base) % 3);
  const exact = Buffer.from(JSON.stringify(event({ pad: euros + filler })));
  assert.is(exact.length, 65_536);
  assert.is(parse(exact).reason, null);
  assertRejected(Buffer.from(JSON.stringify(event({ pad: `${euros + filler}x` }))), 'too_large');
});

test('invalid UTF-8 bytes anywhere are invalid_utf8', () => {
  assertRejected(withClientIdBytes([0x41, 0xff, 0x42]), 'invalid_utf8', 'message is not valid UTF-8');
  assertRejected(withClientIdBytes([0xc0, 0xaf]), 'invalid_utf8'); // overlong '/'
  assertRejected(withClientIdBytes([0xed, 0xa0, 0x80]), 'invalid_utf8'); // encoded surrogate
  assertRejected(withClientIdBytes([0xe2, 0x82]), 'invalid_utf8'); // truncated '€'
  assertRejected(withClientIdBytes([0xf4, 0x90, 0x80, 0x80]), 'invalid_utf8'); // above U+10FFFF
  const inExtraField = Buffer.concat([Buffer.from('{"x": "'), Buffer.from([0x80]), Buffer.from('", "client_id": "a"}')]);
  assertRejected(inExtraField, 'invalid_utf8');
  // A real U+FFFD in the input is valid UTF-8 and kept.
  const replacement = parse(withClientIdBytes([0xef, 0xbf, 0xbd]));
  assert.is(replacement.reason, null);
  assert.is(replacement.clientId, '\ufffd');
});

test('a lone surrogate escape cannot be stored as UTF-8', () => {
  const json = (clientId) => `{"client_id": "${clientId}", "timestamp": "${TIME}", "url": {"topic": "a", "page": "b"}}`;
  assertRejected(json('\\ud800'), 'invalid_utf8', 'client_id contains a lone surrogate');
  assertRejected(json('abc\\udc00'), 'invalid_utf8');
  assertRejected(json('\\ude00\\ud83d'), 'invalid_utf8'); // a pair in the wrong order
  assertRejected(`{"client_id": "a", "timestamp": "${TIME}", "url": {"topic": "a", "page": "x\\udbff"}}`, 'invalid_utf8');
  // An escaped pair is a real character, and an extra field is never stored.
  assert.is(parse(json('\\ud83d\\ude00')).clientId, '😀');
  assert.is(parse(`{"note": "\\ud800", ${json('a').slice(1)}`).reason, null);
});

test('text that is not JSON is invalid_json', () => {
  for (const text of [
    '',
    '   ',
    'hello',
    `{"client_id": "${CLIENT}", "timestamp": "${TIME}"`,
    `{'client_id': '${CLIENT}'}`,
    `{"client_id": "${CLIENT}",}`,
    '{"client_id": NaN}',
    `${JSON.stringify(event())} ${JSON.stringify(event())}`,
    `\ufeff${JSON.stringify(event())}`,
  ]) {
    assertRejected(text, 'invalid_json');
  }
  assert.match(parse('{"a": ').detail, /^not JSON: /);
});

test('JSON that is not an object is not_an_object', () => {
  assertRejected('[]', 'not_an_object', 'message is an array, not an object');
  assertRejected(`[${JSON.stringify(event())}]`, 'not_an_object');
  assertRejected('null', 'not_an_object', 'message is null, not an object');
  assertRejected('4149719179064208', 'not_an_object', 'message is a number, not an object');
  assertRejected('"Die Hard"', 'not_an_object', 'message is a string, not an object');
  assertRejected('true', 'not_an_object');
  assertRejected(`${'['.repeat(30_000)}${']'.repeat(30_000)}`, 'not_an_object');
});

test('each required field can be missing', () => {
  const { client_id: _c, ...noClient } = event();
  assertRejected(noClient, 'missing_field', 'client_id is missing');
  const { timestamp: _t, ...noTimestamp } = event();
  assertRejected(noTimestamp, 'missing_field', 'timestamp is missing');
  const { url: _u, ...noUrl } = event();
  assertRejected(noUrl, 'missing_field', 'url is missing');
  assertRejected(event({ url: { page: 'Die Hard' } }), 'missing_field', 'url.topic is missing');
  assertRejected(event({ url: { topic: 'Action' } }), 'missing_field', 'url.page is missing');
  assertRejected('{}', 'missing_field', 'client_id is missing');
  // A "__proto__" key is an ordinary property: nothing is inherited from it.
  assertRejected(`{"__proto__": {"client_id": "a"}, "timestamp": "${TIME}", "url": {"topic": "a", "page": "b"}}`, 'missing_field');
});

test('wrong types, null included, are wrong_type', () => {
  assertRejected(event({ client_id: 4149719179064208 }), 'wrong_type', 'client_id is a number, not a string');
  assertRejected(event({ client_id: null }), 'wrong_type', 'client_id is null, not a string');
  assertRejected(event({ client_id: [CLIENT] }), 'wrong_type', 'client_id is an array, not a string');
  assertRejected(event({ timestamp: TIME_MS }), 'wrong_type', 'timestamp is a number, not a string');
  assertRejected(event({ timestamp: null }), 'wrong_type');
  assertRejected(event({ url: 'Action/Die Hard' }), 'wrong_type', 'url is a string, not an object');
  assertRejected(event({ url: ['Action', 'Die Hard'] }), 'wrong_type', 'url is an array, not an object');
  assertRejected(event({ url: null }), 'wrong_type', 'url is null, not an object');
  assertRejected(event({}, { topic: true }), 'wrong_type', 'url.topic is a boolean, not a string');
  assertRejected(event({}, { page: { title: 'Die Hard' } }), 'wrong_type', 'url.page is an object, not a string');
  assertRejected(event({}, { page: null }), 'wrong_type', 'url.page is null, not a string');
});

test('empty strings are empty_field', () => {
  assertRejected(event({ client_id: '' }), 'empty_field', 'client_id is empty');
  assertRejected(event({ timestamp: '' }), 'empty_field', 'timestamp is empty');
  assertRejected(event({}, { topic: '' }), 'empty_field', 'url.topic is empty');
  assertRejected(event({}, { page: '' }), 'empty_field', 'url.page is empty');
});

test('1024 bytes of UTF-8 are allowed, 1025 are field_too_long', () => {
  const cases = [
    ['a'.repeat(1024), 'a'.repeat(1025)],
    ['é'.repeat(512), `${'é'.repeat(512)}a`], // 2 bytes each: 512 characters fill the limit
    [`${'€'.repeat(341)}a`, '€'.repeat(342)], // 3 bytes each: 1024 bytes, then 1026
    ['😀'.repeat(256), `${'😀'.repeat(256)}a`], // 4 bytes and 2 UTF-16 units each
  ];
  for (const [fits, tooLong] of cases) {
    assert.is(Buffer.byteLength(fits), 1024);
    assert.ok(Buffer.byteLength(tooLong) > 1024);
    assert.is(parse(event({ client_id: fits })).clientId, fits);
    assert.is(parse(event({}, { topic: fits })).topic, fits);
    assert.is(parse(event({}, { page: fits })).page, fits);
    assertRejected(event({ client_id: tooLong }), 'field_too_long');
    assertRejected(event({}, { topic: tooLong }), 'field_too_long');
    assertRejected(event({}, { page: tooLong }), 'field_too_long');
  }
  assertRejected(event({}, { page: 'é'.repeat(513) }), 'field_too_long', 'url.page is 1026 bytes of UTF-8, over 1024');
});

test('field length counts the bytes an escape stands for, not the escape', () => {
  const json = (page) => `{"client_id": "a", "timestamp": "${TIME}", "url": {"topic": "t", "page": "${page}"}}`;
  assert.is(parse(json('\\u00e9'.repeat(512))).page, 'é'.repeat(512)); // 3072 bytes of JSON, 1024 stored
  assertRejected(json('\\u00e9'.repeat(512) + 'a'), 'field_too_long');
  assert.is(parse(json(`\\"${'a'.repeat(1023)}`)).page, `"${'a'.repeat(1023)}`);
  assertRejected(json(`\\"${'a'.repeat(1024)}`), 'field_too_long');
});

test('bad timestamps are bad_timestamp with a reason', () => {
  assertRejected(event({ timestamp: '2017-02-30T00:00:00' }), 'bad_timestamp', '2017-02-30T00:00:00 is not a calendar date');
  assertRejected(event({ timestamp: '2017-01-25T24:00:00' }), 'bad_timestamp', '2017-01-25T24:00:00 is not a time of day');
  assertRejected(event({ timestamp: '2017-01-25 14:03:32' }), 'bad_timestamp');
  assertRejected(event({ timestamp: '1485353012000' }), 'bad_timestamp');
  assertRejected(event({ timestamp: '2017-01-25T14:03:32\ud800' }), 'bad_timestamp');
  const long = parse(event({ timestamp: `${TIME}${'0'.repeat(5000)}` }));
  assert.is(long.reason, 'bad_timestamp');
  assert.ok(long.detail.length < 200, 'a long timestamp is shortened in the detail');
  assert.is(parse(event({ timestamp: '2017-01-25T14:03:32.123+05:30' })).timestamp, Date.UTC(2017, 0, 25, 8, 33, 32, 123));
});

test('strings are kept exactly as given', () => {
  const names = [
    ' Die Hard ',
    'DIE HARD',
    'Amélie',
    'e\u0301', // combining acute, not folded into é
    '🎬 Film 🍿',
    '👩‍👩‍👧',
    'שלום עולם',
    'مرحبا',
    'a\tb\nc',
    '\u0000',
  ];
  for (const name of names) {
    const result = parse(event({ client_id: name }, { topic: name, page: name }));
    assert.is(result.reason, null, name);
    assert.is(result.clientId, name);
    assert.is(result.topic, name);
    assert.is(result.page, name);
  }
  assert.is.not(parse(event({}, { page: 'e\u0301' })).page, parse(event({}, { page: '\u00e9' })).page);
});

test('an escaped \\u00e9 and a literal é are the same character', () => {
  const escaped = parse(`{"client_id": "a", "timestamp": "${TIME}", "url": {"topic": "t", "page": "Am\\u00e9lie"}}`);
  const literal = parse(`{"client_id": "a", "timestamp": "${TIME}", "url": {"topic": "t", "page": "Amélie"}}`);
  assert.is(escaped.page, 'Am\u00e9lie');
  assert.is(literal.page, 'Am\u00e9lie');
});

test('unknown fields are ignored, at the top and inside url', () => {
  assertAccepted(
    event({ referrer: 'https://example.com', session: { id: 1, tags: [null] }, url: { topic: 'Action', page: 'Up', query: '?q=1' } }),
    { clientId: CLIENT, topic: 'Action', page: 'Up', timestamp: TIME_MS },
  );
});

test('with duplicate keys the last one wins', () => {
  const tail = `"timestamp": "${TIME}", "url": {"topic": "t", "page": "p"}`;
  assert.is(parse(`{"client_id": "first", ${tail}, "client_id": "last"}`).clientId, 'last');
  assert.is(parse(`{"client_id": 1, ${tail}, "client_id": "last"}`).reason, null);
  assertRejected(`{"client_id": "first", ${tail}, "client_id": 1}`, 'wrong_type');
  assert.is(parse(`{"client_id": "a", "timestamp": "${TIME}", "url": {"topic": "t", "page": "p", "page": "q"}}`).page, 'q');
});

test('the earliest check decides when several fail', () => {
  // Invalid UTF-8 beats invalid JSON.
  assertRejected(Buffer.concat([Buffer.from('{"client_id": "'), Buffer.from([0xff])]), 'invalid_utf8');
  // Fields in order client_id, timestamp, url, url.topic, url.page.
  assertRejected({ timestamp: 'soon', url: 7 }, 'missing_field', 'client_id is missing');
  assertRejected(event({ client_id: '', timestamp: 7 }), 'empty_field');
  assertRejected(event({ timestamp: 'soon', url: null }), 'bad_timestamp');
  assertRejected(event({ url: null, page: '' }), 'wrong_type', 'url is null, not an object');
  assertRejected(event({}, { topic: 5, page: '' }), 'wrong_type', 'url.topic is a number, not a string');
  // A lone surrogate makes a field unstorable whatever its length.
  assertRejected(`{"client_id": "${'a'.repeat(2000)}\\ud800"}`, 'invalid_utf8');
});

test('every parsing reason is produced by some test above', () => {
  const expected = REJECT_REASONS.filter((reason) => reason !== 'late');
  assert.equal([...seenReasons].sort(), [...expected].sort());
});

test.run();
