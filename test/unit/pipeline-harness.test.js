'use strict';
// The window rules, checked on the real Pipeline in process (helpers/harness.js): the test feeds the
// source's batches and owns the wall clock, so no process is spawned and nothing waits on real time
// except the wall clock's ticks, which the tests wait for as conditions.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { createHarness, TOPIC } = require('../helpers/harness');
const { makeEvents, toLine, rng } = require('../helpers/events');
const { referenceRows } = require('../helpers/reference');

const SECOND = 1000;
/** An event-time origin on a slide boundary (2017-01-25T14:00Z), and a wall-time one (2024-01-01T00:00Z). */
const T0 = Date.UTC(2017, 0, 25, 14);
const W0 = Date.UTC(2024, 0, 1);
const WINDOW = { windowMs: 10 * SECOND, slideMs: 5 * SECOND };

const event = (client, at, { topic = 'Action', page = 'Heat' } = {}) => ({ client, topic, page, ts: at });

/** Runs `use(driver)` on a fresh harness and always closes it. */
async function withHarness(options, use) {
  const driver = createHarness({ ...WINDOW, ...options });
  try {
    return await use(driver);
  } finally {
    await driver.close();
  }
}

/** Splits `items` into consecutive chunks of the given sizes (the last size repeats). */
function chunked(items, sizes) {
  const chunks = [];
  for (let i = 0, k = 0; i < items.length; k++) {
    const size = sizes[Math.min(k, sizes.length - 1)];
    chunks.push(items.slice(i, i + size));
    i += size;
  }
  return chunks;
}

test('event clock: an event none of whose windows is open is dead-lettered as late and counted nowhere', async () => {
  const events = [
    event('c1', T0 + 1 * SECOND),
    event('c2', T0 + 30 * SECOND), // the watermark (lateness 0) reaches T0+30s: windows ending there or before close
    event('late-client', T0 + 2 * SECOND), // windows ending T0+5s and T0+10s: both closed
    event('c3', T0 + 27 * SECOND), // windows ending T0+30s (closed) and T0+35s (open): counts in the open one only
  ];
  await withHarness({ clock: 'event', graceMs: 0 }, async (driver) => {
    driver.pipe(0, events.map(toLine));
    await driver.endInput();

    assert.equal(driver.deadLetters.map(({ reason, position, raw }) => ({ reason, position, raw })), [
      { reason: 'late', position: { kind: 'kafka', topic: TOPIC, partition: 0, offset: '2' }, raw: toLine(events[2]) },
    ]);
    assert.is(driver.metrics.rejected.get('late'), 1);
    assert.is(driver.metrics.accepted, 3);
    const rows = driver.rows();
    assert.equal(rows.filter((row) => row.client_id === 'late-client'), [], 'the late event counts in no window');
    const events5s = rows.find((row) => row.table === 'windows' && row.window_end === T0 + 5 * SECOND);
    assert.is(events5s.events, 1, 'the window ending T0+5s holds only the event that came in time');
    assert.equal(driver.windowEnds(), [T0 + 5 * SECOND, T0 + 10 * SECOND, T0 + 35 * SECOND, T0 + 40 * SECOND],
      'the window ending T0+30s was closed before c3 came, and nothing else counted in it');
    const at35 = rows.find((row) => row.table === 'windows' && row.window_end === T0 + 35 * SECOND);
    assert.equal([at35.events, at35.window_ts], [2, T0 + 27 * SECOND], 'c3 still counts in its window that was open');

    const expected = referenceRows(events, { ...WINDOW, latenessMs: 0 });
    assert.is(expected.late, 1);
    assert.equal(rows, expected.rows);
  });
});

test('a window with no counted event is not emitted', async () => {
  const events = [event('c1', T0 + 1 * SECOND), event('c2', T0 + 61 * SECOND, { page: 'Up' })];
  await withHarness({ clock: 'event', graceMs: 10 * SECOND }, async (driver) => {
    driver.pipe(0, events.map(toLine));
    await driver.endInput();
    // Windows ending T0+15s .. T0+60s lie between the two events and hold none.
    assert.equal(driver.windowEnds(), [T0 + 5 * SECOND, T0 + 10 * SECOND, T0 + 65 * SECOND, T0 + 70 * SECOND]);
    assert.is(driver.metrics.windowsEmitted, 4);
    assert.is(driver.seen.durableWindows, 4);
    assert.equal(driver.rows(), referenceRows(events, { ...WINDOW, latenessMs: 10 * SECOND }).rows);
  });
});

