'use strict';
const { test } = require('uvu');
const assert = require('uvu/assert');
const { scanEvent, createScannedEvent } = require('../../dist/parsing/scan');
const { parseEvent, createParsedEvent } = require('../../dist/parsing/event');
const { shardOf } = require('../../dist/sharding/shard-of');
const { rng } = require('../helpers/events');

const scanned = createScannedEvent();
const parsed = createParsedEvent();

/** The fast path may only accept what parseEvent accepts, with the same fields, time and shard. */
function assertAgrees(text) {
  const raw = Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1');
  if (!scanEvent(raw, scanned)) return false;
  assert.is(parseEvent(raw, parsed), null, `scan accepted what parse rejects: ${text}`);
  const field = (start, end) => Buffer.from(scanned.bytes.buffer, scanned.bytes.byteOffset).toString('utf8', start, end);
  assert.is(field(scanned.clientStart, scanned.clientEnd), parsed.clientId, text);
  assert.is(field(scanned.topicStart, scanned.topicEnd), parsed.topic, text);
  assert.is(field(scanned.pageStart, scanned.pageEnd), parsed.page, text);
  assert.is(scanned.timestamp, parsed.timestamp, text);
  for (const shards of [1, 2, 3, 7]) assert.is(scanned.clientHash % shards, shardOf(parsed.clientId, shards), text);
  return true;
}

const CANONICAL = '{"client_id":"4149719179064208","timestamp":"2017-01-25T14:03:32","url":{"topic":"Action","page":"Die Hard"}}';

test('the canonical shape and JSON whitespace take the fast path', () => {
  assert.ok(assertAgrees(CANONICAL));
  assert.ok(assertAgrees('{"client_id": "4149719179064208", "timestamp": "2017-01-25T14:03:32",\n "url": {"topic": "Action", "page": "Die Hard"}}\r'));
  assert.ok(assertAgrees('{"client_id":"c","timestamp":"2017-01-25T14:03:32.123456789+05:30","url":{"topic":"T","page":"P"}}'));
  assert.is(scanned.timestamp, Date.UTC(2017, 0, 25, 8, 33, 32, 123));
});

test('consecutive timestamps, before and after 1970, read the same on the fast path as in the parser', () => {
  for (const prefix of ['1969-12-31T23:59', '1969-12-31T23:59', '0001-01-01T00:00', '2017-01-25T14:03', '2017-01-25T14:03']) {
    for (const seconds of ['00', '07', '59', '60', '5x']) {
      assertAgrees(`{"client_id":"c","timestamp":"${prefix}:${seconds}","url":{"topic":"T","page":"P"}}`);
    }
  }
  assert.ok(assertAgrees('{"client_id":"c","timestamp":"1969-12-31T23:59:59","url":{"topic":"T","page":"P"}}'));
  assert.is(scanned.timestamp, -1000);
  assert.not.ok(assertAgrees('{"client_id":"c","timestamp":"1969-12-31T23:59:60","url":{"topic":"T","page":"P"}}'));
});

test('anything unusual is left to the full parser', () => {
  const slow = [
    '{"timestamp":"2017-01-25T14:03:32","client_id":"a","url":{"topic":"T","page":"P"}}', // key order
    '{"client_id":"a","timestamp":"2017-01-25T14:03:32","url":{"topic":"T","page":"P"},"x":1}', // extra field
    '{"client_id":"\\u0061","timestamp":"2017-01-25T14:03:32","url":{"topic":"T","page":"P"}}', // escape
    '{"client_id":"Amélie","timestamp":"2017-01-25T14:03:32","url":{"topic":"T","page":"P"}}', // non-ASCII
    '{"client_id":"","timestamp":"2017-01-25T14:03:32","url":{"topic":"T","page":"P"}}', // empty
    '{"client_id":"a","timestamp":"2017-02-30T14:03:32","url":{"topic":"T","page":"P"}}', // bad date
    '{"client_id":"a","timestamp":"2017-01-25T14:03:32","url":{"topic":"T","page":"P"}}x', // trailing
    '{"client_id":1,"timestamp":"2017-01-25T14:03:32","url":{"topic":"T","page":"P"}}', // number
    `{"client_id":"${'a'.repeat(1025)}","timestamp":"2017-01-25T14:03:32","url":{"topic":"T","page":"P"}}`,
  ];
  for (const text of slow) assert.not.ok(assertAgrees(Buffer.from(text)), text);
  assert.ok(assertAgrees(`{"client_id":"${'a'.repeat(1024)}","timestamp":"2017-01-25T14:03:32","url":{"topic":"T","page":"P"}}`));
});

