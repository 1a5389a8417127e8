'use strict';
const { test } = require('uvu');
const assert = require('uvu/assert');
const { createWindowSpec, windowSpecProblem, firstWindowEnd, lastWindowEnd, closedThrough } = require('../../dist/windows/spec');
const { Watermark } = require('../../dist/windows/watermark');
const { batchIntervalProblem } = require('../../dist/pipeline/config');
const { ShardWindows } = require('../../dist/aggregation/shard-windows');
const { ShardBatchBuilder } = require('../../dist/wire/shard-batch');
const { WindowMerger } = require('../../dist/writer/merge');

/** A shard's windows as the writer sees them: decoded, names resolved. */
function closer(windows) {
  const merger = new WindowMerger();
  return (through) => rowsOf(merger.merge([windows.close(through)]));
}

function rowsOf(merged) {
  return merged.map((w) => ({
    windowStart: w.windowStart,
    windowEnd: w.windowEnd,
    minEventTime: w.windowTs,
    events: w.events,
    pages: w.pageUniqueVisitors.pages,
    visitors: w.pageUniqueVisitors.visitors,
    clientIds: w.clientPageVisits.clientIds,
    visits: w.clientPageVisits.visits,
  }));
}

const spec = createWindowSpec(120_000, 60_000);

function batchOf(events, keepsEventTimes = false) {
  const builder = new ShardBatchBuilder(events.length, keepsEventTimes);
  for (const [client, topic, page, time, eventTime] of events) builder.append(client, topic, page, time, eventTime ?? time);
  return builder.take();
}

test('an event counts in every window whose half-open interval holds it', () => {
  assert.is(firstWindowEnd(spec, 0), 60_000);
  assert.is(lastWindowEnd(spec, 0), 120_000);
  assert.is(firstWindowEnd(spec, 59_999), 60_000);
  assert.is(lastWindowEnd(spec, 59_999), 120_000);
  // 60 000 is the end of [0, 60 000): it belongs to the next windows only.
  assert.is(firstWindowEnd(spec, 60_000), 120_000);
  assert.is(lastWindowEnd(spec, 60_000), 180_000);
  assert.is(firstWindowEnd(spec, -1), 0);
});

test('panes tile both window and slide', () => {
  assert.is(createWindowSpec(3000, 2000).paneMs, 1000);
  assert.is(createWindowSpec(120_000, 60_000).paneMs, 60_000);
});

test('window and slide must be multiples of the batch, slide at most the window', () => {
  assert.is(batchIntervalProblem(5000, 120_000, 60_000), null);
  assert.is(windowSpecProblem(120_000, 60_000), null);
  assert.match(batchIntervalProblem(7000, 120_000, 60_000), '--window');
  assert.match(batchIntervalProblem(5000, 120_000, 62_000), '--slide');
  assert.match(windowSpecProblem(60_000, 120_000), 'may not exceed');
  assert.match(batchIntervalProblem(0, 60_000, 60_000), '--batch');
});

test('closedThrough is the last window end the watermark has reached', () => {
  assert.is(closedThrough(spec, 119_999), 60_000);
  assert.is(closedThrough(spec, 120_000), 120_000);
});

test('a shard emits each non-empty window once, with counts, visitors and the smallest timestamp', () => {
  const windows = new ShardWindows(spec);
  const close = closer(windows);
  windows.add(batchOf([
    ['a', 'T', 'p', 10_000],
    ['a', 'T', 'p', 70_000],
    ['b', 'T', 'p', 65_000],
    ['a', 'T', 'q', 130_000],
  ]));
  const first = close(60_000);
  assert.is(first.length, 1);
  assert.is(first[0].windowEnd, 60_000);
  assert.is(first[0].windowStart, -60_000);
  assert.is(first[0].events, 1);
  const second = close(180_000);
  assert.equal(second.map((w) => w.windowEnd), [120_000, 180_000]);
  const w120 = second[0];
  assert.is(w120.events, 3);
  assert.is(w120.minEventTime, 10_000);
  assert.equal(w120.pages, ['p']);
  assert.equal(w120.visitors, [2]);
  const visits = Object.fromEntries(w120.clientIds.map((c, i) => [c, w120.visits[i]]));
  assert.equal(visits, { a: 2, b: 1 });
  const w180 = second[1];
  assert.is(w180.events, 3);
  assert.is(w180.minEventTime, 65_000);
  assert.equal(close(180_000), [], 'closing again emits nothing');
});

