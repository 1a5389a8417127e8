'use strict';
// Kafka's murmur2 and default partitioner: the job's partition check must agree with every keyed producer.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { Partitioners } = require('kafkajs');
// The hash itself, unreduced, from the file kafkajs's DefaultPartitioner uses: a stricter check than partitions.
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2');
const { murmur2, partitionOfKey } = require('../../dist/hashing/murmur2');

// A seeded generator (mulberry32), so a failure reproduces.
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Code points of 1, 2, 3 and 4 UTF-8 bytes (surrogates left out: they are not characters).
const RANGES = [[0x20, 0x7e], [0x80, 0x7ff], [0x800, 0xd7ff], [0xe000, 0xffff], [0x10000, 0x10ffff]];

function randomKey(next, { ascii }) {
  const length = Math.floor(next() * 41);
  let key = '';
  for (let i = 0; i < length; i++) {
    const [low, high] = ascii ? RANGES[0] : RANGES[Math.floor(next() * RANGES.length)];
    key += String.fromCodePoint(low + Math.floor(next() * (high - low + 1)));
  }
  return key;
}

function randomBytes(next) {
  return Buffer.from(Array.from({ length: Math.floor(next() * 41) }, () => Math.floor(next() * 256)));
}

test("Kafka's own vectors (apache/kafka UtilsTest.testMurmur2)", () => {
  const cases = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [key, hash] of cases) assert.is(murmur2(Buffer.from(key)), hash, key);
});

test('the hash equals kafkajs murmur2 for ASCII, multibyte UTF-8 and raw keys of 0-40 characters or bytes', () => {
  const next = random(13);
  const byteLengths = new Set();
  for (let i = 0; i < 6000; i++) {
    const key = i % 3 === 2 ? randomBytes(next) : randomKey(next, { ascii: i % 3 === 0 });
    const bytes = Buffer.from(key);
    byteLengths.add(bytes.length);
    assert.is(murmur2(bytes), kafkajsMurmur2(key), JSON.stringify(key));
  }
  // Every remainder of the length by 4 came up, and the empty key.
  for (const length of [0, 1, 2, 3, 4, 5, 6, 7]) assert.ok(byteLengths.has(length), `a key of ${length} bytes`);
});

test("the partition equals the one kafkajs's DefaultPartitioner picks, for 1 to 7 partitions", () => {
  const next = random(7);
  const partitioner = Partitioners.DefaultPartitioner();
  for (let count = 1; count <= 7; count++) {
    const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0 }));
    for (let i = 0; i < 3000; i++) {
      const key = i % 3 === 2 ? randomBytes(next) : randomKey(next, { ascii: i % 3 === 0 });
      const expected = partitioner({ topic: 't', partitionMetadata, message: { key } });
      assert.is(partitionOfKey(Buffer.from(key), count), expected, `${JSON.stringify(key)} over ${count}`);
    }
  }
});

test('a plain Uint8Array (not a Buffer) hashes alike', () => {
  const bytes = new TextEncoder().encode('client-\u00e9\u{1f600}-42');
  assert.is(murmur2(bytes), murmur2(Buffer.from(bytes)));
  assert.is(murmur2(bytes), kafkajsMurmur2(Buffer.from(bytes)));
});

test.run();
