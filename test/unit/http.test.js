'use strict';
// The job's HTTP endpoints (--http): status codes, content types, /metrics in Prometheus text format,
// the API's 400s, the token rule, and the refusal to bind beyond loopback without a token.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const Database = require('better-sqlite3');
const { runCli } = require('../helpers/cli');
const { waitFor } = require('../helpers/wait');
const { startServedJob, request, stopJob, parsePrometheusText, logLinesOf } = require('../helpers/http');
const { createHarness } = require('../helpers/harness');
const { toLine } = require('../helpers/events');
const { JobHttpServer } = require('../../dist/http/server');
const { servedJobOf } = require('../../dist/http/job');

const dir = mkdtempSync(join(tmpdir(), 'clickstream-http-'));
const db = join(dir, 'clickstream.db');
const TOKEN = 'token-that-must-never-be-printed-7f3a';
const JOB = [
  '--source', 'synthetic:dev', '--rate', '400', '--batch', '1s', '--window', '4s', '--slide', '2s', '--threads', '2',
  '--sink', `sqlite:${db}`, '--dead-letter', join(dir, 'dead.jsonl'),
];

let job;

test.before(async () => {
  job = await startServedJob(JOB);
  // Two windows written, so the API has something to show and the latency histogram has samples.
  await waitFor('two windows written', async () => (await request(job.url, '/api/stats')).json.windowsWritten >= 2, { timeoutMs: 60_000 });
});

test.after(async () => {
  if (job !== undefined) await stopJob(job.run);
  rmSync(dir, { recursive: true, force: true });
});

test('/healthz and /readyz answer 200 with JSON checks while the job runs', async () => {
  for (const path of ['/healthz', '/readyz']) {
    const answer = await request(job.url, path);
    assert.is(answer.status, 200, `${path}: ${answer.text}`);
    assert.is(answer.type, 'application/json; charset=utf-8');
    assert.is(answer.json.status, 'ok');
    assert.ok(Object.values(answer.json.checks).every((ok) => ok === true), answer.text);
  }
  assert.equal(Object.keys((await request(job.url, '/readyz')).json.checks).sort(), ['notStopping', 'pipeline', 'sinkOpen', 'sourceConnected', 'workers', 'writer']);
});

const FAMILIES = {
  clickstream_events_read_total: 'counter',
  clickstream_events_total: 'counter',
  clickstream_events_rejected_total: 'counter',
  clickstream_window_closes_total: 'counter',
  clickstream_windows_written_total: 'counter',
  clickstream_rows_written_total: 'counter',
  clickstream_window_write_latency_seconds: 'histogram',
  clickstream_last_window_end_timestamp_seconds: 'gauge',
  clickstream_closed_through_timestamp_seconds: 'gauge',
  clickstream_worker_queue_tasks: 'gauge',
  clickstream_writer_queue_closes: 'gauge',
  clickstream_worker_threads: 'gauge',
  clickstream_open_windows: 'gauge',
  clickstream_open_panes: 'gauge',
  clickstream_ready: 'gauge',
  clickstream_build_info: 'gauge',
  process_cpu_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  nodejs_heap_size_used_bytes: 'gauge',
  nodejs_eventloop_lag_seconds: 'gauge',
};

test('/metrics is Prometheus text: every line parses, the families are there with their types', async () => {
  const answer = await request(job.url, '/metrics');
  assert.is(answer.status, 200);
  assert.match(answer.type, /^text\/plain; version=0\.0\.4; charset=utf-8$/i);
  const families = parsePrometheusText(answer.text);
  for (const [name, type] of Object.entries(FAMILIES)) {
    assert.ok(families.has(name), `family ${name} is exposed`);
    assert.is(families.get(name).type, type, `${name} is a ${type}`);
    assert.ok(families.get(name).samples.length > 0, `${name} has samples`);
  }
  for (const [name, family] of families) {
    if (!name.startsWith('clickstream_')) continue;
    if (family.type === 'counter') assert.ok(name.endsWith('_total'), `counter ${name} ends in _total`);
    assert.ok(family.help !== null && family.help.length > 0, `${name} has HELP`);
  }
  const value = (family, labels = {}) =>
    families.get(family).samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  const read = value('clickstream_events_read_total');
  assert.ok(read > 0, 'events were read');
  assert.is(
    value('clickstream_events_total', { outcome: 'accepted' }) + value('clickstream_events_total', { outcome: 'rejected' }) + value('clickstream_events_total', { outcome: 'replayed' }),
    read,
    'every event read has one outcome',
  );
  assert.is(value('clickstream_events_rejected_total', { reason: 'invalid_json' }), 0);
  assert.ok(value('clickstream_windows_written_total') >= 2);
  assert.ok(value('clickstream_rows_written_total') > 0);
  const latency = families.get('clickstream_window_write_latency_seconds').samples;
  const count = latency.find((s) => s.name.endsWith('_count')).value;
  assert.ok(count >= 1, 'latencies were observed');
  assert.is(latency.find((s) => s.name.endsWith('_bucket') && s.labels.le === '+Inf').value, count);
  assert.is(value('clickstream_worker_threads'), 2);
  assert.is(value('clickstream_ready'), 1);
  for (const name of ['clickstream_open_windows', 'clickstream_open_panes']) {
    const samples = families.get(name).samples;
    assert.equal(samples.map((s) => s.labels.shard).sort(), ['0', '1'], `${name}: a series per shard`);
    // Sliding windows keep the pane of their overlap past every close, and 20 clients reach both shards.
    assert.ok(samples.every((s) => Number.isInteger(s.value) && s.value > 0), `${name}: ${JSON.stringify(samples)}`);
  }
  assert.not.ok(families.has('clickstream_kafka_lag_messages'), 'no lag from a synthetic source');
  assert.not.ok(families.has('clickstream_kafka_partition_lag_messages'), 'nor per partition');
  assert.not.ok(families.has('clickstream_partition_watermark_timestamp_seconds'), 'no watermark with the wall clock');
});

