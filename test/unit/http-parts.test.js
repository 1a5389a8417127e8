'use strict';
// The pieces behind the dashboard, alone: the Host check against DNS rebinding, the ring of latest
// items, the latest dead letters, and the history of samples.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { isLoopbackHostHeader } = require('../../dist/http/loopback');
const { Ring } = require('../../dist/http/ring');
const { RecentDeadLetters } = require('../../dist/http/recent-dead-letters');
const { History } = require('../../dist/http/history');
const { EngineMetrics } = require('../../dist/pipeline/metrics');

test('a Host header passes only as a loopback name or address with the server\'s port', () => {
  for (const host of ['127.0.0.1:8080', 'localhost:8080', 'LocalHost:8080', '[::1]:8080', '127.9.9.9:8080']) assert.ok(isLoopbackHostHeader(host, 8080), host);
  assert.ok(isLoopbackHostHeader('localhost', 80), 'a browser leaves out port 80');
  for (const host of [undefined, '', 'localhost', '127.0.0.1:80', 'evil.example:8080', '::1:8080', '[::1]', '[::2]:8080', '127.0.0.1.evil.example:8080', '128.0.0.1:8080', 'localhost:8080:8080']) {
    assert.not.ok(isLoopbackHostHeader(host, 8080), String(host));
  }
});

test('a ring keeps the latest items, oldest first', () => {
  const ring = new Ring(3);
  assert.equal(ring.toArray(), []);
  assert.is(ring.latest(), undefined);
  for (let i = 1; i <= 5; i++) ring.push(i);
  assert.equal(ring.toArray(), [3, 4, 5]);
  assert.is(ring.latest(), 5);
});

/** Dead letters that only count what reaches them. */
function innerDeadLetters() {
  const written = [];
  return { written, write: (...args) => written.push(args), close: async () => undefined };
}

test('the latest dead letters: newest first, five at most, every one passed on', async () => {
  const inner = innerDeadLetters();
  const recent = new RecentDeadLetters(inner);
  for (let line = 1; line <= 7; line++) recent.write('invalid_json', `not JSON ${line}`, { kind: 'line', line }, Buffer.from(`bad ${line}`));
  assert.is(inner.written.length, 7);
  const latest = recent.latest();
  assert.equal(latest.map((letter) => letter.position.line), [7, 6, 5, 4, 3]);
  assert.equal(latest[0], { ...latest[0], reason: 'invalid_json', detail: 'not JSON 7', raw: 'bad 7', rawEncoding: 'utf8', truncated: false });
});

test('a dead letter keeps a bounded head: cut on a whole character, base64 when not UTF-8', () => {
  const recent = new RecentDeadLetters(innerDeadLetters());
  // 239 ASCII bytes, then a 3-byte character across the 240-byte cut.
  recent.write('too_large', 'big', { kind: 'line', line: 1 }, Buffer.from('x'.repeat(239) + '千と'));
  recent.write('invalid_utf8', 'bytes', { kind: 'line', line: 2 }, Buffer.from([0xff, 0xfe, 0x41]));
  const [binary, big] = recent.latest();
  assert.is(big.raw, 'x'.repeat(239));
  assert.is(big.truncated, true);
  assert.equal([binary.raw, binary.rawEncoding, binary.truncated], [Buffer.from([0xff, 0xfe, 0x41]).toString('base64'), 'base64', false]);
});

/** A served job whose numbers the test sets. */
function fakeJob() {
  const metrics = new EngineMetrics();
  const status = { queuedTasks: 2, pendingWrites: 1, closedThrough: 5000, watermark: 7000 };
  return {
    metrics,
    status: () => status,
    shards: () => [{ openWindows: 3, openPanes: 2 }, { openWindows: 4, openPanes: 1 }],
    lag: () => 17,
    hasLag: true,
  };
}

test('history: rates from successive samples, the job\'s open windows and panes, the samples after a time', () => {
  const job = fakeJob();
  const history = new History(job, 3);
  history.take(10_000);
  job.metrics.received = 500;
  job.metrics.reject('late');
  const second = history.take(12_000);
  assert.equal(
    { ...second, rssBytes: 0, cpuPercent: 0 },
    { time: 12_000, eventsPerSecond: 250, rejectsPerSecond: 0.5, kafkaLag: 17, watermark: 7000, closedThrough: 5000, workerTasks: 2, writerCloses: 1, openWindows: 4, openPanes: 3, rssBytes: 0, cpuPercent: 0 },
  );
  assert.ok(second.rssBytes > 0 && second.cpuPercent >= 0);
  history.take(13_000);
  history.take(14_000);
  const columns = history.since(0);
  assert.equal(columns.time, [12_000, 13_000, 14_000], 'three kept');
  assert.equal(history.since(12_000).time, [13_000, 14_000]);
  assert.equal(columns.eventsPerSecond, [250, 0, 0]);
});

test.run();
