'use strict';
// The writer's merge of shards' emissions (writer/merge): a page's distinct visitors are the sum over
// the shards that saw it, one row per (topic, page), each topic's rows together. Shards name pages by
// their own dictionary ids and start their dictionaries over now and then, so the same page has other
// ids in other shards and in other generations; client rows are the independent count (clients never
// repeat across shards, so a page's visitors are its client rows).
const { test } = require('uvu');
const assert = require('uvu/assert');
const { emittedCloses } = require('../helpers/emissions');
const { WindowMerger } = require('../../dist/writer/merge');
const { decodeEmission } = require('../../dist/wire/emission');

const key = (topic, page) => JSON.stringify([topic, page]);

function checkWindow(window, what) {
  const expected = new Map();
  const { topics: visitTopics, pages: visitPages } = window.clientPageVisits;
  for (let r = 0; r < visitTopics.length; r++) {
    const page = key(visitTopics[r], visitPages[r]);
    expected.set(page, (expected.get(page) ?? 0) + 1);
  }
  const { topics, pages, visitors } = window.pageUniqueVisitors;
  const merged = new Map();
  const topicsDone = new Set();
  for (let i = 0; i < topics.length; i++) {
    const page = key(topics[i], pages[i]);
    assert.not.ok(merged.has(page), `${what}: one row for ${page}`);
    merged.set(page, visitors[i]);
    if (i > 0 && topics[i] !== topics[i - 1]) topicsDone.add(topics[i - 1]);
    assert.not.ok(topicsDone.has(topics[i]), `${what}: the rows of topic ${JSON.stringify(topics[i])} are together`);
  }
  assert.equal(merged, expected, `${what}: each page's visitors summed over the shards`);
}

test('pages merge across shards and across their dictionaries\' new generations', () => {
  let renewals = 0;
  for (const [seed, shards] of [[1, 2], [2, 3], [3, 4], [4, 1]]) {
    const merger = new WindowMerger();
    const closes = emittedCloses({ seed, shards, closes: 12, windowsPerClose: 2, rowsPerWindow: 300 });
    closes.forEach((parts, close) => {
      // A shard's delta carries its stores when its dictionary began a new generation.
      if (close > 0 && parts.some((part) => decodeEmission(part).dictionary.stores !== null)) renewals++;
      const windows = merger.merge(parts);
      windows.forEach((window, w) => checkWindow(window, `seed ${seed}, ${shards} shards, close ${close}, window ${w}`));
    });
  }
  assert.ok(renewals > 5, `closes after a shard's new generation: ${renewals}`);
});

test('a page seen by several shards in one window is one row with their visitors added', () => {
  const merger = new WindowMerger();
  let shared = 0;
  for (const parts of emittedCloses({ seed: 9, shards: 3, closes: 8, hostile: false, rowsPerWindow: 400 })) {
    for (const window of merger.merge(parts)) {
      checkWindow(window, `close of ${window.windowEnd}`);
      const rows = window.clientPageVisits;
      const shards = new Map();
      for (let r = 0; r < rows.clientIds.length; r++) {
        const page = key(rows.topics[r], rows.pages[r]);
        (shards.get(page) ?? shards.set(page, new Set()).get(page)).add(rows.clientIds[r].split('#s')[1].split('c')[0]);
      }
      shared += [...shards.values()].filter((set) => set.size > 1).length;
    }
  }
  assert.ok(shared > 100, `pages seen by more than one shard in a window: ${shared}`);
});

test.run();