test('the Prometheus parser refuses what is not the format', () => {
  assert.throws(() => parsePrometheusText('metric{a="1" 3\n'), /not a sample/);
  assert.throws(() => parsePrometheusText('metric twelve\n'), /not a float/);
  assert.throws(() => parsePrometheusText('m 1\n# TYPE m counter\n'), /TYPE after samples/);
  assert.is(parsePrometheusText('# TYPE h histogram\nh_bucket{le="+Inf"} 3\nh_sum 1.5\nh_count 3\n').get('h').samples.length, 3);
});

test('the dashboard and its files are served from this machine with their content types', async () => {
  const page = await request(job.url, '/');
  assert.is(page.status, 200);
  assert.is(page.type, 'text/html; charset=utf-8');
  assert.match(page.headers.get('content-security-policy'), "default-src 'none'");
  const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, path]) => path).filter((path) => path !== 'data:,');
  assert.ok(sources.includes('/assets/uPlot.iife.min.js'), 'the chart library is served by the job');
  for (const path of sources) {
    assert.ok(path.startsWith('/'), `${path} is served by the job itself`);
    const asset = await request(job.url, path);
    assert.is(asset.status, 200, path);
    assert.match(asset.type, path.endsWith('.js') ? 'text/javascript' : 'text/css');
  }
});

test('unknown paths are 404 and other methods 405, as JSON', async () => {
  const missing = await request(job.url, '/nope');
  assert.is(missing.status, 404);
  assert.is(missing.type, 'application/json; charset=utf-8');
  assert.is((await request(job.url, '/api/nope')).status, 404);
  const post = await request(job.url, '/api/recommendations', { method: 'POST' });
  assert.is(post.status, 405);
  assert.is(post.headers.get('allow'), 'GET, HEAD');
});

const BAD_RECOMMENDATIONS = [
  ['topic=Action&n=3', 'client'],
  ['client=&topic=Action&n=3', 'client'],
  ['client=c1&n=3', 'topic'],
  ['client=c1&topic=Action', 'n'],
  ['client=c1&topic=Action&n=0', 'n'],
  ['client=c1&topic=Action&n=1001', 'n'],
  ['client=c1&topic=Action&n=abc', 'n'],
  ['client=c1&topic=Action&n=2.5', 'n'],
  ['client=c1&topic=Action&n=3&n=4', 'n'],
  ['client=c1&topic=Action&n=3&clinet=c2', 'clinet'],
  [`client=${'x'.repeat(1025)}&topic=Action&n=3`, 'client'],
];

test('/api/recommendations: 400 with a JSON error naming the bad parameter and why', async () => {
  for (const [query, parameter] of BAD_RECOMMENDATIONS) {
    const answer = await request(job.url, `/api/recommendations?${query}`);
    assert.is(answer.status, 400, `${query}: ${answer.text}`);
    assert.is(answer.type, 'application/json; charset=utf-8');
    assert.is(answer.json.parameter, parameter, query);
    assert.match(answer.json.error, parameter, query);
  }
});