test('event clock: rows and late events depend neither on --threads nor on how the input is chunked', async () => {
  // Disorder of ±3 s against a lateness of 2 s (an event may miss its earliest window, already closed,
  // and count in the next), and every 50th event a minute back (late: every window of it is closed).
  const events = makeEvents({ count: 3000, seed: 5, stepMs: 20, jitterMs: 3000, lateEvery: 50 });
  const lines = events.map(toLine);
  const expected = referenceRows(events, { ...WINDOW, latenessMs: 2 * SECOND });
  assert.is(expected.late, 60, 'the input has late events');
  const ordered = referenceRows([...events].sort((a, b) => a.ts - b.ts), { ...WINDOW, latenessMs: 2 * SECOND });
  assert.not.equal(expected.rows, ordered.rows, 'the disorder changes what counts where: the test can tell orders apart');
  const random = rng(11);
  const randomSizes = Array.from({ length: 400 }, () => 1 + Math.floor(random() * 40));
  const runs = [
    { threads: 1, sizes: [lines.length], batchMs: 1000 },
    { threads: 2, sizes: [7], batchMs: 1000 },
    { threads: 4, sizes: [1, 250], batchMs: 100 },
    { threads: 3, sizes: randomSizes, batchMs: 500 },
  ];
  for (const { threads, sizes, batchMs } of runs) {
    const what = `--threads ${threads}, chunks ${sizes.slice(0, 3).join(',')}…, --batch ${batchMs}ms`;
    await withHarness({ clock: 'event', graceMs: 2 * SECOND, threads, batchMs }, async (driver) => {
      for (const chunk of chunked(lines, sizes)) driver.pipe(0, chunk);
      await driver.endInput();
      assert.equal(driver.rows(), expected.rows, `${what}: rows equal the reference`);
      const late = driver.deadLetters.filter((letter) => letter.reason === 'late');
      assert.is(late.length, expected.late, `${what}: late events`);
      assert.is(late.length, driver.deadLetters.length, `${what}: nothing else is rejected`);
      assert.equal(late.map((letter) => letter.raw), late.map((letter) => lines[Number(letter.position.offset)]),
        `${what}: each dead letter's position is its message's offset`);
    });
  }
});

test('event clock over partitions: in-order input gives the batch result however partitions interleave', async () => {
  // Disorder within the lateness: nothing is late, so the output is the batch computation over all events.
  const events = makeEvents({ count: 2400, seed: 9, stepMs: 25, jitterMs: 1000 });
  const expected = referenceRows(events, { ...WINDOW, latenessMs: 10 * SECOND });
  assert.is(expected.late, 0);
  // Each client on one partition, as a producer keyed by client does; a partition's events keep their order.
  const byPartition = [[], [], []];
  for (const e of events) byPartition[Number(e.client.slice(-2)) % 3].push(toLine(e));
  assert.ok(byPartition.every((lines) => lines.length > 300), 'every partition has events');
  const interleavings = {
    'one partition after another': (driver) => byPartition.forEach((lines, p) => driver.pipe(p, lines)),
    'round robin, 50 at a time': (driver) => {
      const chunks = byPartition.map((lines) => chunked(lines, [50]));
      for (let k = 0; chunks.some((list) => k < list.length); k++) {
        chunks.forEach((list, p) => k < list.length && driver.pipe(p, list[k]));
      }
    },
  };
  for (const [name, feed] of Object.entries(interleavings)) {
    for (const threads of [1, 3]) {
      await withHarness({ clock: 'event', graceMs: 10 * SECOND, partitions: 3, threads }, async (driver) => {
        feed(driver);
        await driver.endInput();
        assert.equal(driver.deadLetters, [], `${name}, --threads ${threads}: nothing late`);
        assert.equal(driver.rows(), expected.rows, `${name}, --threads ${threads}: rows equal the reference`);
      });
    }
  }
});