test('an empty window is not emitted, and closed panes are dropped', () => {
  const windows = new ShardWindows(spec);
  const close = closer(windows);
  windows.add(batchOf([['a', 'T', 'p', 10_000], ['a', 'T', 'p', 1_000_000]]));
  const emitted = close(600_000);
  assert.equal(emitted.map((w) => w.windowEnd), [60_000, 120_000]);
  assert.is(windows.openPanes(), 1);
  assert.equal(close(Infinity).map((w) => w.windowEnd), [1_020_000, 1_080_000]);
  assert.is(windows.openPanes(), 0);
});

test('open windows: those holding an event and not closed yet, counted again after a new pane or a close', () => {
  const windows = new ShardWindows(spec);
  assert.is(windows.openWindows(), 0);
  windows.add(batchOf([['a', 'T', 'p', 10_000]]));
  assert.is(windows.openWindows(), 2, 'the windows ending at 60 s and 120 s');
  windows.add(batchOf([['a', 'T', 'p', 20_000], ['b', 'T', 'q', 70_000]]));
  assert.is(windows.openWindows(), 3, 'and 180 s; a second event of a pane opens none');
  windows.add(batchOf([['a', 'T', 'p', 1_000_000]]));
  assert.is(windows.openWindows(), 5, 'the windows of the gap between hold nothing and do not count');
  assert.is(windows.openPanes(), 3);
  windows.close(60_000);
  assert.is(windows.openWindows(), 4);
  windows.close(Infinity);
  assert.is(windows.openWindows(), 0);
  assert.is(windows.openPanes(), 0);
});

test('an event added after some of its windows closed counts only in the open ones', () => {
  const windows = new ShardWindows(spec);
  const close = closer(windows);
  windows.add(batchOf([['a', 'T', 'p', 50_000]]));
  assert.equal(close(60_000).map((w) => [w.windowEnd, w.events]), [[60_000, 1]]);
  windows.add(batchOf([['b', 'T', 'p', 59_000]]));
  const rest = close(Infinity);
  assert.equal(rest.map((w) => [w.windowEnd, w.events]), [[120_000, 2]]);
});

test('in wall clock, window_ts is the smallest event timestamp, not the arrival time', () => {
  const windows = new ShardWindows(spec);
  windows.add(batchOf([['a', 'T', 'p', 61_000, 5], ['a', 'T', 'p', 62_000, 3]], true));
  const [w] = closer(windows)(120_000);
  assert.is(w.windowEnd, 120_000);
  assert.is(w.minEventTime, 3);
});

