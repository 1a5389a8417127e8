'use strict';
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { createGenerator } = require('../../dist/sources/synthetic/generator');
const { runCli, readJsonl } = require('../helpers/cli');

const EVENTS = 600;

test('wall clock: each window holds exactly the events that arrived in its two slides, window_ts is their smallest event time, and every event counts in window/slide windows', async () => {
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

  // Arrival order is the generator's order, so each slide's events (a pane) are a run of consecutive
  // events, and a window is its two panes. The pane sizes follow from the windows' counts (a pane
  // before the first window is empty); from them, each window's exact events.
  const events = createGenerator('dev', 5).next(EVENTS).map((m) => JSON.parse(m.toString()));
  const eventsOf = new Map(windows.map((w) => [w.window_end, w.events]));
  const panes = new Map();
  let cursor = 0;
  let previous = 0;
  const ends = windows.map((w) => w.window_end);
  for (let end = Math.min(...ends); end <= Math.max(...ends); end += 500) {
    const size = (eventsOf.get(end) ?? 0) - previous;
    assert.ok(size >= 0, `the window ending ${end} holds the events of the slide before it`);
    panes.set(end, { from: cursor, to: cursor + size });
    cursor += size;
    previous = size;
  }
  assert.is(cursor, EVENTS, 'the panes hold every event once');

  const visitKey = (client, topic, page) => JSON.stringify([client, topic, page]);
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

    const { from } = panes.get(w.window_end - 500) ?? panes.get(w.window_end);
    const inWindow = events.slice(from, panes.get(w.window_end).to);
    const expectedVisits = new Map();
    for (const e of inWindow) {
      const key = visitKey(e.client_id, e.url.topic, e.url.page);
      expectedVisits.set(key, (expectedVisits.get(key) ?? 0) + 1);
    }
    assert.equal(
      new Map(visits.map((r) => [visitKey(r.client_id, r.topic, r.page), r.visits])),
      expectedVisits,
      `the window ending ${w.window_end} holds exactly its panes' events`,
    );
    assert.is(w.window_ts, Math.min(...inWindow.map((e) => Date.parse(`${e.timestamp}Z`))), 'window_ts is the smallest event time of the window');
  }
});

test.run();
