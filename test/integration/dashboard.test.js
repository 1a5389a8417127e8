'use strict';
// The dashboard in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
// a running job with a token, the token asked once and kept for the tab, the numbers and a window's
// top pages appearing and changing, and the recommendation form answering exactly what the
// recommender CLI answers for the same store. Leaves a screenshot in the test's temp folder.
// Without Chromium each test is reported skipped, except with CI=true, where each fails.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { existsSync, mkdtempSync, readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const Database = require('better-sqlite3');
const { runCli } = require('../helpers/cli');
const { startServedJob, stopJob } = require('../helpers/http');
const { guardedTest } = require('../helpers/guarded-test');

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const TOKEN = 'dashboard-test-token-4b1d';
const dir = mkdtempSync(join(tmpdir(), 'clickstream-dashboard-'));
const db = join(dir, 'clickstream.db');
const screenshot = join(dir, 'dashboard.png');

let job;
let context;
let page;

const browserTest = guardedTest('browser', existsSync(CHROMIUM) ? '' : `Chromium (${CHROMIUM})`, 'apt-get install chromium, or set CHROMIUM_PATH');

browserTest.before(async () => {
  const { chromium } = require('playwright-core');
  job = await startServedJob(
    ['--source', 'synthetic:production', '--rate', '300', '--batch', '1s', '--window', '4s', '--slide', '2s', '--threads', '2',
      '--sink', `sqlite:${db}`, '--dead-letter', join(dir, 'dead.jsonl')],
    { env: { CLICKSTREAM_HTTP_TOKEN: TOKEN } },
  );
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
  await page.screenshot({ path: screenshot, fullPage: true });
  assert.ok(existsSync(screenshot));
});

test.run();
