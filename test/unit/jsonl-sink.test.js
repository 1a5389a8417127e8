'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('uvu');
const assert = require('uvu/assert');
const { createJsonlSink } = require('../../dist/sinks/jsonl/jsonl-sink');
const { JsonlFormatter } = require('../../dist/sinks/jsonl/formatter');
const { windowRows, SLIDE } = require('../helpers/window-rows');
const { emittedCloses, mergedCloses, HOSTILE } = require('../helpers/emissions');
const { Writer } = require('../../dist/writer/writer');
const { referenceLines } = require('../helpers/jsonl-reference');
const { WHOLE, jobScope, deliveredThrough, TEST_IDENTITY } = require('../helpers/scopes');

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-jsonl-sink-'));
test.after(() => fs.rmSync(TMP, { recursive: true, force: true }));

const reference = (windows) => Buffer.from(windows.map(referenceLines).join(''), 'utf8');

/** The formatter's bytes for `windows`, flushed after each call as the sink does, with a small buffer to force many flushes. */
function formatted(calls, chunkBytes) {
  const chunks = [];
  const formatter = new JsonlFormatter((bytes) => chunks.push(Buffer.from(bytes)), chunkBytes);
  for (const windows of calls) {
    for (const window of windows) formatter.window(window);
    formatter.flush();
  }
  return Buffer.concat(chunks);
}

function firstDifference(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `${a.length} vs ${b.length} bytes, first difference at ${i}: ${JSON.stringify(a.subarray(Math.max(0, i - 40), i + 40).toString())} vs ${JSON.stringify(b.subarray(Math.max(0, i - 40), i + 40).toString())}`;
}

function assertSameBytes(actual, expected, what) {
  if (!actual.equals(expected)) assert.unreachable(`${what}: ${firstDifference(actual, expected)}`);
}

test('every hostile name comes out as JSON.stringify writes it', () => {
  for (const name of HOSTILE) {
    const window = windowRows({
      end: 10 * SLIDE,
      visits: [[name, name, name, 3]],
      visitors: [[name, name, 1]],
    });
    const bytes = formatted([[window]], 1 << 16);
    assertSameBytes(bytes, reference([window]), JSON.stringify(name));
    const [visit, visitor] = bytes.toString('utf8').split('\n').map((line) => (line ? JSON.parse(line) : null));
    assert.is(visit.client_id, name);
    assert.is(JSON.stringify(visit.page), JSON.stringify(name));
    assert.is(JSON.stringify(visitor.topic), JSON.stringify(name));
  }
});

test('windows merged from shards: the same bytes as the reference, over many seeds, shard counts and buffer sizes', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const shards = 1 + (seed % 3);
    const closes = mergedCloses({ seed, shards, closes: 5, rowsPerWindow: seed % 4 === 0 ? 600 : 120 });
    const expected = reference(closes.flat());
    assert.ok(expected.length > 0);
    for (const chunkBytes of [1 << 20, 4096, 100]) {
      assertSameBytes(formatted(closes, chunkBytes), expected, `seed ${seed}, ${shards} shards, chunk ${chunkBytes}`);
    }
  }
});

test('counts of every size are written as their digits', () => {
  const counts = [0, 1, 9, 10, 99, 100, 12345, 999999999, 1000000000, 4294967295];
  const window = windowRows({
    end: 10 * SLIDE,
    visits: counts.map((n, i) => [`c${i}`, 'T', 'P', n]),
    visitors: counts.map((n, i) => ['T', `P${i}`, n]),
    events: 0,
  });
  assertSameBytes(formatted([[window]], 64), reference([window]), 'counts');
});

test('an empty window is its windows line alone', () => {
  const window = windowRows({ end: 10 * SLIDE, visits: [], visitors: [], events: 0 });
  assert.is(formatted([[window]], 64).toString(), `{"table":"windows","window_start":${9 * SLIDE - SLIDE},"window_end":${10 * SLIDE},"window_ts":${8 * SLIDE + 1000},"events":0}\n`);
});

test('a window whose columns differ in length, or whose count is not a 32-bit count, is refused before any of it is written', () => {
  const chunks = [];
  const formatter = new JsonlFormatter((bytes) => chunks.push(Buffer.from(bytes)));
  const broken = windowRows({ end: 10 * SLIDE, visits: [['c', 'T', 'P', 1]], visitors: [['T', 'P', 1]] });
  broken.clientPageVisits.pages.pop();
  assert.throws(() => formatter.window(broken), /column arrays differ/);
  const fractional = windowRows({ end: 10 * SLIDE, visits: [['c', 'T', 'P', 1.5]], visitors: [['T', 'P', 1]] });
  assert.throws(() => formatter.window(fractional), /not an integer/);
  formatter.flush();
  assert.equal(chunks, []);
});

