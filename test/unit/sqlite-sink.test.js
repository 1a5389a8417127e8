'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('uvu');
const assert = require('uvu/assert');
const Database = require('better-sqlite3');
const { createSqliteSink } = require('../../dist/sinks/sqlite');
const { SQLITE_READS } = require('../../dist/recommender/sqlite-store');
const { windowRows, SLIDE } = require('../helpers/window-rows');

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-sqlite-sink-'));
let nextDb = 0;

/** A fresh database path in a directory that does not exist yet. */
function freshPath() {
  nextDb += 1;
  return path.join(TMP, `run-${nextDb}`, 'nested', 'clickstream.db');
}

async function writeAll(dbPath, ...calls) {
  const sink = createSqliteSink(dbPath);
  await sink.open();
  try {
    for (const windows of calls) await sink.writeWindows(windows, null);
  } finally {
    await sink.close();
  }
}

function read(dbPath, sql, ...params) {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all(...params);
  } finally {
    db.close();
  }
}

const E1 = 10 * SLIDE;
const E2 = 11 * SLIDE;
const E3 = 12 * SLIDE;

const FIRST_E1 = windowRows({
  end: E1,
  visits: [
    ['c1', 'Action', 'Die Hard', 2],
    ['c2', 'Action', 'Die Hard', 1],
    ['c2', 'Comedy', 'Airplane!', 3],
  ],
  visitors: [
    ['Action', 'Die Hard', 2],
    ['Comedy', 'Airplane!', 1],
  ],
});

test.after(() => fs.rmSync(TMP, { recursive: true, force: true }));

