'use strict';
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { createGenerator } = require('../../dist/sources/synthetic/generator');
const { runCli, readJsonl } = require('../helpers/cli');

const EVENTS = 600;

test('wall clock: windows by arrival are internally consistent and every event counts in window/slide windows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clickstream-wall-'));
  const out = join(dir, 'out.jsonl');
  const run = await runCli('main.js', [
    '--source', 'synthetic:dev', '--rate', '300', '--events', String(EVENTS), '--seed', '5', '--clock', 'wall',
    '--batch', '250ms', '--window', '1s', '--slide', '500ms', '--threads', '2', '--sink', `jsonl:${out}`,
    '--dead-letter', join(dir, 'dead.jsonl'),
  ]);
  assert.is(run.code, 0, run.stderr);
  const rows = readJsonl(out);
  const windows = rows.filter((r) => r.table === 'windows');
  assert.ok(windows.length >= 3, `a 2 s run spans several 500 ms slides (got ${windows.length})`);
  // Every event lands in exactly window/slide = 2 windows, and the end of input emits the open ones.
  assert.is(windows.reduce((sum, w) => sum + w.events, 0), 2 * EVENTS);

  const events = createGenerator('dev', 5).next(EVENTS).map((m) => JSON.parse(m.toString()));
  const timesByVisit = new Map();
  for (const e of events) {
    const key = JSON.stringify([e.client_id, e.url.topic, e.url.page]);
    if (!timesByVisit.has(key)) timesByVisit.set(key, []);
    timesByVisit.get(key).push(Date.parse(e.timestamp + 'Z'));
  }
  for (const w of windows) {
    assert.is(w.window_end % 500, 0, 'windows end on multiples of the slide');
    assert.is(w.window_start, w.window_end - 1000);
    const visits = rows.filter((r) => r.table === 'client_page_visits' && r.window_end === w.window_end);
    const pages = rows.filter((r) => r.table === 'page_unique_visitors' && r.window_end === w.window_end);
    assert.is(visits.reduce((sum, r) => sum + r.visits, 0), w.events, 'visits sum to the window\'s events');
    for (const p of pages) {
      const ofPage = visits.filter((r) => r.topic === p.topic && r.page === p.page);
      assert.is(p.visitors, new Set(ofPage.map((r) => r.client_id)).size, 'visitors are the distinct clients');
      assert.ok(p.visitors <= ofPage.reduce((sum, r) => sum + r.visits, 0));
    }
    for (const r of [...visits, ...pages, w]) assert.is(r.window_ts, w.window_ts, 'one window_ts per window');
    // window_ts is an event time of one of the window's visits, and no visit of it is earlier.
    const candidates = visits.flatMap((r) => timesByVisit.get(JSON.stringify([r.client_id, r.topic, r.page])));
    assert.ok(candidates.includes(w.window_ts), 'window_ts is the timestamp of one of its events');
  }
});

test.run();