test('/api/windows: 400 on a bad limit; the latest windows, newest first, with events, rows and top pages', async () => {
  for (const limit of ['0', '101', 'ten', '-1']) {
    const answer = await request(job.url, `/api/windows?limit=${limit}`);
    assert.is(answer.status, 400, limit);
    assert.is(answer.json.parameter, 'limit');
  }
  const answer = await request(job.url, '/api/windows?limit=2');
  assert.is(answer.status, 200);
  const { windows } = answer.json;
  assert.is(windows.length, 2);
  assert.ok(windows[0].windowEnd > windows[1].windowEnd, 'newest first');
  const reader = new Database(db, { readonly: true });
  try {
    for (const w of windows) {
      assert.is(w.windowEnd - w.windowStart, 4000);
      assert.is(w.events, reader.prepare('SELECT events FROM windows WHERE window_end = ?').pluck().get(w.windowEnd));
      const rows = ['client_page_visits', 'page_unique_visitors'].reduce(
        (sum, table) => sum + reader.prepare(`SELECT COUNT(*) FROM ${table} WHERE window_end = ?`).pluck().get(w.windowEnd), 1);
      assert.is(w.rows, rows);
      assert.ok(w.topics.length > 0);
      for (const { topic, pages } of w.topics) {
        const top = reader.prepare('SELECT page, visitors FROM page_unique_visitors WHERE window_end = ? AND topic = ? ORDER BY visitors DESC, page LIMIT 5').all(w.windowEnd, topic);
        assert.equal(pages, top, `top pages of ${topic}`);
      }
    }
  } finally {
    reader.close();
  }
});

/**
 * The API's answer and the CLI's for the same question, from one state of the store: the store's
 * newest window is read before and after both answers, and a write in between means trying again.
 */
async function sameAnswers(query) {
  const newest = () => {
    const reader = new Database(db, { readonly: true });
    try {
      return reader.prepare('SELECT MAX(window_end) || \'/\' || COUNT(*) FROM windows').pluck().get();
    } finally {
      reader.close();
    }
  };
  for (let attempt = 0; attempt < 20; attempt++) {
    const before = newest();
    const api = await request(job.url, `/api/recommendations?${new URLSearchParams(query)}`);
    const cli = await runCli('recommend.js', ['--store', `sqlite:${db}`, '--client', query.client, '--topic', query.topic, '-n', String(query.n), '--json']);
    if (newest() === before) return { api, cli };
  }
  throw new Error('the store changed under every attempt');
}

test('/api/recommendations answers exactly what clickstream-recommend --json prints for the job\'s store', async () => {
  const reader = new Database(db, { readonly: true });
  const { client_id: client, topic } = reader
    .prepare('SELECT client_id, topic FROM client_page_visits WHERE window_end = (SELECT MAX(window_end) FROM windows) LIMIT 1')
    .get();
  reader.close();
  for (const query of [{ client, topic, n: 12 }, { client: 'never-seen', topic, n: 3 }, { client, topic: 'No Such Topic', n: 3 }]) {
    const { api, cli } = await sameAnswers(query);
    assert.is(cli.code, 0, cli.stderr);
    assert.is(api.status, 200, api.text);
    assert.is(api.type, 'application/json; charset=utf-8');
    assert.is(`${api.text}\n`, cli.stdout, JSON.stringify(query));
    // The note is what the CLI says on stderr, naming the job's store instead of the server's file.
    const note = api.headers.get('clickstream-note');
    assert.is(note === null ? '' : `${decodeURIComponent(note)}\n`, cli.stderr.replace(`sqlite:${db}`, "the job's store"), 'the note');
    assert.not.match(note ?? '', dir, 'no path of the server');
  }
});

test('/api/stats: the counters the dashboard plots', async () => {
  const answer = await request(job.url, '/api/stats');
  assert.is(answer.status, 200);
  const stats = answer.json;
  assert.ok(stats.events > 0 && stats.accepted > 0);
  assert.is(stats.kafkaLag, null);
  assert.ok(Array.isArray(stats.recentLatencies) && stats.recentLatencies.length > 0);
  assert.match(stats.job.clock, 'wall clock');
});

test('/api/stats: times, queues, shards, the process and the latest dead letters, as /metrics tells them', async () => {
  const stats = (await request(job.url, '/api/stats')).json;
  const metrics = await scrape(job.url);
  assert.equal(Object.keys(stats.shards), ['0', '1']);
  for (const key of ['openWindows', 'openPanes']) assert.ok(stats.shards.every((held) => Number.isInteger(held[key])), key);
  assert.ok(stats.status.closedThrough <= metrics.value('clickstream_closed_through_timestamp_seconds') * 1000, 'closes only move on');
  assert.is(stats.status.watermark, null, 'no watermark with the wall clock');
  assert.ok(stats.process.uptimeSeconds > 0 && stats.process.rssBytes > 0 && stats.process.cpuSeconds > 0, JSON.stringify(stats.process));
  assert.equal(stats.deadLetters, [], 'the synthetic source has no bad events');
  assert.is(stats.hasStore, true);
  assert.is(stats.job.deadLetters, join(dir, 'dead.jsonl'));
});