test('topic and page may be any well-formed UTF-8; malformed bytes leave the fast path', () => {
  const withPage = (bytes) => Buffer.concat([
    Buffer.from('{"client_id":"c","timestamp":"2017-01-25T14:03:32","url":{"topic":"T","page":"'),
    Buffer.from(bytes),
    Buffer.from('"}}'),
  ]);
  for (const page of ['Amélie', 'مرحبا بالعالم', 'e\u0301', '🎬 Film', '\ufffd', '\u{10ffff}']) {
    assert.ok(assertAgrees(withPage(Buffer.from(page))), page);
  }
  const malformed = [[0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x80, 0x80, 0x80],
    [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0x80], [0xc3], [0xe2, 0x82], [0xff]];
  for (const bytes of malformed) {
    assert.not.ok(assertAgrees(withPage(bytes)), bytes.join(' '));
    assert.is(parseEvent(withPage(bytes), parsed), 'invalid_utf8', bytes.join(' '));
  }
  const random = rng(3);
  for (let n = 0; n < 20_000; n++) {
    const bytes = Array.from({ length: 1 + Math.floor(random() * 6) }, () => 0x80 + Math.floor(random() * 0x80));
    assertAgrees(withPage(bytes));
  }
});

test('a message is read within its own bytes, whatever memory it shares and wherever it starts', () => {
  // Messages as views of one slab, as the generator and Kafka hand them over: the bytes after a
  // cut-short message would complete it, and must not be read.
  const slab = Buffer.from(`xyz${CANONICAL}${CANONICAL}`);
  for (let offset = 0; offset < 4; offset++) {
    const whole = slab.subarray(3 + offset, 3 + offset + CANONICAL.length);
    if (offset === 0) assert.ok(assertAgrees(whole));
    for (let length = 0; length < CANONICAL.length; length++) {
      assert.not.ok(scanEvent(slab.subarray(3, 3 + length), scanned), `cut at ${length}`);
    }
    assert.not.ok(scanEvent(slab.subarray(3, 3 + CANONICAL.length - 1), scanned));
  }
});

test('a quote, backslash, control or non-ASCII byte anywhere in a string is seen, at every offset in a word', () => {
  // JSON.stringify escapes the first four, which leaves a backslash in the bytes: the full parser's case.
  const specials = ['"', '\\', '\u0001', '\u001f', 'é', '\u007f'];
  for (let before = 0; before < 9; before++) {
    for (const special of specials) {
      const value = `${'p'.repeat(before)}${special}${'q'.repeat(9 - before)}`;
      const asPage = JSON.stringify({ client_id: 'c', timestamp: '2017-01-25T14:03:32', url: { topic: 'T', page: value } });
      const asClient = JSON.stringify({ client_id: value, timestamp: '2017-01-25T14:03:32', url: { topic: 'T', page: 'P' } });
      // A page may hold any well-formed UTF-8 and DEL; a client_id on the fast path is ASCII only.
      assert.is(assertAgrees(Buffer.from(asPage)), special === 'é' || special === '\u007f', asPage);
      assert.is(assertAgrees(Buffer.from(asClient)), special === '\u007f', asClient);
    }
  }
});

test('random mutations of valid messages never make the fast path disagree with the parser', () => {
  const random = rng(11);
  const alphabet = '{}[]":,\\ \t\nau0123456789-TZ.+é\u0000\u007f\u00ff';
  let accepted = 0;
  for (let n = 0; n < 50_000; n++) {
    const chars = [...CANONICAL];
    for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
      const at = Math.floor(random() * chars.length);
      const c = alphabet[Math.floor(random() * alphabet.length)];
      const kind = random();
      if (kind < 0.4) chars[at] = c;
      else if (kind < 0.7) chars.splice(at, 0, c);
      else chars.splice(at, 1);
    }
    if (assertAgrees(Buffer.from(chars.join('')))) accepted++;
  }
  assert.ok(accepted > 1000, `many mutants are still valid and take the fast path (${accepted})`);
});

test.run();