test('event clock: a silent partition holds the windows back until it has been caught up and quiet for the idle timeout, however long it has unread input', async () => {
  const IDLE = 5 * SECOND;
  await withHarness({ clock: 'event', graceMs: 0, partitions: 2, idleTimeoutMs: IDLE, batchMs: 100, start: W0 }, async (driver) => {
    const ticks = async (n) => {
      const asked = driver.source.caughtUpAsked;
      await driver.waitFor(`${n} ticks`, () => driver.source.caughtUpAsked >= asked + 2 * n);
    };
    /** Partition 0 delivers one more event at the current wall time; the pipeline takes it. */
    const deliver = async (client, at) => {
      driver.pipe(0, [toLine(event(client, at))]);
      await driver.drained();
    };
    await deliver('c1', T0 + 1 * SECOND);
    await deliver('c2', T0 + 12 * SECOND);
    // A minute in which partition 1 has input the job has not read (a stalled consumer): it does not age.
    driver.source.behind.add(1);
    driver.setWallClock(W0 + 60 * SECOND);
    await deliver('c3', T0 + 13 * SECOND);
    await ticks(3);
    assert.is(driver.seen.closedThrough, -Infinity, 'nothing closed while partition 1 is behind');
    // Caught up from now on: quiet only from the first tick that finds it so.
    driver.source.behind.delete(1);
    await ticks(2);
    driver.setWallClock(W0 + 60 * SECOND + IDLE - 200);
    await deliver('c4', T0 + 14 * SECOND);
    await ticks(3);
    assert.is(driver.seen.closedThrough, -Infinity, 'quiet for less than the idle timeout: still held back');
    driver.setWallClock(W0 + 60 * SECOND + IDLE + 200);
    await deliver('c5', T0 + 15 * SECOND);
    await driver.waitFor('the windows partition 0 passed to close', () => driver.seen.durableThrough === T0 + 15 * SECOND);
    assert.equal(driver.windowEnds(), [T0 + 5 * SECOND, T0 + 10 * SECOND, T0 + 15 * SECOND]);
    assert.is(driver.pipeline.status().watermark, T0 + 15 * SECOND, 'partition 1 is idle: the watermark is partition 0\'s');
    // Partition 1 delivers again: its event behind the watermark is late, and it holds the watermark back again.
    driver.pipe(1, [toLine(event('p1-late', T0 + 2 * SECOND)), toLine(event('p1', T0 + 16 * SECOND))]);
    await driver.drained();
    await deliver('c6', T0 + 30 * SECOND);
    await ticks(2);
    assert.is(driver.pipeline.status().watermark, T0 + 16 * SECOND, 'the minimum over the two partitions again');
    assert.equal(driver.deadLetters.map((letter) => [letter.reason, letter.position.partition]), [['late', 1]]);
  });
});

test('event clock, stopped: only windows the watermark passed are written, and only their batches released', async () => {
  const first = [1, 2, 3, 4].map((s) => event(`c${s}`, T0 + s * SECOND)); // last window ends T0+10s
  const second = [20, 25, 30].map((s) => event(`d${s}`, T0 + s * SECOND)); // last window ends T0+40s
  const feed = (driver) => {
    driver.pipe(0, first.map(toLine));
    driver.pipe(0, second.map(toLine));
  };
  const all = referenceRows([...first, ...second], { ...WINDOW, latenessMs: 0 }).rows;

  await withHarness({ clock: 'event', graceMs: 0 }, async (driver) => {
    feed(driver);
    await driver.drained();
    await driver.stop();
    // The watermark is T0+30s: windows ending after it are still open and would be partial.
    assert.equal(driver.windowEnds(), [T0 + 5 * SECOND, T0 + 10 * SECOND, T0 + 25 * SECOND, T0 + 30 * SECOND]);
    assert.equal(driver.rows(), all.filter((row) => row.window_end <= T0 + 30 * SECOND));
    assert.equal(driver.released, [{ partition: 0, offset: 4 }], 'the second batch counts in unwritten windows: not released');
    assert.ok(driver.source.closed, 'the source was closed');
  });

  await withHarness({ clock: 'event', graceMs: 0 }, async (driver) => {
    feed(driver);
    await driver.endInput();
    assert.equal(driver.rows(), all, 'at the end of a bounded input every open window is written');
    assert.equal(driver.released, [{ partition: 0, offset: 4 }, { partition: 0, offset: 7 }]);
  });
});