test('the dictionary is rebuilt from the live keys once most of it is dead, and names stay right', () => {
  const tumbling = createWindowSpec(1000, 1000);
  const windows = new ShardWindows(tumbling);
  const close = closer(windows);
  let second = 0;
  // 300k distinct clients over 300 one-second windows: only the last window's keys are live at the end.
  for (let s = 0; s < 300; s++, second++) {
    const events = [];
    for (let c = 0; c < 1000; c++) events.push([`client-${s}-${c}`, 'T', `page-${c % 7}`, second * 1000 + c]);
    windows.add(batchOf(events));
    const [w] = close(second * 1000);
    if (s > 0) {
      assert.is(w.events, 1000);
      assert.ok(w.clientIds.every((id) => id.startsWith(`client-${s - 1}-`)), 'names resolve to the right window\'s clients');
      assert.equal(new Set(w.pages), new Set(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']));
    }
  }
  assert.ok(windows.dictionarySize() < 140_000, `the dictionary is bounded by live keys (${windows.dictionarySize()})`);
});

test('a rebuilt dictionary keeps the names of windows not yet written, until a spent buffer of its pool says they are', () => {
  const tumbling = createWindowSpec(1000, 1000);
  const windows = new ShardWindows(tumbling, 7);
  // A shard of another pool, numbering its closes as far as this one: its spent buffers tell nothing here.
  const other = new ShardWindows(tumbling, 8);
  const merger = new WindowMerger();
  const unwritten = [];
  let spent = null;
  // 50,000 new clients a second: the dictionary passes its rebuild size every other close or so.
  for (let s = 0; s < 16; s++) {
    const events = [];
    for (let c = 0; c < 50_000; c++) events.push([`client-${s}-${c}`, 'T', `page-${c % 5}`, s * 1000 + (c % 1000)]);
    windows.add(batchOf(events));
    // Numbered s, as this shard's emission so far: a number it would take as written, were it of its pool.
    let foreign = null;
    if (s > 0) {
      other.add(batchOf([[`other-${s}`, 'T', 'page', s * 1000]]));
      foreign = other.close(s * 1000).bytes.buffer;
    }
    const part = windows.close(s * 1000, spent ?? foreign);
    spent = null;
    for (const w of merger.merge([part])) unwritten.push({ w, second: s - 1 });
    // The writer catches up every fifth close, after more than one rebuild: it reads what it holds,
    // and hands back a spent buffer.
    if (s % 5 === 4) {
      for (const { w, second } of unwritten) {
        const { clientIds } = w.clientPageVisits;
        assert.is(clientIds.length, 50_000);
        assert.ok(clientIds.every((id) => id.startsWith(`client-${second}-`)), `the window of second ${second} still has its names`);
      }
      unwritten.length = 0;
      spent = part.bytes.buffer;
    }
  }
  assert.ok(windows.dictionarySize() < 140_000, `the dictionary was rebuilt (${windows.dictionarySize()})`);
});

test('combiners of dropped panes and merged windows are reused with none of their old entries', () => {
  const windows = new ShardWindows(spec);
  const close = closer(windows);
  // Minutes of very different sizes and disjoint clients, so a reused table that kept anything would show.
  const sizes = [500, 20, 800, 3, 600, 0, 700, 1];
  const minuteEvents = sizes.map((size, m) =>
    Array.from({ length: size }, (_, k) => [`c${m}-${k}`, 'T', `p${k % 5}`, m * 60_000 + k]));
  sizes.forEach((_, m) => {
    windows.add(batchOf(minuteEvents[m]));
    const emitted = close(m * 60_000);
    const expected = [...(minuteEvents[m - 2] ?? []), ...(minuteEvents[m - 1] ?? [])];
    if (expected.length === 0) return assert.equal(emitted, []);
    assert.is(emitted.length, 1);
    const [w] = emitted;
    assert.is(w.events, expected.length, `window ending at minute ${m}`);
    assert.equal([...w.clientIds].sort(), expected.map(([client]) => client).sort());
    assert.ok(w.visits.every((v) => v === 1));
    const visitors = Object.fromEntries(w.pages.map((page, i) => [page, w.visitors[i]]));
    const expectedVisitors = {};
    for (const [, , page] of expected) expectedVisitors[page] = (expectedVisitors[page] ?? 0) + 1;
    assert.equal(visitors, expectedVisitors);
  });
});

test('a close encodes into a spent buffer when it fits, and nothing of its last use shows', () => {
  const plain = new ShardWindows(spec);
  const recycling = new ShardWindows(spec);
  const [plainMerger, recyclingMerger] = [new WindowMerger(), new WindowMerger()];
  let spare = new ArrayBuffer(64);
  let reused = 0;
  [800, 20, 500, 3, 0, 600, 0, 0].forEach((size, m) => {
    const events = Array.from({ length: size }, (_, k) => [`c${m}-${k % 300}`, 'T', `p${k % 7}`, m * 60_000 + k]);
    if (size > 0) {
      plain.add(batchOf(events));
      recycling.add(batchOf(events));
    }
    const expected = plain.close(m * 60_000);
    const encoded = recycling.close(m * 60_000, spare);
    assert.is(encoded.bytes.byteLength, expected.bytes.byteLength);
    if (spare.byteLength >= expected.bytes.byteLength) {
      assert.is(encoded.bytes.buffer, spare, `minute ${m}: the spare fits`);
      reused++;
    } else assert.ok(encoded.bytes.buffer !== spare && encoded.bytes.buffer.byteLength >= encoded.bytes.byteLength);
    assert.equal(rowsOf(recyclingMerger.merge([encoded])), rowsOf(plainMerger.merge([expected])), `minute ${m}`);
    // What the writer hands back still holds this close's bytes.
    spare = encoded.bytes.buffer;
    new Uint8Array(spare).fill(0xee);
  });
  assert.ok(reused >= 5, `reused ${reused} times`);
});

const caughtUp = () => true;

test('watermark: highest event time minus lateness, never decreasing', () => {
  const watermark = new Watermark(10_000, 30_000);
  watermark.touch(0, 0);
  assert.is(watermark.observe(0, 100_000), 90_000);
  assert.is(watermark.observe(0, 50_000), 90_000);
  assert.is(watermark.observe(0, 100_500), 90_500);
});

test('watermark: the minimum over partitions, until a silent, caught-up one has been quiet for the idle timeout', () => {
  const watermark = new Watermark(0, 30_000);
  watermark.know(2, 0);
  watermark.touch(0, 0);
  assert.is(watermark.observe(0, 500_000), -Infinity, 'partition 1 has no events yet');
  watermark.touch(1, 500);
  assert.is(watermark.observe(1, 200_000), 200_000);
  assert.is(watermark.observe(1, 300_000), 300_000);
  // Partition 0 keeps delivering; partition 1 is silent and caught up. Idleness is judged at ticks.
  let now = 500;
  while (now + 1000 - 500 < 30_000) {
    now += 1000;
    watermark.touch(0, now);
    assert.is(watermark.tick(now, caughtUp), 300_000, `still held back at ${now} ms`);
  }
  assert.not.ok(watermark.isIdle(), 'partition 0 is not idle');
  assert.is(watermark.tick(30_500, caughtUp), 500_000, 'quiet for 30 s of wall time: idle');
  watermark.touch(1, 31_000);
  assert.is(watermark.observe(1, 400_000), 500_000, 'delivering again, it holds nothing back that the watermark passed');
  assert.is(watermark.observe(1, 450_000), 500_000);
  assert.is(watermark.observe(0, 600_000), 500_000, 'it holds the watermark back again from its own events on');
  assert.is(watermark.observe(1, 700_000), 600_000);
});

test('watermark: partitions go idle on ticks alone; when all of them are, nothing moves it (as in Flink)', () => {
  const watermark = new Watermark(1_000, 5_000);
  watermark.know(3, 0);
  watermark.touch(0, 0);
  watermark.observe(0, 100_000);
  watermark.touch(1, 2_000);
  watermark.observe(1, 90_000);
  assert.is(watermark.value, -Infinity, 'partition 2 never delivered');
  assert.is(watermark.tick(4_999, caughtUp), -Infinity);
  assert.is(watermark.tick(5_000, caughtUp), 89_000, 'nothing arrived, yet partitions 0 and 2 are idle: partition 1 alone');
  assert.not.ok(watermark.isIdle());
  watermark.touch(0, 6_000);
  assert.is(watermark.tick(7_000, caughtUp), 99_000, 'partitions 1 and 2 idle: partition 0 alone');
  assert.is(watermark.tick(11_000, caughtUp), 99_000, 'all idle: it stays where it was');
  assert.ok(watermark.isIdle());
  watermark.touch(2, 12_000);
  assert.not.ok(watermark.isIdle(), 'a partition that delivers is not idle');
  assert.not.ok(new Watermark(0, 5_000).isIdle(), 'no partitions: not idle');
});

test('watermark: a partition that is not caught up (a stalled job, a broker away) never ages', () => {
  const watermark = new Watermark(0, 30_000);
  watermark.know(2, 0);
  watermark.touch(0, 0);
  watermark.touch(1, 0);
  watermark.observe(0, 100_000);
  watermark.observe(1, 50_000);
  // Two minutes in which partition 1 has messages the job has not taken (partition 0 keeps delivering).
  const behind = (partition) => partition !== 1;
  for (let now = 1000; now <= 120_000; now += 1000) {
    watermark.touch(0, now);
    assert.is(watermark.tick(now, behind), 50_000, `held back at ${now} ms`);
  }
  assert.is(watermark.observe(0, 200_000), 50_000, 'partition 1 is behind, not idle');
  // Caught up again: quiet from then on, idle only after the whole timeout.
  watermark.touch(0, 149_000);
  assert.is(watermark.tick(149_000, caughtUp), 50_000);
  watermark.touch(0, 150_000);
  assert.is(watermark.tick(150_000, caughtUp), 200_000);
});

test('watermark: each partition\'s own value is its highest event time less the lateness', () => {
  const watermark = new Watermark(10_000, 30_000);
  watermark.know(2, 0);
  watermark.observe(0, 100_000);
  watermark.observe(1, 50_000);
  watermark.observe(0, 80_000);
  assert.is(watermark.partitionValue(0), 90_000);
  assert.is(watermark.partitionValue(1), 40_000);
  assert.is(watermark.value, 40_000, 'the watermark is their minimum');
  assert.is(watermark.partitionValue(2), -Infinity, 'a partition not seen yet');
});

test.run();
