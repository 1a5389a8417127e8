'use strict';
// The dashboard in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core).
// A running job reads a live stream on stdin (event clock, some bad lines) into SQLite, with a token.
// The token is asked once and kept for the tab; the numbers and a window's top pages appear and
// change; the recommendation form answers exactly what the recommender CLI answers for the same
// store; the diagnosing panels (times, queues, open windows and panes, dead letters, the process)
// show what /metrics says; the charts have history the moment a tab opens; and a job whose sink keeps
// no tables shows no recommendation form. Leaves a screenshot in the test's temp folder.
// Without Chromium each test is reported skipped, except with CI=true, where each fails.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { existsSync, mkdtempSync, readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const Database = require('better-sqlite3');
const { runCli, readDeadLetters } = require('../helpers/cli');
const { startServedJob, stopJob, request, parsePrometheusText } = require('../helpers/http');
const { LiveFeed } = require('../helpers/live-feed');
const { waitFor } = require('../helpers/wait');
const { guardedTest } = require('../helpers/guarded-test');

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const TOKEN = 'dashboard-test-token-4b1d';
const dir = mkdtempSync(join(tmpdir(), 'clickstream-dashboard-'));
const db = join(dir, 'clickstream.db');
const deadLetterFile = join(dir, 'dead.jsonl');
const screenshot = join(dir, 'dashboard.png');

let job;
let feed;
let context;
let page;

const browserTest = guardedTest('browser', existsSync(CHROMIUM) ? '' : `Chromium (${CHROMIUM})`, 'apt-get install chromium, or set CHROMIUM_PATH');

browserTest.before(async () => {
  const { chromium } = require('playwright-core');
  job = await startServedJob(
    ['--source', 'file:-', '--clock', 'event', '--lateness', '2s', '--batch', '1s', '--window', '10s', '--slide', '5s', '--threads', '2',
      '--sink', `sqlite:${db}`, '--dead-letter', deadLetterFile],
    { env: { CLICKSTREAM_HTTP_TOKEN: TOKEN }, keepStdin: true },
  );
  feed = new LiveFeed(job.run.child.stdin);
  feed.start();
  // A fresh profile each run (playwright passes it as --user-data-dir).
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1440, height: 900 },
  });
  page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
});

test.after(async () => {
  await context?.close();
  feed?.end();
  if (job !== undefined) await stopJob(job.run);
  // Only the screenshot stays, for a person to look at.
  for (const name of existsSync(dir) ? readdirSync(dir) : []) if (join(dir, name) !== screenshot) rmSync(join(dir, name), { recursive: true, force: true });
  if (existsSync(screenshot)) console.log(`dashboard screenshot: ${screenshot}`);
});

const numberIn = async (selector) => Number(((await page.textContent(selector)) ?? '').replace(/[^\d]/g, '') || NaN);

browserTest('the dashboard asks for the token once and keeps it for the tab', async () => {
  await page.goto(job.url);
  await page.waitForSelector('#token-dialog:not([hidden])', { timeout: 10_000 });
  await page.fill('#token-input', 'wrong');
  await page.click('#token-form button');
  await page.waitForSelector('#token-dialog:not([hidden])', { timeout: 10_000 });
  await page.waitForFunction(() => document.getElementById('token-error').textContent.includes('not accepted'), null, { timeout: 10_000 });
  await page.fill('#token-input', TOKEN);
  await page.click('#token-form button');
  await page.waitForFunction(() => Number(document.getElementById('events-total').textContent.replace(/\D/g, '')) > 0, null, { timeout: 20_000 });
  assert.is(await page.evaluate(() => sessionStorage.getItem('clickstream-token')), TOKEN);
  await page.reload();
  await page.waitForFunction(() => Number(document.getElementById('events-total').textContent.replace(/\D/g, '')) > 0, null, { timeout: 20_000 });
  assert.ok(await page.isHidden('#token-dialog'), 'no second question in the same tab');
});