test('readiness is 503 while the source is not connected, health stays 200', async () => {
  // Nothing listens on port 1: the Kafka source keeps trying to connect for a while.
  const unreachable = await startServedJob(['--source', 'kafka', '--brokers', '127.0.0.1:1', '--topic', 'nowhere', '--sink', 'none', '--threads', '1']);
  try {
    const ready = await request(unreachable.url, '/readyz');
    assert.is(ready.status, 503, ready.text);
    assert.is(ready.json.status, 'unavailable');
    assert.is(ready.json.checks.sourceConnected, false);
    assert.is((await request(unreachable.url, '/healthz')).status, 200);
    const families = parsePrometheusText((await request(unreachable.url, '/metrics')).text);
    assert.ok(families.has('clickstream_kafka_lag_messages'), 'a Kafka source exposes its lag');
    assert.is(families.get('clickstream_kafka_partition_lag_messages').samples.length, 0, 'no partition is known yet');
  } finally {
    await stopJob(unreachable.run);
  }
});

test('with a token: /api/* needs "Authorization: Bearer <token>", the rest stays open, the token is never printed', async () => {
  const guarded = await startServedJob(['--source', 'synthetic:dev', '--sink', 'none', '--threads', '1', '--http-token', TOKEN]);
  const fromEnv = await startServedJob(['--source', 'synthetic:dev', '--sink', 'none', '--threads', '1'], { env: { CLICKSTREAM_HTTP_TOKEN: TOKEN } });
  try {
    for (const { url } of [guarded, fromEnv]) {
      for (const path of ['/api/stats', '/api/windows', '/api/recommendations?client=c&topic=t&n=1']) {
        const none = await request(url, path);
        assert.is(none.status, 401, path);
        assert.is(none.type, 'application/json; charset=utf-8');
        assert.match(none.headers.get('www-authenticate'), 'Bearer');
        assert.is((await request(url, path, { token: `${TOKEN}x` })).status, 401, `${path} with a wrong token`);
        assert.is((await request(url, path, { token: TOKEN.slice(0, -1) })).status, 401, `${path} with a shorter token`);
        assert.is((await request(url, path, { headers: { Authorization: TOKEN } })).status, 401, `${path} without "Bearer"`);
      }
      assert.is((await request(url, '/api/stats', { token: TOKEN })).status, 200);
      // A sink that keeps no tables: the store endpoints say so.
      assert.is((await request(url, '/api/windows', { token: TOKEN })).status, 501);
      // Readiness waits for the writer thread, which a loaded machine may still be starting.
      await waitFor('the job ready', async () => (await request(url, '/readyz')).status === 200, { timeoutMs: 20_000 });
      for (const path of ['/metrics', '/healthz', '/readyz', '/', '/assets/dashboard.js']) {
        assert.is((await request(url, path)).status, 200, `${path} needs no token`);
      }
    }
  } finally {
    for (const { run } of [guarded, fromEnv]) {
      const { stdout, stderr } = await stopJob(run);
      assert.not.match(stdout + stderr, TOKEN);
    }
  }
});

test('binding beyond loopback without a token is refused at start (exit 2); with one it is allowed', async () => {
  for (const address of ['0.0.0.0:0', '[::]:0', '192.0.2.1:8080']) {
    const run = await runCli('main.js', ['--sink', 'none', '--http', address], { timeoutMs: 20_000 });
    assert.is(run.code, 2, `${address}: ${run.stderr}`);
    assert.match(run.stderr, '--http-token');
    assert.is(run.stdout, '');
  }
  for (const args of [['--http', 'localhost'], ['--http', '127.0.0.1:70000'], ['--http-token', 'abc']]) {
    const run = await runCli('main.js', ['--sink', 'none', ...args], { timeoutMs: 20_000 });
    assert.is(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, args[0]);
  }
  // With a token the check passes: a bad --threads after it shows parsing got that far.
  const allowed = await runCli('main.js', ['--sink', 'none', '--http', '0.0.0.0:0', '--http-token', TOKEN, '--threads', '0'], { timeoutMs: 20_000 });
  assert.is(allowed.code, 2);
  assert.match(allowed.stderr, '--threads');
  assert.not.match(allowed.stderr, TOKEN);
});