test('wall clock: events go to windows by their arrival time, not their timestamps; the end of input writes every window', async () => {
  // Own timestamps hours apart and out of order: they decide only window_ts.
  const batches = [
    { at: W0 + 1 * SECOND, events: [event('c1', T0 + 3_600_000), event('c2', T0), event('c1', T0 + 7_200_000, { page: 'Up' })] },
    { at: W0 + 7 * SECOND, events: [event('c3', T0 - 3_600_000), event('c1', T0 + 60_000)] },
    { at: W0 + 12 * SECOND, events: [event('c2', T0 + 5), event('c2', T0 + 6)] },
  ];
  await withHarness({ clock: 'wall', batchMs: 100, start: W0 }, async (driver) => {
    for (const { at, events } of batches) driver.pipe(0, events.map(toLine), { at });
    await driver.drained();
    assert.is(driver.now(), W0 + 12 * SECOND, 'the pipeline saw the last batch arrive when it was piped');
    await driver.endInput();

    const arrivals = batches.flatMap(({ at, events }) => events.map((e) => ({ ...e, arrival: at })));
    const expected = referenceRows(arrivals, { ...WINDOW, latenessMs: 0, timeOf: (e) => e.arrival });
    assert.equal(driver.rows(), expected.rows);
    // Windows ending W0+15s and W0+20s were still ahead of the wall clock when the input ended.
    assert.equal(driver.windowEnds(), [W0 + 5 * SECOND, W0 + 10 * SECOND, W0 + 15 * SECOND, W0 + 20 * SECOND]);
    const first = driver.rows().find((row) => row.table === 'windows' && row.window_end === W0 + 5 * SECOND);
    assert.equal([first.events, first.window_ts], [3, T0], 'window_ts is the smallest own timestamp of the window');
    assert.equal(driver.deadLetters, [], 'the wall clock has no late events');
  });
});

test('wall clock: a window is written once the wall clock passes its end, with no more input; a stop writes no open window', async () => {
  await withHarness({ clock: 'wall', batchMs: 100, start: W0 + 1 * SECOND }, async (driver) => {
    driver.pipe(0, [toLine(event('c1', T0)), toLine(event('c2', T0 + 1))]);
    await driver.drained();
    assert.is(driver.seen.closedThrough, W0, 'at W0+1s the clock has passed no window of the events');
    assert.is(driver.seen.durableWindows, 0);

    driver.setWallClock(W0 + 5 * SECOND);
    await driver.waitFor('the window ending W0+5s written', () => driver.seen.durableThrough >= W0 + 5 * SECOND, { timeoutMs: 10_000 });
    assert.equal(driver.windowEnds(), [W0 + 5 * SECOND], 'the window ending W0+10s is still open');

    driver.setWallClock(W0 + 12 * SECOND);
    await driver.waitFor('the window ending W0+10s written', () => driver.seen.durableThrough >= W0 + 10 * SECOND, { timeoutMs: 10_000 });
    assert.equal(driver.windowEnds(), [W0 + 5 * SECOND, W0 + 10 * SECOND]);

    driver.pipe(0, [toLine(event('c3', T0 + 2))]); // arrives at W0+12s: windows ending W0+15s and W0+20s
    await driver.drained();
    await driver.stop();
    assert.equal(driver.windowEnds(), [W0 + 5 * SECOND, W0 + 10 * SECOND], 'a stop writes only windows the clock passed');
    assert.is(driver.metrics.accepted, 3);
    assert.equal(driver.rows().filter((row) => row.client_id === 'c3'), []);
    assert.equal(driver.released, [{ partition: 0, offset: 2 }], 'the last batch counts in unwritten windows: not released');
  });
});

test.run();
