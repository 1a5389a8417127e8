'use strict';
const { test } = require('uvu');
const assert = require('uvu/assert');
const { createGenerator } = require('../../dist/sources/synthetic/generator');
const { createSyntheticSource } = require('../../dist/sources/synthetic/synthetic-source');
const { batchesOf } = require('../helpers/source-batches');

// The generator's event time starts at 2017-01-25T14:00:00Z and advances 250 ms (dev) or 2 ms
// (production) per event, each timestamp at most 3 s off its ideal second.
const START_MS = Date.UTC(2017, 0, 25, 14, 0, 0);
const INTERVAL_MS = { dev: 250, production: 2 };
const JITTER_S = 3;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

function generate(profile, seed, count, step = 4096) {
  const generator = createGenerator(profile, seed);
  const messages = [];
  while (messages.length < count) messages.push(...generator.next(Math.min(step, count - messages.length)));
  return messages;
}

async function drain(source) {
  const batches = [];
  for await (const batch of batchesOf(source)) batches.push(batch);
  return batches;
}

/** Fails instead of hanging if `promise` never settles. */
function settlesWithin(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function countBy(items, keyOf) {
  const counts = new Map();
  for (const item of items) {
    const key = keyOf(item);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

test('same seed, same bytes, whatever the batch sizes', () => {
  for (const profile of ['dev', 'production']) {
    const whole = Buffer.concat(generate(profile, 42, 20_000, 4096));
    const generator = createGenerator(profile, 42);
    const pieces = [];
    for (let size = 1, total = 0; total < 20_000; size = (size * 7 + 3) % 5000 || 1) {
      const count = Math.min(size, 20_000 - total);
      pieces.push(...generator.next(count));
      total += count;
    }
    assert.ok(Buffer.concat(pieces).equals(whole), profile);
    assert.is(generator.generated, 20_000);
  }
});

test('different seeds give different events', () => {
  const one = generate('production', 1, 1000).map(String);
  const two = generate('production', 2, 1000).map(String);
  const same = one.filter((message, i) => message === two[i]).length;
  assert.ok(same < 10, `${same} of 1000 events equal`);
});

test('every message is one event: {client_id, timestamp, url: {topic, page}}, all non-empty strings', () => {
  for (const profile of ['dev', 'production']) {
    for (const message of generate(profile, 3, 50_000)) {
      const event = JSON.parse(message.toString());
      assert.equal(Object.keys(event), ['client_id', 'timestamp', 'url']);
      assert.equal(Object.keys(event.url), ['topic', 'page']);
      for (const field of [event.client_id, event.timestamp, event.url.topic, event.url.page]) {
        assert.type(field, 'string');
        assert.ok(field.length > 0);
      }
      assert.match(event.client_id, /^[1-9][0-9]{15}$/);
      assert.match(event.timestamp, TIMESTAMP);
      // Compact JSON, keys in the order client_id, timestamp, url (topic, page), byte for byte as JSON.stringify writes it.
      assert.ok(Buffer.from(JSON.stringify(event)).equals(message), message.toString());
    }
  }
});

test('names include non-ASCII text, intact as UTF-8', () => {
  for (const profile of ['dev', 'production']) {
    const texts = generate(profile, 5, 20_000).map(String);
    const pages = new Set(texts.map((text) => JSON.parse(text).url.page));
    assert.ok([...pages].some((page) => /[^\x00-\x7f]/.test(page)), profile);
    assert.not.ok(texts.some((text) => text.includes('\uFFFD')), 'no replacement characters');
  }
  const devPages = new Set(generate('dev', 5, 5000).map((message) => JSON.parse(message).url.page));
  assert.ok(devPages.has('Amélie'));
});

test('timestamps follow the nominal schedule within the jitter, with some disorder', () => {
  for (const profile of ['dev', 'production']) {
    const events = generate(profile, 11, 200_000).map((message) => JSON.parse(message));
    let disordered = 0;
    events.forEach((event, i) => {
      const seconds = Date.parse(`${event.timestamp}Z`) / 1000;
      const ideal = Math.floor((START_MS + i * INTERVAL_MS[profile]) / 1000);
      assert.ok(Math.abs(seconds - ideal) <= JITTER_S, `${profile} event ${i}: ${event.timestamp}`);
      if (i > 0 && event.timestamp < events[i - 1].timestamp) disordered++;
    });
    assert.ok(disordered > 0, `${profile} has out-of-order events`);
  }
});

test('dev: a small pool where clients revisit pages within a window', () => {
  // One 2-minute window of dev-stream event time.
  const events = generate('dev', 1, (120 * 1000) / INTERVAL_MS.dev).map((message) => JSON.parse(message));
  const clients = countBy(events, (event) => event.client_id);
  const pages = countBy(events, (event) => `${event.url.topic}/${event.url.page}`);
  assert.ok(clients.size >= 10 && clients.size <= 30, `${clients.size} clients`);
  assert.ok(pages.size <= 40, `${pages.size} pages`);
  assert.ok(new Set(events.map((event) => event.url.topic)).size <= 5);
  const visits = countBy(events, (event) => `${event.client_id}|${event.url.topic}/${event.url.page}`);
  const repeaters = new Set([...visits].filter(([, n]) => n > 1).map(([key]) => key.split('|')[0]));
  assert.ok(repeaters.size >= clients.size * 0.8, `${repeaters.size} of ${clients.size} clients revisit a page`);
});

test('production: ~100,000 clients, ~10 topics, skewed page and client popularity', () => {
  const production = generate('production', 7, 1_000_000).map((message) => JSON.parse(message));
  const clients = countBy(production, (event) => event.client_id);
  const pages = countBy(production, (event) => `${event.url.topic}/${event.url.page}`);
  const topics = new Set(production.map((event) => event.url.topic));
  assert.ok(clients.size >= 90_000 && clients.size <= 110_000, `${clients.size} clients`);
  assert.ok(topics.size >= 8 && topics.size <= 12, `${topics.size} topics`);
  assert.ok(pages.size >= 5000, `${pages.size} pages`);
  const pageCounts = [...pages.values()];
  const clientCounts = [...clients.values()];
  assert.ok(Math.max(...pageCounts) > 50 * median(pageCounts), 'page popularity is skewed');
  assert.ok(Math.max(...clientCounts) > 10 * median(clientCounts), 'client activity is skewed');
});

test('a bounded source delivers exactly `events`, in batches, with global positions', async () => {
  const source = createSyntheticSource({ profile: 'production', seed: 9, rate: 'max', events: 10_000 });
  assert.is(source.partitionCount(), 1);
  const batches = await drain(source);
  let index = 0;
  for (const batch of batches) {
    assert.is(batch.partition, 0);
    assert.ok(batch.messages.length > 0 && batch.messages.length <= 4096);
    assert.equal(batch.position(0), { kind: 'synthetic', index });
    index += batch.messages.length;
    assert.equal(batch.position(batch.messages.length - 1), { kind: 'synthetic', index: index - 1 });
  }
  assert.is(index, 10_000);
  const bytes = Buffer.concat(batches.flatMap((batch) => batch.messages));
  assert.ok(bytes.equals(Buffer.concat(generate('production', 9, 10_000))), 'same events as the generator');
});

test('packed batches (for the generator thread) hold the same bytes as next(), however the calls interleave', () => {
  const { unpack } = require('../../dist/sources/synthetic/slab');
  const generator = createGenerator('production', 42);
  const pieces = [];
  for (const [count, packed] of [[1, true], [4096, false], [5000, true], [0, true], [3, false], [10_903, true]]) {
    if (!packed) pieces.push(...generator.next(count));
    else {
      const batch = generator.nextPacked(count);
      assert.is(batch.ends.length, count);
      assert.ok(batch.memory instanceof ArrayBuffer, 'one transferable buffer');
      pieces.push(...unpack(batch));
    }
  }
  assert.is(generator.generated, 20_003);
  assert.ok(Buffer.concat(pieces).equals(Buffer.concat(generate('production', 42, 20_003))));
});

const generatorPorts = () => process.getActiveResourcesInfo().filter((resource) => resource === 'MessagePort').length;

test('at rate max the generator thread runs while the source is read and ends when the reader stops early', async () => {
  const before = generatorPorts();
  const source = createSyntheticSource({ profile: 'production', seed: 3, rate: 'max' });
  let during = null;
  for await (const batch of batchesOf(source)) {
    assert.ok(batch.messages.length > 0);
    during = generatorPorts();
    break;
  }
  assert.is(during, before + 1, 'a thread generates the events');
  assert.is(generatorPorts(), before, 'the thread is gone once the reader stopped');
});

test('the delivery rate does not change the events', async () => {
  const paced = await drain(createSyntheticSource({ profile: 'dev', seed: 4, rate: 50_000, events: 3000 }));
  const bytes = Buffer.concat(paced.flatMap((batch) => batch.messages));
  assert.ok(bytes.equals(Buffer.concat(generate('dev', 4, 3000))));
});

test('a paced source delivers over several ticks', async () => {
  const batches = await drain(createSyntheticSource({ profile: 'dev', seed: 1, rate: 100, events: 50 }));
  assert.is(batches.reduce((sum, batch) => sum + batch.messages.length, 0), 50);
  assert.ok(batches.length > 1, `${batches.length} batches`);
});

test('stop() ends an endless source after the batch in flight', async () => {
  const source = createSyntheticSource({ profile: 'production', seed: 1, rate: 'max' });
  let batches = 0;
  await settlesWithin(
    (async () => {
      for await (const batch of batchesOf(source)) {
        assert.ok(batch.messages.length > 0);
        if (++batches === 3) source.stop();
      }
    })(),
    10_000,
    'the end of the iteration',
  );
  assert.is(batches, 3);
  source.stop();
});

test('stop() ends a paced source that is waiting for its next tick, without waiting for a timer', async () => {
  const source = createSyntheticSource({ profile: 'dev', seed: 1, rate: 0.001 });
  const iterator = batchesOf(source)[Symbol.asyncIterator]();
  const next = iterator.next();
  await new Promise((resolve) => setImmediate(resolve)); // the source is now asleep
  source.stop();
  // Microtasks run before the next turn of the event loop: only a woken sleep ends this early.
  const first = await Promise.race([next, new Promise((resolve) => setImmediate(() => resolve('a turn of the event loop')))]);
  assert.equal(first, { value: undefined, done: true });
});

test('bad options are refused', () => {
  assert.throws(() => createSyntheticSource({ profile: 'dev', seed: 1, rate: 0 }), /rate/);
  assert.throws(() => createSyntheticSource({ profile: 'dev', seed: 1, rate: 'max', events: -1 }), /events/);
  assert.throws(() => createGenerator('dev', 1.5), /seed/);
  assert.throws(() => createGenerator('dev', 1).next(2.5), /count/);
});

test.run();
