'use strict';
// Shared mode's pure parts: a window's shares by input partition, their summaries and the merge, and
// the per-partition progress rules. The merge is checked against the reference of all events.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { referenceRows, sortRows } = require('../helpers/reference');
const { makeEvents, rng } = require('../helpers/events');
const { partitionOf, windowsOf } = require('../helpers/share-windows');
const { splitByPartition, summaryOf, mergePartials, encodePages, decodePages } = require('../../dist/sinks/cassandra/partials');
const { completeThrough, deliveredThrough, followThrough, holdsWholeWindow, stateAfterClose } = require('../../dist/sinks/partition-states');
const { bucketOf } = require('../../dist/sinks/cassandra/partitions');

const WINDOW = { windowMs: 10_000, slideMs: 5_000, latenessMs: 10_000 };

function shuffle(list, random) {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** The reference's rows of `events`; every test workload is free of late events, for any subset too. */
function reference(events) {
  const { rows, late } = referenceRows(events, WINDOW);
  assert.is(late, 0);
  return rows;
}

test('splitByPartition puts every client row in the partition murmur2 gives its client, and loses none', () => {
  const rows = {
    clientIds: ['4149719179064208', 'ü-client', '4149719179064208', '', 'x'],
    topics: ['Action', 'Comedy', 'Drama ✨', 'Action', 'Action'],
    pages: ['Heat', 'Up', 'Alien', 'Heat', 'مرحبا'],
    visits: Float64Array.from([1, 2, 3, 4, 5]),
  };
  for (const partitionCount of [1, 3, 7]) {
    const shares = splitByPartition(rows, partitionCount);
    const back = [];
    for (const [partition, share] of shares) {
      share.clientIds.forEach((client, i) => {
        assert.is(partitionOf(client, partitionCount), partition, client);
        back.push([client, share.topics[i], share.pages[i], share.visits[i]]);
      });
    }
    const expected = rows.clientIds.map((client, i) => [client, rows.topics[i], rows.pages[i], rows.visits[i]]);
    assert.equal(sortRows(back), sortRows(expected));
  }
});

test('a summary counts a share\'s events, distinct clients per page and buckets, and carries the window\'s window_ts', () => {
  const window = { windowStart: 0, windowEnd: 10_000, windowTs: 1_234, events: 99 };
  const share = { clientIds: ['a', 'b', 'a', 'c'], topics: ['T', 'T', 'T', 'U'], pages: ['p', 'p', 'q', 'p'], visits: [2, 1, 4, 1] };
  const summary = summaryOf(window, 3, share);
  assert.equal(summary, {
    partition: 3,
    windowStart: 0,
    events: 8,
    minTs: 1_234,
    pages: { topics: ['T', 'T', 'U'], pages: ['p', 'q', 'p'], visitors: [2, 1, 1] },
    buckets: [...new Set(['a', 'b', 'c'].map(bucketOf))].sort((x, y) => x - y),
  });
});

test('pages survive their msgpack blob; a blob of another shape is refused', () => {
  const pages = { topics: ['Drama ✨', 'Action'], pages: ['مرحبا', 'Amélie'], visitors: [70_000, 1] };
  assert.equal(decodePages(encodePages(pages)), pages);
  assert.throws(() => decodePages(encodePages({ topics: ['T'], pages: [], visitors: [1] })), /three columns/);
  assert.throws(() => decodePages(encodePages([1, 2])), /three columns/);
});

test('merging is refused without a share', () => {
  assert.throws(() => mergePartials(5_000, []), /no share/);
});

/**
 * Instances of one job over several generations: each deals the partitions over 1 to 3 instances,
 * each instance aggregates the events of its partitions (so its window_ts is its own) and writes the
 * share of each partition it owns past a random delivered point (the first generation from the start,
 * so every share is written). The writes land in random order, some twice, the latest of a
 * (window, partition) staying, as in window_partials. Merged, they must be the reference's rows.
 */
function sharedRun(seed) {
  const random = rng(seed);
  const events = makeEvents({ count: 1200, seed, clients: 50, stepMs: 40 });
  const partitionCount = 1 + Math.floor(random() * 8);
  const partitionsOf = (list) => events.filter((e) => list.includes(partitionOf(e.client, partitionCount)));
  const ends = windowsOf(reference(events)).map((w) => w.windowEnd);
  const writes = [];
  const generations = 1 + Math.floor(random() * 3);
  for (let generation = 0; generation < generations; generation++) {
    const instances = 1 + Math.floor(random() * 3);
    const owned = Array.from({ length: instances }, () => []);
    for (let p = 0; p < partitionCount; p++) owned[Math.floor(random() * instances)].push(p);
    for (const partitions of owned) {
      const delivered = new Map(partitions.map((p) => [p, generation === 0 ? -Infinity : ends[Math.floor(random() * ends.length)]]));
      for (const window of windowsOf(reference(partitionsOf(partitions)))) {
        const shares = splitByPartition(window.clientPageVisits, partitionCount);
        for (const p of partitions) {
          if (!shares.has(p) || window.windowEnd <= delivered.get(p)) continue;
          const write = { windowEnd: window.windowEnd, share: shares.get(p), summary: summaryOf(window, p, shares.get(p)) };
          writes.push(write);
          if (random() < 0.2) writes.push(write);
        }
      }
    }
  }
  return { events, partitionCount, writes: shuffle(writes, random), random };
}

/** What the tables hold after the writes and a merge of each window (its shares read in any order): rows in the reference's shape. */
function mergedRows(writes, random) {
  const partials = new Map(); // window_end -> partition -> summary, as read back from its blob
  const visits = new Map(); // window_end + client row -> visits, upserted
  for (const { windowEnd, share, summary } of writes) {
    if (!partials.has(windowEnd)) partials.set(windowEnd, new Map());
    partials.get(windowEnd).set(summary.partition, { ...summary, pages: decodePages(encodePages(summary.pages)) });
    share.clientIds.forEach((client, i) => {
      visits.set(JSON.stringify([windowEnd, client, share.topics[i], share.pages[i]]), share.visits[i]);
    });
  }
  const merged = new Map([...partials].map(([end, shares]) => [end, mergePartials(end, shuffle([...shares.values()], random))]));
  const rows = [];
  const buckets = new Map();
  for (const [key, count] of visits) {
    const [end, client_id, topic, page] = JSON.parse(key);
    const { windowStart, windowTs } = merged.get(end);
    const time = { window_start: windowStart, window_end: end, window_ts: windowTs };
    rows.push({ table: 'client_page_visits', ...time, client_id, topic, page, visits: count });
    if (!buckets.has(end)) buckets.set(end, new Set());
    buckets.get(end).add(bucketOf(client_id));
  }
  for (const window of merged.values()) {
    const time = { window_start: window.windowStart, window_end: window.windowEnd, window_ts: window.windowTs };
    rows.push({ table: 'windows', ...time, events: window.events });
    const { topics, pages, visitors } = window.pageUniqueVisitors;
    topics.forEach((topic, i) => rows.push({ table: 'page_unique_visitors', ...time, topic, page: pages[i], visitors: visitors[i] }));
    assert.equal(window.buckets, [...buckets.get(window.windowEnd)].sort((a, b) => a - b), 'the buckets holding its client rows');
  }
  return sortRows(rows);
}

test('shares of 1 to 3 instances over generations, written in any order and twice, merge into the reference\'s rows', () => {
  for (let seed = 1; seed <= 30; seed++) {
    const { events, partitionCount, writes, random } = sharedRun(seed);
    const actual = mergedRows(writes, random);
    const expected = reference(events);
    assert.ok(actual.length > 100, `seed ${seed}: a workload of many rows`);
    assert.equal(actual, expected, `seed ${seed}, ${partitionCount} partitions`);
  }
});

const state = (delivered, ended = false) => ({ delivered, ended });

test('completeThrough: the least delivered over all partitions; an ended one holds nothing back, a missing one everything', () => {
  assert.is(completeThrough(new Map([[0, state(10)], [1, state(30)], [2, state(20)]]), 3), 10);
  assert.is(completeThrough(new Map([[0, state(10, true)], [1, state(30)], [2, state(20)]]), 3), 20);
  assert.is(completeThrough(new Map([[0, state(10)], [2, state(20)]]), 3), -Infinity);
  assert.is(completeThrough(new Map([[0, state(-Infinity, true)], [1, state(5, true)]]), 2), Infinity);
  assert.is(completeThrough(new Map([[0, state(10)], [1, state(5)]]), 1), 10, 'partitions beyond the count do not count');
});

test('deliveredThrough: the least delivered over all partitions, ended ones included', () => {
  assert.is(deliveredThrough(new Map([[0, state(10, true)], [1, state(30)]]), 2), 10);
  assert.is(deliveredThrough(new Map([[0, state(10, true)]]), 2), -Infinity);
});

test('holdsWholeWindow: only with every partition owned and none past the window', () => {
  const scope = (owned, delivered = []) => ({ job: 'g/t', partitionCount: 3, owned, delivered: new Map(delivered) });
  assert.ok(holdsWholeWindow(scope([2, 0, 1]), 10));
  assert.ok(holdsWholeWindow(scope([0, 1, 2], [[0, 5], [1, -Infinity]]), 10));
  assert.not.ok(holdsWholeWindow(scope([0, 1, 2], [[1, 10]]), 10), 'partition 1 delivered the window');
  assert.not.ok(holdsWholeWindow(scope([0, 2]), 10));
  assert.not.ok(holdsWholeWindow(scope([0, 1, 1]), 10), 'a partition twice does not make up for one missing');
});

test('stateAfterClose: a close records its bound; the last close (Infinity) ends the partition at its last window; a close that follows keeps it ended', () => {
  assert.equal(stateAfterClose(-Infinity, 20, 15, false), state(20));
  assert.equal(stateAfterClose(30, 20, 15, false), state(20), 'a lower value is written, and loses to the higher by its timestamp');
  assert.equal(stateAfterClose(10, Infinity, 25, false), state(25, true));
  assert.equal(stateAfterClose(30, Infinity, 25, false), state(30, true));
  assert.equal(stateAfterClose(-Infinity, Infinity, -Infinity, false), state(-Infinity, true));
  assert.equal(stateAfterClose(10, 20, 15, true), state(20, true), 'an idle instance following the others');
});

test('followThrough: the least delivered over the partitions of other instances that are not ended', () => {
  const states = new Map([[0, state(40)], [1, state(10, true)], [2, state(30)], [3, state(5)]]);
  assert.is(followThrough(states, [3], 4), 30, 'partition 1 is ended (idle or done): it is not waited for');
  assert.is(followThrough(states, [2, 3], 4), 40);
  assert.is(followThrough(new Map([[0, state(40)]]), [3], 4), -Infinity, 'a partition that recorded nothing holds it at nothing');
  assert.is(followThrough(new Map([[0, state(40, true)], [1, state(10, true)]]), [2], 3), -Infinity, 'partition 2 is unrecorded: nothing to follow');
  assert.is(followThrough(new Map([[0, state(40, true)], [1, state(10, true)]]), [], 2), -Infinity, 'every other one ended: nothing to follow');
  assert.is(followThrough(states, [0, 1, 2, 3], 4), -Infinity, 'it owns them all: nobody to follow');
});

test.run();
