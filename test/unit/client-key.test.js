'use strict';
// The producer keys each message by the client_id the job's parser keeps, so a client lives in one partition.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { clientKeyOf } = require('../../dist/parsing/client-key');
const { hostileMessages } = require('../helpers/hostile');

const event = (fields) => Buffer.from(JSON.stringify(fields));
const keyOf = (message) => clientKeyOf(message)?.toString('utf8') ?? null;

test('with duplicate client_id keys, the key is the last one, as the parser keeps it', () => {
  const message = Buffer.from('{"client_id":"first","timestamp":"2017-01-25T14:03:32","url":{"topic":"T","page":"P"},"client_id":"last"}');
  assert.is(keyOf(message), 'last');
});

test('a client_id inside url, or spelled with escapes, is not mistaken for the top-level one', () => {
  const nested = Buffer.from('{"url":{"client_id":"inner","topic":"T","page":"P"},"timestamp":"2017-01-25T14:03:32","client_id":"outer"}');
  assert.is(keyOf(nested), 'outer');
  const escaped = Buffer.from('{"client_id":"a\\u0062c","timestamp":"2017-01-25T14:03:32","url":{"topic":"T","page":"P"}}');
  assert.is(keyOf(escaped), 'abc');
  assert.is(keyOf(event({ client_id: 'ü-1', timestamp: '2017-01-25T14:03:32', url: { topic: 'T', page: 'P' } })), 'ü-1');
});

test('a message the job would reject has no key', () => {
  assert.is(keyOf(event({ client_id: 42, timestamp: '2017-01-25T14:03:32', url: { topic: 'T', page: 'P' } })), null);
  assert.is(keyOf(event({ client_id: 'c', timestamp: '2017-02-30T00:00:00', url: { topic: 'T', page: 'P' } })), null);
  assert.is(keyOf(Buffer.from('not json')), null);
});

test('over a hostile corpus, the key is exactly the client_id of every valid event, and absent for the rest', () => {
  for (const message of hostileMessages({ count: 5000, seed: 7, transport: 'kafka' })) {
    if (message.bytes === null || message.skipped) continue;
    assert.is(keyOf(message.bytes), message.valid ? message.event.client : null, String(message.bytes).slice(0, 200));
  }
});

test.run();
