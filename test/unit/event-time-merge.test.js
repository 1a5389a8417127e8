'use strict';
// The re-keying stage's merge (src/sources/kafka/event-time-merge.ts): what it releases across input
// partitions is each partition's queue prefix (so the committed offset is where a replay resumes),
// every message once however transactions abort, and in event time up to the partitions' own disorder.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { EventTimeMerge } = require('../../dist/repartition/event-time-merge');
const { rng } = require('../helpers/events');

/** Partitions of near-increasing times (disorder up to ±jitter); every `invalidEvery`-th message has none (-Infinity). */
function partitionsOf(random, { partitions, count, jitter, invalidEvery }) {
  return Array.from({ length: partitions }, (_, p) =>
    Array.from({ length: count }, (_, i) => ({
      time: i % invalidEvery === invalidEvery - 1 ? -Infinity : i * 10 + Math.round((random() * 2 - 1) * jitter),
      offset: BigInt(i),
      item: { partition: p, index: i },
    })));
}

test('random batches and aborts: each message released once, as a prefix of its partition, at most the disorder behind', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const random = rng(seed);
    const jitter = 300;
    const data = partitionsOf(random, { partitions: 4, count: 2000, jitter, invalidEvery: 97 });
    const merge = new EventTimeMerge([0, 1, 2, 3].map((partition) => ({ partition, start: 0n, end: 2000n })));
    const fetched = [0, 0, 0, 0];
    const released = data.map(() => []);
    const committed = [0n, 0n, 0n, 0n];
    let newest = -Infinity;
    const release = () => {
      const due = merge.due();
      // An aborted transaction: nothing is taken, the same is due again next time.
      if (random() < 0.2) return;
      for (const { partition, index } of due.items) released[partition].push(index);
      for (const item of due.items) {
        const { time } = data[item.partition][item.index];
        if (time === -Infinity) continue;
        assert.ok(time >= newest - 2 * jitter, `seed ${seed}: ${time} released after ${newest}, more than the disorder behind`);
        newest = Math.max(newest, time);
      }
      for (const { partition, offset } of due.offsets) {
        assert.ok(offset > committed[partition], 'offsets only advance');
        committed[partition] = offset;
        // What is released of a partition is exactly its messages before the committed offset (in event time, not offset order).
        assert.equal([...released[partition]].sort((a, b) => a - b), Array.from({ length: Number(offset) }, (_, i) => i), `seed ${seed}: a prefix of partition ${partition}`);
      }
      merge.take(due);
    };
    while (fetched.some((n, p) => n < data[p].length)) {
      const p = Math.floor(random() * 4);
      if (fetched[p] === data[p].length) continue;
      const size = 1 + Math.floor(random() * 300);
      const batch = data[p].slice(fetched[p], fetched[p] + size);
      fetched[p] += batch.length;
      merge.add(p, batch, BigInt(fetched[p]), fetched[p] === data[p].length);
      release();
    }
    while (released.some((list, p) => list.length < data[p].length)) release();
    assert.equal(committed, [2000n, 2000n, 2000n, 2000n]);
    assert.equal(merge.due().items, [], 'nothing left');
  }
});

test('a partition behind its high watermark holds back later events; one with nothing to read does not', () => {
  const at = (time, offset) => ({ time, offset: BigInt(offset), item: `${time}` });
  // Partition 2's committed offset is at its high watermark.
  const merge = new EventTimeMerge([{ partition: 0, start: 0n, end: 9n }, { partition: 1, start: 0n, end: 9n }, { partition: 2, start: 5n, end: 5n }]);
  merge.add(0, [at(100, 0), at(200, 1), at(300, 2)], 3n, false);
  // Partition 1 has not delivered yet: nothing with a time is due (partition 2 is at its end, it does not count).
  assert.equal(merge.due(), { items: [], offsets: [], taken: new Map() });
  merge.add(1, [at(150, 0), at(250, 1)], 2n, false);
  let due = merge.due();
  assert.equal(due.items, ['100', '150', '200', '250']);
  assert.equal(due.offsets, [{ partition: 0, offset: 2n }, { partition: 1, offset: 2n }]);
  merge.take(due);
  // Partition 1 reaches its high watermark, a control record after its last message: everything goes, past the marker.
  merge.add(1, [], 3n, true);
  due = merge.due();
  assert.equal(due.items, ['300']);
  assert.equal(due.offsets, [{ partition: 0, offset: 3n }, { partition: 1, offset: 3n }]);
  merge.take(due);
  assert.is(merge.queued(0), 0);
  assert.equal(merge.due().offsets, []);
});

test.run();