/** A JobHttpServer in this process over a pipeline the harness drives (helpers/harness.js); `use(driver, url)`. */
async function withServedHarness(options, use) {
  const driver = createHarness(options);
  let server;
  try {
    server = await JobHttpServer.start({ host: '127.0.0.1', port: 0, token: null }, servedJobOf(driver.pipeline, driver.config, {}));
    return await use(driver, server.url);
  } finally {
    await server?.close();
    await driver.close();
  }
}

/** /metrics read once: `series(family, label)` gives { labelValue: value }, `value(family)` an unlabelled one. */
async function scrape(url) {
  const families = parsePrometheusText((await request(url, '/metrics')).text);
  const samples = (family) => families.get(family)?.samples ?? [];
  return {
    series: (family, label) => Object.fromEntries(samples(family).map((s) => [s.labels[label], s.value])),
    value: (family) => samples(family)[0]?.value,
  };
}

test('in process: each partition\'s watermark, and the windows and panes the shard holds open, as the engine knows them', async () => {
  const T0 = Date.UTC(2017, 0, 25, 14);
  const at = (client, seconds) => toLine({ client, topic: 'Action', page: 'Heat', ts: T0 + seconds * 1000 });
  const options = { clock: 'event', partitions: 2, threads: 1, windowMs: 10_000, slideMs: 5_000, graceMs: 2_000, sink: 'none' };
  /** The shard's open windows and panes, once they are these (the counts come back with each task). */
  const held = (driver, url, windows, panes) =>
    driver.waitFor(`${windows} windows and ${panes} panes open`, async () => {
      const metrics = await scrape(url);
      return metrics.series('clickstream_open_windows', 'shard')[0] === windows && metrics.series('clickstream_open_panes', 'shard')[0] === panes;
    }, { timeoutMs: 10_000 });
  await withServedHarness(options, async (driver, url) => {
    driver.pipe(0, [at('a', 1), at('b', 12)]);
    driver.pipe(1, [at('c', 3)]);
    await driver.drained();
    // Each partition's newest event less the 2 s lateness; the watermark is the lower one.
    const metrics = await scrape(url);
    assert.equal(metrics.series('clickstream_partition_watermark_timestamp_seconds', 'partition'), { 0: (T0 + 10_000) / 1000, 1: (T0 + 1_000) / 1000 });
    assert.is(metrics.value('clickstream_watermark_timestamp_seconds'), (T0 + 1_000) / 1000);
    // The events at 1 s and 3 s count in the windows ending at 5 s and 10 s, the one at 12 s in those
    // ending at 15 s and 20 s: 4 windows over 2 panes of 5 s.
    await held(driver, url, 4, 2);
    // Partition 1 at 17 s takes the watermark to 10 s: the windows ending by then close and the pane
    // [0 s, 5 s) goes; [10 s, 15 s) and the new [15 s, 20 s) hold the windows ending at 15, 20 and 25 s.
    driver.pipe(1, [at('d', 17)]);
    await held(driver, url, 3, 2);
  });
});

test('/healthz is 503 once the writer thread has died, though the idle job has not noticed yet', async () => {
  await withServedHarness({ sink: 'none' }, async (driver, url) => {
    // Open, and the source's partitions assigned (the writer thread answered the assignment).
    await driver.waitFor('the sink open', () => driver.pipeline.status().sinkOpen && driver.pipeline.partitions().length > 0);
    assert.is((await request(url, '/healthz')).status, 200);
    // The real writer thread, ended as a crash would end it; nothing is being written, so only the
    // thread's exit can tell. (Private fields: the job has no way, and should have none, to do this.)
    await driver.pipeline.writer.thread.terminate();
    assert.is(driver.pipeline.status().failure, null, 'the run learns it only at its next write');
    for (const path of ['/healthz', '/readyz']) {
      const answer = await request(url, path);
      assert.is(answer.status, 503, `${path}: ${answer.text}`);
      assert.is(answer.json.status, 'unavailable');
      assert.is(answer.json.checks.writer, false);
      assert.is(answer.json.checks.pipeline, true);
      assert.match(answer.json.failure, 'writer thread exited');
    }
    assert.is((await scrape(url)).value('clickstream_ready'), 0);
  });
});

test('a port already taken is a clear error, exit 1', async () => {
  const taken = new URL(job.url);
  const run = await runCli('main.js', ['--sink', 'none', '--http', `${taken.hostname}:${taken.port}`, '--log-format', 'json'], { timeoutMs: 20_000 });
  assert.is(run.code, 1, run.stderr);
  const error = logLinesOf(run.stderr).find((line) => line.level === 'error');
  assert.ok(error !== undefined, run.stderr);
  assert.match(error.msg, 'EADDRINUSE');
});

test.run();