browserTest('the numbers and the latest window\'s top pages appear and change', async () => {
  const events = await numberIn('#events-total');
  await page.waitForFunction((before) => Number(document.getElementById('events-total').textContent.replace(/\D/g, '')) > before, events, { timeout: 20_000 });
  assert.ok((await numberIn('#events-rate')) > 0, 'a rate is shown');
  const firstEnd = await page.waitForFunction(() => document.getElementById('latest-window-end').dataset.windowEnd, null, { timeout: 30_000 }).then((h) => h.jsonValue());
  const nextEnd = await page
    .waitForFunction((before) => {
      const end = document.getElementById('latest-window-end').dataset.windowEnd;
      return end !== undefined && end !== before && end;
    }, firstEnd, { timeout: 30_000 })
    .then((h) => h.jsonValue());
  assert.ok(Number(nextEnd) > Number(firstEnd), 'a later window replaced the first');
  assert.ok((await numberIn('#windows-written')) >= 2);
  // What the cards show is that window's top pages in the store.
  const shown = await page.$$eval('.topic-card', (cards) =>
    cards.map((card) => ({ topic: card.dataset.topic, pages: [...card.querySelectorAll('li')].map((li) => [li.querySelector('.page').textContent, Number(li.querySelector('.num').textContent.replace(/\D/g, ''))]) })));
  const shownEnd = Number(await page.$eval('#latest-window-end', (el) => el.dataset.windowEnd));
  assert.ok(shown.length > 0 && shown.every(({ pages }) => pages.length > 0), 'each topic has pages');
  const reader = new Database(db, { readonly: true });
  try {
    for (const { topic, pages } of shown) {
      const top = reader
        .prepare('SELECT page, visitors FROM page_unique_visitors WHERE window_end = ? AND topic = ? ORDER BY visitors DESC, page LIMIT 5')
        .raw()
        .all(shownEnd, topic);
      assert.equal(pages, top, `top pages of ${topic}`);
    }
  } finally {
    reader.close();
  }
});

/** The newest window and the number of windows: a write in between two reads changes it. */
function storeState() {
  const reader = new Database(db, { readonly: true });
  try {
    return reader.prepare("SELECT MAX(window_end) || '/' || COUNT(*) FROM windows").pluck().get();
  } finally {
    reader.close();
  }
}

browserTest('the recommendation form answers what clickstream-recommend --json answers for the same client and topic', async () => {
  let compared = 0;
  for (let attempt = 0; attempt < 20 && compared === 0; attempt++) {
    const reader = new Database(db, { readonly: true });
    // A visitor of the newest window's most visited page: that page is removed from what they are shown.
    const { client_id: client, topic, page: visited } = reader
      .prepare(
        'SELECT c.client_id, c.topic, c.page FROM client_page_visits c JOIN ' +
          '(SELECT window_end, topic, page FROM page_unique_visitors WHERE window_end = (SELECT MAX(window_end) FROM windows) ' +
          'ORDER BY visitors DESC, page LIMIT 1) p USING (window_end, topic, page) LIMIT 1',
      )
      .get();
    reader.close();
    const before = storeState();
    await page.evaluate(() => delete document.getElementById('rec-result').dataset.json);
    await page.fill('#rec-client', client);
    await page.fill('#rec-topic', topic);
    await page.fill('#rec-n', '12');
    await page.click('#recommend-form button');
    const shown = JSON.parse(await page.waitForFunction(() => document.getElementById('rec-result').dataset.json, null, { timeout: 10_000 }).then((h) => h.jsonValue()));
    const cli = await runCli('recommend.js', ['--store', `sqlite:${db}`, '--client', client, '--topic', topic, '-n', '12', '--json']);
    // Both answers come from one state of the store only if no window was written in between.
    if (storeState() !== before) continue;
    assert.is(cli.code, 0, cli.stderr);
    assert.equal(shown, JSON.parse(cli.stdout), `${client} / ${topic}`);
    assert.ok(shown.length > 0 && shown.length < 12, `some pages remain, the client's own recent ones are gone: ${JSON.stringify(shown)}`);
    assert.not.ok(shown.some(({ page: name }) => name === visited), `${visited} was visited by ${client}`);
    const items = await page.$$eval('#rec-result li', (lis) => lis.map((li) => [li.value, li.textContent]));
    assert.equal(items, shown.map(({ rank, page: name, visitors }) => [rank, `${name} (${visitors} ${visitors === 1 ? 'visitor' : 'visitors'})`]));
    compared++;
  }
  assert.is(compared, 1, 'a comparison from one state of the store');
});

