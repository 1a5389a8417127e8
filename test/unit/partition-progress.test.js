'use strict';
// How far each Kafka partition has been read, as the lag gauges see it (no broker needed: offsets only).
const { test } = require('uvu');
const assert = require('uvu/assert');
const { PartitionProgress } = require('../../dist/sources/kafka/partition-progress');

test('lag per partition: the high watermark less the next offset to read, never below 0; the total is their sum', () => {
  const progress = new PartitionProgress('t', [
    { partition: 0, start: 0n, end: 10n },
    { partition: 1, start: 7n, end: 7n },
    { partition: 2, start: 3n, end: 103n },
  ], false);
  assert.equal([0, 1, 2].map((p) => progress.lagOf(p)), [10, 0, 100]);
  assert.is(progress.lag(), 110);
  progress.skipTo(0, 4n);
  progress.skipTo(2, 150n);
  assert.equal([0, 1, 2].map((p) => progress.lagOf(p)), [6, 0, 0], 'read past the end known at the start: nothing behind');
  assert.is(progress.lag(), 6);
});

test.run();