test('open creates the parent directory, the three tables and the progress table', async () => {
  const dbPath = freshPath();
  await writeAll(dbPath);
  const tables = read(dbPath, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map((r) => r.name);
  assert.equal(tables, ['client_page_visits', 'job_progress', 'page_unique_visitors', 'windows']);
});

test('columns are exactly those of the JSONL rows, in order, times and counts as integers, names as text', async () => {
  const dbPath = freshPath();
  await writeAll(dbPath);
  const columns = (table) => read(dbPath, `SELECT name, type FROM pragma_table_info('${table}') ORDER BY cid`);
  const I = 'INTEGER';
  const T = 'TEXT';
  assert.equal(columns('client_page_visits'), [
    { name: 'window_start', type: I },
    { name: 'window_end', type: I },
    { name: 'window_ts', type: I },
    { name: 'client_id', type: T },
    { name: 'topic', type: T },
    { name: 'page', type: T },
    { name: 'visits', type: I },
  ]);
  assert.equal(columns('page_unique_visitors'), [
    { name: 'window_start', type: I },
    { name: 'window_end', type: I },
    { name: 'window_ts', type: I },
    { name: 'topic', type: T },
    { name: 'page', type: T },
    { name: 'visitors', type: I },
  ]);
  assert.equal(columns('windows'), [
    { name: 'window_start', type: I },
    { name: 'window_end', type: I },
    { name: 'window_ts', type: I },
    { name: 'events', type: I },
  ]);
});

test('rows are written as given and read back by a plain SELECT with integer values', async () => {
  const dbPath = freshPath();
  const ts = E1 - 2 * SLIDE + 1234;
  await writeAll(dbPath, [{ ...FIRST_E1, windowTs: ts }]);
  const start = E1 - 2 * SLIDE;
  assert.equal(read(dbPath, 'SELECT * FROM windows'), [
    { window_start: start, window_end: E1, window_ts: ts, events: 6 },
  ]);
  assert.equal(read(dbPath, 'SELECT * FROM client_page_visits ORDER BY client_id, topic, page'), [
    { window_start: start, window_end: E1, window_ts: ts, client_id: 'c1', topic: 'Action', page: 'Die Hard', visits: 2 },
    { window_start: start, window_end: E1, window_ts: ts, client_id: 'c2', topic: 'Action', page: 'Die Hard', visits: 1 },
    { window_start: start, window_end: E1, window_ts: ts, client_id: 'c2', topic: 'Comedy', page: 'Airplane!', visits: 3 },
  ]);
  assert.equal(read(dbPath, 'SELECT * FROM page_unique_visitors ORDER BY topic, page'), [
    { window_start: start, window_end: E1, window_ts: ts, topic: 'Action', page: 'Die Hard', visitors: 2 },
    { window_start: start, window_end: E1, window_ts: ts, topic: 'Comedy', page: 'Airplane!', visitors: 1 },
  ]);
  const types = read(
    dbPath,
    'SELECT DISTINCT typeof(window_start) AS a, typeof(window_end) AS b, typeof(window_ts) AS c, typeof(visits) AS d FROM client_page_visits',
  );
  assert.equal(types, [{ a: 'integer', b: 'integer', c: 'integer', d: 'integer' }]);
});

test('a replay of a window with fewer rows leaves exactly its latest rows and other windows alone', async () => {
  const dbPath = freshPath();
  const untouched = windowRows({ end: E2, visits: [['c9', 'Drama', 'Heat', 1]], visitors: [['Drama', 'Heat', 1]] });
  const replay = windowRows({
    end: E1,
    visits: [['c3', 'Action', 'Alien', 4]],
    visitors: [['Action', 'Alien', 1]],
  });
  await writeAll(dbPath, [FIRST_E1, untouched], [replay]);
  assert.equal(read(dbPath, 'SELECT client_id, topic, page, visits FROM client_page_visits WHERE window_end = ?', E1), [
    { client_id: 'c3', topic: 'Action', page: 'Alien', visits: 4 },
  ]);
  assert.equal(read(dbPath, 'SELECT topic, page, visitors FROM page_unique_visitors WHERE window_end = ?', E1), [
    { topic: 'Action', page: 'Alien', visitors: 1 },
  ]);
  assert.equal(read(dbPath, 'SELECT window_end, events FROM windows ORDER BY window_end'), [
    { window_end: E1, events: 4 },
    { window_end: E2, events: 1 },
  ]);
  assert.equal(read(dbPath, 'SELECT count(*) AS n FROM client_page_visits WHERE window_end = ?', E2), [{ n: 1 }]);
  assert.equal(read(dbPath, 'SELECT count(*) AS n FROM page_unique_visitors WHERE window_end = ?', E2), [{ n: 1 }]);
});

test('a replay that reopens the database replaces the window too', async () => {
  const dbPath = freshPath();
  await writeAll(dbPath, [FIRST_E1]);
  await writeAll(dbPath, [windowRows({ end: E1, visits: [['c1', 'Action', 'Die Hard', 7]], visitors: [['Action', 'Die Hard', 1]] })]);
  assert.equal(read(dbPath, 'SELECT client_id, visits FROM client_page_visits'), [{ client_id: 'c1', visits: 7 }]);
  assert.equal(read(dbPath, 'SELECT count(*) AS n FROM page_unique_visitors'), [{ n: 1 }]);
});

test('several windows in one call are all written', async () => {
  const dbPath = freshPath();
  const windows = [E1, E2, E3].map((end, i) =>
    windowRows({
      end,
      visits: [[`c${i}`, 'Action', `Page ${i}`, i + 1]],
      visitors: [['Action', `Page ${i}`, 1]],
    }),
  );
  await writeAll(dbPath, windows);
  assert.equal(read(dbPath, 'SELECT window_end, events FROM windows ORDER BY window_end'), [
    { window_end: E1, events: 1 },
    { window_end: E2, events: 2 },
    { window_end: E3, events: 3 },
  ]);
  assert.equal(read(dbPath, 'SELECT window_end, page FROM client_page_visits ORDER BY window_end'), [
    { window_end: E1, page: 'Page 0' },
    { window_end: E2, page: 'Page 1' },
    { window_end: E3, page: 'Page 2' },
  ]);
});

test('one call is one transaction: a bad window leaves none of the call written', async () => {
  const dbPath = freshPath();
  const good = windowRows({ end: E2, visits: [['c1', 'Action', 'Alien', 1]], visitors: [['Action', 'Alien', 1]] });
  const broken = windowRows({ end: E3, visits: [['c1', 'Action', 'Heat', 1]], visitors: [['Action', 'Heat', 1]] });
  broken.clientPageVisits.pages.pop();
  const sink = createSqliteSink(dbPath);
  await sink.open();
  await sink.writeWindows([FIRST_E1], { job: 'g', closedThrough: E1 });
  try {
    await sink.writeWindows([good, broken], { job: 'g', closedThrough: E3 });
    assert.unreachable('a window with misaligned columns must be refused');
  } catch (error) {
    assert.match(error.message, String(E3));
    assert.is(await sink.readProgress('g'), E1, 'progress of a failed call is not recorded');
  } finally {
    await sink.close();
  }
  assert.equal(read(dbPath, 'SELECT window_end FROM windows'), [{ window_end: E1 }]);
  assert.equal(read(dbPath, 'SELECT count(*) AS n FROM client_page_visits'), [{ n: 3 }]);
});

test('writing before open is refused', async () => {
  const sink = createSqliteSink(freshPath());
  try {
    await sink.writeWindows([FIRST_E1], null);
    assert.unreachable('write before open must fail');
  } catch (error) {
    assert.match(error.message, 'not open');
  }
});

test('progress is per job, survives reopening, and never moves back', async () => {
  const dbPath = freshPath();
  let sink = createSqliteSink(dbPath);
  await sink.open();
  assert.is(await sink.readProgress('group/topic'), -Infinity);
  await sink.writeWindows([FIRST_E1], { job: 'group/topic', closedThrough: E2 });
  await sink.writeWindows([], { job: 'other/topic', closedThrough: E1 });
  await sink.writeWindows([], { job: 'group/topic', closedThrough: E1 });
  await sink.writeWindows([], null);
  await sink.close();
  sink = createSqliteSink(dbPath);
  await sink.open();
  assert.is(await sink.readProgress('group/topic'), E2);
  assert.is(await sink.readProgress('other/topic'), E1);
  assert.is(await sink.readProgress('never/ran'), -Infinity);
  await sink.close();
  assert.equal(read(dbPath, 'SELECT window_end FROM windows'), [{ window_end: E1 }]);
});

test('recommender reads and replay deletes are index searches with no sort', async () => {
  const dbPath = freshPath();
  await writeAll(dbPath, [FIRST_E1]);
  const deletes = ['client_page_visits', 'page_unique_visitors', 'windows'].map(
    (table) => `DELETE FROM ${table} WHERE window_end = ?`,
  );
  for (const sql of [...Object.values(SQLITE_READS), ...deletes]) {
    const params = Array.from(sql.matchAll(/\?/g), () => 1);
    const plan = read(dbPath, `EXPLAIN QUERY PLAN ${sql}`, ...params).map((row) => row.detail);
    assert.ok(
      plan.every((step) => step.startsWith('SEARCH ') && !step.includes('TEMP B-TREE')),
      `${sql}\n  plan: ${plan.join(' | ')}`,
    );
  }
});

test.run();