/** /metrics read once: `value(family, labels)` is one sample's value, `series(family, label)` { labelValue: value }. */
async function scrape() {
  const families = parsePrometheusText((await request(job.url, '/metrics')).text);
  const samples = (family) => families.get(family)?.samples ?? [];
  return {
    value: (family, labels = {}) => samples(family).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value,
    series: (family, label) => Object.fromEntries(samples(family).map((s) => [s.labels[label], s.value])),
  };
}

/** What the engine panels must show, from /metrics, in the page's data-value units (ms for times). */
function expectedPanels(metrics) {
  const ms = (family) => Math.round(metrics.value(family) * 1000);
  const windows = Object.values(metrics.series('clickstream_open_windows', 'shard'));
  const panes = Object.values(metrics.series('clickstream_open_panes', 'shard'));
  const rejected = Object.fromEntries(Object.entries(metrics.series('clickstream_events_rejected_total', 'reason')).filter(([, n]) => n > 0));
  return {
    values: {
      'events-total': metrics.value('clickstream_events_read_total'),
      'rejected-total': metrics.value('clickstream_events_total', { outcome: 'rejected' }),
      'windows-written': metrics.value('clickstream_windows_written_total'),
      watermark: ms('clickstream_watermark_timestamp_seconds'),
      'closed-through': ms('clickstream_closed_through_timestamp_seconds'),
      'last-window': ms('clickstream_last_window_end_timestamp_seconds'),
      'open-windows': Math.max(...windows),
      'open-panes': panes.reduce((sum, n) => sum + n, 0),
      'worker-tasks': metrics.value('clickstream_worker_queue_tasks'),
      'writer-closes': metrics.value('clickstream_writer_queue_closes'),
      'worker-threads': metrics.value('clickstream_worker_threads'),
    },
    shards: metrics.series('clickstream_open_windows', 'shard'),
    panes: metrics.series('clickstream_open_panes', 'shard'),
    rejected,
  };
}

/** The same, as the page shows it now. */
function shownPanels(ids) {
  const value = (id) => {
    const text = document.getElementById(id).dataset.value;
    return text === undefined || text === '' ? null : Number(text);
  };
  const rows = (selector, key) => Object.fromEntries([...document.querySelectorAll(selector)].map((row) => [row.dataset[key], [...row.querySelectorAll('td.num')].map((td) => Number(td.dataset.value))]));
  const shardRows = rows('#shards tbody tr', 'shard');
  return {
    values: Object.fromEntries(ids.map((id) => [id, value(id)])),
    shards: Object.fromEntries(Object.entries(shardRows).map(([shard, [windows]]) => [shard, windows])),
    panes: Object.fromEntries(Object.entries(shardRows).map(([shard, [, panes]]) => [shard, panes])),
    rejected: Object.fromEntries(Object.entries(rows('#reasons tbody tr', 'reason')).map(([reason, [n]]) => [reason, n])),
  };
}

