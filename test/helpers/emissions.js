'use strict';
// Windows as the writer thread gets them: shards' encoded emissions (wire/emission) merged by the
// WindowMerger, from seeded random names that include hostile strings. For the sinks' tests: their
// columnar paths read these, and the string arrays of the same windows are the reference.
const { encodeEmission } = require('../../dist/wire/emission');
const { WindowMerger } = require('../../dist/writer/merge');
const { ShardDictionary } = require('../../dist/aggregation/dictionary');
const { createCombiner } = require('../../dist/aggregation/pane');
const { PaneUnion } = require('../../dist/aggregation/pane-union');
const { keyHashOf } = require('../../dist/hashing/fnv1a');

/** Names no JSON or SQL text may mangle: quotes, backslashes, every control char, lone surrogates, non-ASCII, U+2028/9. */
const HOSTILE = [
  'plain',
  'with "quotes"',
  'back\\slash\\',
  '\\"',
  'tab\tnew\nline\rreturn',
  Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).join(''),
  '\u007f\u0080\u009f',
  'lone \ud800 high',
  'lone \udc00 low',
  'pair \ud83d\ude00 emoji',
  '\udbff',
  'é ß 中文 Ωmega',
  'line\u2028separator\u2029paragraph',
  '</script>',
  'x'.repeat(1024),
  '"'.repeat(300),
  '\u0000',
  ' leading and trailing ',
];

function random(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** The id of a client_id in a shard's dictionary, interned as a worker interns it (names travel as UTF-8). */
function clientIdOf(dictionary, name) {
  const bytes = Buffer.from(name, 'utf8');
  return dictionary.clientId(bytes, 0, bytes.length, keyHashOf(bytes, 0, bytes.length, 0));
}

function pageIdOf(dictionary, topic, page) {
  const topicBytes = Buffer.from(topic, 'utf8');
  const bytes = Buffer.concat([topicBytes, Buffer.from(page, 'utf8')]);
  return dictionary.pageId(bytes, 0, topicBytes.length, bytes.length, keyHashOf(bytes, 0, bytes.length, topicBytes.length));
}

/**
 * `closes` closes of `shards` shards; each close emits `windowsPerClose` windows (ends a slide apart),
 * each shard window with up to `rowsPerWindow` rows of its own clients. Names: numbered ones mixed with
 * HOSTILE ones (pages repeat across shards, clients never). Each shard keeps a real ShardDictionary and
 * starts it over now and then (the writer's mirror is reset). Returns what each close sends the writer,
 * in order: [[each shard's encoded emission], …].
 */
function emittedCloses({ seed = 1, shards = 2, closes = 6, windowsPerClose = 2, rowsPerWindow = 200, hostile = true } = {}) {
  const next = random(seed);
  const pick = (n) => Math.floor(next() * n);
  const dictionaries = Array.from({ length: shards }, () => new ShardDictionary());
  const topicNames = ['Action', 'Comedy', ...(hostile ? HOSTILE.slice(0, 6) : ['Drama'])];
  const pageNames = ['Die Hard', 'Airplane!', 'Heat', ...(hostile ? HOSTILE : ['Alien', 'Up'])];
  const clientName = (shard) => {
    const base = hostile && next() < 0.2 ? HOSTILE[pick(HOSTILE.length)] : String(4_000_000_000_000_000 + pick(1e9));
    return `${base}#s${shard}c${pick(2000)}`;
  };
  const result = [];
  let end = 1_485_352_920_000;
  for (let close = 0; close < closes; close++) {
    const parts = dictionaries.map((dictionary, shard) => {
      if (close > 0 && next() < 0.15) dictionary.rebuild([], []);
      const windows = [];
      for (let w = 0; w < windowsPerClose; w++) {
        const windowEnd = end + w * 60_000;
        const entries = new Map();
        for (let e = pick(rowsPerWindow + 1); e > 0; e--) {
          const clientId = clientIdOf(dictionary, clientName(shard));
          const pageId = pageIdOf(dictionary, topicNames[pick(topicNames.length)], pageNames[pick(pageNames.length)] + (next() < 0.5 ? '' : ` ${pick(50)}`));
          // One entry per (client, page) in a window, as a shard's combiner keeps them.
          entries.set(`${clientId}/${pageId}`, [clientId, pageId, 1 + pick(next() < 0.05 ? 100_000 : 5)]);
        }
        if (entries.size === 0) continue;
        // A window of one pane, as a worker encodes it.
        const pane = createCombiner();
        for (const [clientId, pageId, visits] of entries.values()) {
          pane.addVisits(pageId, clientId, visits);
          pane.events += visits;
        }
        pane.minEventTime = windowEnd - 120_000 + pick(120_000);
        windows.push(new PaneUnion(windowEnd - 120_000, windowEnd, [pane]));
      }
      return encodeEmission(dictionary.takeDelta(), windows);
    });
    result.push(parts);
    end += windowsPerClose * 60_000;
  }
  return result;
}

/** The windows of emittedCloses(options) as the writer merges them: [[MergedWindow, …], …]. */
function mergedCloses(options = {}) {
  const merger = new WindowMerger();
  return emittedCloses(options).map((parts) => merger.merge(parts));
}

module.exports = { emittedCloses, mergedCloses, HOSTILE, random };