test('the sink appends each call to the file, and the file is the reference bytes; a Kafka job\'s progress is recorded beside it', async () => {
  const file = path.join(TMP, 'nested', 'out.jsonl');
  const closes = mergedCloses({ seed: 99, shards: 2, closes: 4 });
  let sink = createJsonlSink(file, 'append', TEST_IDENTITY);
  await sink.open();
  for (const windows of closes.slice(0, 2)) await sink.write(windows, WHOLE, Infinity);
  await sink.close();
  sink = createJsonlSink(file, 'append', TEST_IDENTITY);
  await sink.open();
  for (const windows of closes.slice(2)) await sink.write(windows, jobScope('g/t'), 0);
  assert.is(await deliveredThrough(sink, 'g/t'), 0);
  await sink.close();
  assertSameBytes(fs.readFileSync(file), reference(closes.flat()), 'file');
  const progress = JSON.parse(fs.readFileSync(`${file}.progress.json`, 'utf8'));
  assert.is(progress.job, 'g/t');
  assert.is(progress.length, fs.statSync(file).size, 'the recorded length is the file\'s after the last write');
});

test('a resumed file is cut back to the progress recorded when its partitions are read, at the first write: a run that never writes leaves it as it was', async () => {
  const file = path.join(TMP, 'resumed.jsonl');
  const closes = mergedCloses({ seed: 7, shards: 2, closes: 3 });
  const throughOf = (windows) => windows.at(-1).windowEnd;
  // The instance that wrote the file so far goes on writing while another opens it.
  const earlier = createJsonlSink(file, 'append', TEST_IDENTITY);
  await earlier.open();
  await earlier.write(closes[0], jobScope('g/t'), throughOf(closes[0]));
  const later = createJsonlSink(file, 'resume', TEST_IDENTITY);
  await later.open();
  await earlier.write(closes[1], jobScope('g/t'), throughOf(closes[1]));
  await earlier.close();
  // The earlier instance died writing its third close: half a line its progress does not count.
  const inFlight = Buffer.from(referenceLines(closes[2][0]).slice(0, 80), 'utf8');
  fs.appendFileSync(file, inFlight);
  const before = fs.readFileSync(file);

  const idle = createJsonlSink(file, 'resume', TEST_IDENTITY);
  await idle.open();
  assert.is(await deliveredThrough(idle, 'g/t'), throughOf(closes[1]));
  await idle.close();
  assertSameBytes(fs.readFileSync(file), before, 'a run that opened the file and wrote nothing');

  assert.is(await deliveredThrough(later, 'g/t'), throughOf(closes[1]), 'the progress at the assignment, not at the open');
  await later.write(closes[2], jobScope('g/t'), throughOf(closes[2]));
  await later.close();
  assertSameBytes(fs.readFileSync(file), reference(closes.flat()), 'cut back to the second close, then the third');
});

test('closes sent to the writer thread faster than it writes are each acknowledged once, in order, and written in order', async () => {
  const file = path.join(TMP, 'writer', 'out.jsonl');
  const options = { seed: 7, shards: 2, closes: 12, windowsPerClose: 1, rowsPerWindow: 400 };
  const writer = await Writer.start({ kind: 'jsonl', path: file, opening: 'append' }, 'g/t', TEST_IDENTITY);
  await writer.assign([0], 1);
  const acknowledged = [];
  const windowsAcknowledged = [];
  // All at once: while the first is written the rest queue, and go to the sink together.
  await Promise.all(emittedCloses(options).map((parts, seq) => writer.write(seq, 1_485_352_920_000 + seq * 60_000, parts).then((durable) => {
    acknowledged.push(seq);
    windowsAcknowledged.push(durable.report.windows);
  })));
  await writer.close();
  assert.equal(acknowledged, Array.from({ length: 12 }, (_, seq) => seq));
  const closes = mergedCloses(options);
  assert.equal(windowsAcknowledged, closes.map((windows) => windows.length));
  assertSameBytes(fs.readFileSync(file), reference(closes.flat()), 'file');
  assert.is(JSON.parse(fs.readFileSync(`${file}.progress.json`, 'utf8')).partitions[0][1], 1_485_352_920_000 + 11 * 60_000);
});

test.run();