browserTest('the panels show what /metrics says: times, queues, open windows and panes, dead letters, the process', async () => {
  // Still input: the numbers hold once the job has read every line and its tasks and writes are done.
  feed.pause();
  const metrics = await waitFor('the job to read every line and settle', async () => {
    const before = expectedPanels(await scrape());
    if (before.values['events-total'] !== feed.written || before.values['worker-tasks'] !== 0 || before.values['writer-closes'] !== 0) return null;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await scrape();
    return JSON.stringify(expectedPanels(after)) === JSON.stringify(before) ? after : null;
  }, { timeoutMs: 30_000, intervalMs: 500 });
  const expected = expectedPanels(metrics);
  assert.ok(Object.keys(expected.rejected).length >= 3, `several reasons were seen: ${JSON.stringify(expected.rejected)}`);
  assert.ok(expected.values['open-panes'] > 0, 'sliding windows keep panes open');
  const ids = Object.keys(expected.values);
  await page
    .waitForFunction(({ want, ids: names }) => {
      const value = (id) => Number(document.getElementById(id).dataset.value);
      return names.every((id) => value(id) === want[id]);
    }, { want: expected.values, ids }, { timeout: 10_000 })
    .catch(() => undefined);
  const shown = await page.evaluate(shownPanels, ids);
  assert.equal(shown.values, expected.values, 'the panels\' values are the metrics\'');
  assert.equal(shown.shards, expected.shards, 'open windows per shard');
  assert.equal(shown.panes, expected.panes, 'open panes per shard');
  assert.equal(shown.rejected, expected.rejected, 'dead letters by reason');

  // The latest dead letters are the dead-letter file's last ones, newest first.
  const letters = readDeadLetters(deadLetterFile).slice(-5).reverse();
  const listed = await page.$$eval('#latest-dead-letters li', (items) => items.map((li) => ({ reason: li.dataset.reason, position: JSON.parse(li.dataset.position), detail: li.querySelector('.detail').textContent })));
  assert.equal(listed, letters.map(({ reason, position, detail }) => ({ reason, position, detail })));

  // The process: read from the page, then scraped; they differ only by what passed in between.
  const process = await page.evaluate(() => Object.fromEntries(['uptime', 'rss', 'cpu-seconds'].map((id) => [id, Number(document.getElementById(id).dataset.value)])));
  const now = await scrape();
  const uptime = Date.now() / 1000 - now.value('process_start_time_seconds');
  assert.ok(Math.abs(process.uptime - uptime) < 3, `uptime ${process.uptime} s against ${uptime} s`);
  const rss = now.value('process_resident_memory_bytes');
  assert.ok(Math.abs(process.rss - rss) < 0.25 * rss, `RSS ${process.rss} against ${rss}`);
  const cpu = now.value('process_cpu_seconds_total');
  assert.ok(process['cpu-seconds'] <= cpu + 0.1 && cpu - process['cpu-seconds'] < 5, `CPU ${process['cpu-seconds']} s against ${cpu} s`);
});

browserTest('a tab opened now shows the last minutes at once: the job keeps the history', async () => {
  feed.start();
  const uptime = (await request(job.url, '/api/stats', { token: TOKEN })).json.process.uptimeSeconds;
  const fresh = await context.newPage();
  try {
    // A new tab has its own sessionStorage: the token is put there as the dialog would.
    await fresh.addInitScript((token) => sessionStorage.setItem('clickstream-token', token), TOKEN);
    await fresh.goto(job.url);
    const points = await fresh.waitForFunction(() => Number(document.getElementById('chart-rate').dataset.points), null, { timeout: 10_000 }).then((h) => h.jsonValue());
    // One sample a second since the job served HTTP: far more than the tab's own first seconds.
    assert.ok(points >= Math.min(600, uptime - 5), `${points} points after ${uptime} s`);
    for (const id of ['chart-behind', 'chart-queues', 'chart-open', 'chart-process']) {
      assert.is(Number(await fresh.$eval(`#${id}`, (el) => el.dataset.points)), points, id);
    }
  } finally {
    await fresh.close();
  }
  // A few seconds of live input again, for the screenshot.
  const written = feed.written;
  await waitFor('more windows written', async () => feed.written > written + 1500, { timeoutMs: 20_000 });
  await page.screenshot({ path: screenshot, fullPage: true });
  assert.ok(existsSync(screenshot));
});

browserTest('a job whose sink keeps no tables shows no recommendation form, and says why', async () => {
  const bare = await startServedJob(['--source', 'synthetic:dev', '--sink', 'none', '--threads', '1']);
  const tab = await context.newPage();
  try {
    await tab.goto(bare.url);
    await tab.waitForSelector('#no-store:not([hidden])', { timeout: 10_000 });
    assert.match(await tab.textContent('#no-store'), 'keeps no tables');
    for (const id of ['#recommend-form', '#latest-window-card', '#windows']) assert.ok(await tab.isHidden(id), `${id} is hidden`);
    assert.ok(await tab.isHidden('#partitions-card'), 'no Kafka partitions without Kafka');
    await tab.waitForFunction(() => document.getElementById('job').textContent.includes('thread'), null, { timeout: 10_000 });
    assert.match(await tab.textContent('#job'), /· 1 thread$/);
  } finally {
    await tab.close();
    await stopJob(bare.run);
  }
});

test.run();
