'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('uvu');
const assert = require('uvu/assert');
const Database = require('better-sqlite3');
const { createSqliteSink } = require('../../dist/sinks/sqlite/sqlite-sink');
const { SQLITE_READS } = require('../../dist/sinks/sqlite/sqlite-reader');
const { windowRows, SLIDE } = require('../helpers/window-rows');
const { KeyOrder } = require('../../dist/sinks/key-order');
const { mergedCloses, random } = require('../helpers/emissions');
const { WHOLE, jobScope, deliveredThrough, TEST_IDENTITY } = require('../helpers/scopes');

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-sqlite-sink-'));
let nextDb = 0;

/** A fresh database path in a directory that does not exist yet. */
function freshPath() {
  nextDb += 1;
  return path.join(TMP, `run-${nextDb}`, 'nested', 'clickstream.db');
}

async function writeAll(dbPath, ...calls) {
  const sink = createSqliteSink(dbPath, TEST_IDENTITY);
  await sink.open();
  try {
    for (const windows of calls) await sink.write(windows, WHOLE, Infinity);
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

test('open creates the parent directory, the three tables and its own records (progress, job, writer)', async () => {
  const dbPath = freshPath();
  await writeAll(dbPath);
  const tables = read(dbPath, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map((r) => r.name);
  assert.equal(tables, ['client_page_visits', 'page_unique_visitors', 'partition_progress', 'store_job', 'store_writer', 'windows']);
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
  const sink = createSqliteSink(dbPath, TEST_IDENTITY);
  await sink.open();
  await sink.write([FIRST_E1], jobScope('g'), E1);
  try {
    await sink.write([good, broken], jobScope('g'), E3);
    assert.unreachable('a window with misaligned columns must be refused');
  } catch (error) {
    assert.match(error.message, String(E3));
    assert.is(await deliveredThrough(sink, 'g'), E1, 'progress of a failed call is not recorded');
  } finally {
    await sink.close();
  }
  assert.equal(read(dbPath, 'SELECT window_end FROM windows'), [{ window_end: E1 }]);
  assert.equal(read(dbPath, 'SELECT count(*) AS n FROM client_page_visits'), [{ n: 3 }]);
});

test('writing before open is refused', async () => {
  const sink = createSqliteSink(freshPath(), TEST_IDENTITY);
  try {
    await sink.write([FIRST_E1], WHOLE, Infinity);
    assert.unreachable('write before open must fail');
  } catch (error) {
    assert.match(error.message, 'not open');
  }
});

test('progress is per job, survives reopening, and never moves back', async () => {
  const dbPath = freshPath();
  let sink = createSqliteSink(dbPath, TEST_IDENTITY);
  await sink.open();
  assert.is(await deliveredThrough(sink, 'group/topic'), -Infinity);
  await sink.write([FIRST_E1], jobScope('group/topic'), E2);
  await sink.write([], jobScope('other/topic'), E1);
  await sink.write([], jobScope('group/topic'), E1);
  await sink.write([], WHOLE, Infinity);
  await sink.close();
  sink = createSqliteSink(dbPath, TEST_IDENTITY);
  await sink.open();
  assert.is(await deliveredThrough(sink, 'group/topic'), E2);
  assert.is(await deliveredThrough(sink, 'other/topic'), E1);
  assert.is(await deliveredThrough(sink, 'never/ran'), -Infinity);
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

// The bulk path (multi-row inserts in key order from the windows' columns) against a plain reference:
// one INSERT per row from the windows' string arrays, as the sink wrote before 2026-11-30.

/** The same calls the way the sink wrote them before: per window delete, then one INSERT per row. */
async function writeReference(dbPath, calls) {
  await writeAll(dbPath); // the schema
  const db = new Database(dbPath);
  const tables = ['client_page_visits', 'page_unique_visitors', 'windows'];
  const deletes = tables.map((table) => db.prepare(`DELETE FROM ${table} WHERE window_end = ?`));
  const insertWindow = db.prepare('INSERT INTO windows VALUES (?, ?, ?, ?)');
  const insertVisit = db.prepare('INSERT INTO client_page_visits VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertVisitor = db.prepare('INSERT INTO page_unique_visitors VALUES (?, ?, ?, ?, ?, ?)');
  const write = db.transaction((windows) => {
    for (const w of windows) {
      for (const remove of deletes) remove.run(w.windowEnd);
      const times = [w.windowStart, w.windowEnd, w.windowTs];
      insertWindow.run(...times, w.events);
      const v = w.clientPageVisits;
      for (let i = 0; i < v.clientIds.length; i++) insertVisit.run(...times, v.clientIds[i], v.topics[i], v.pages[i], v.visits[i]);
      const p = w.pageUniqueVisitors;
      for (let i = 0; i < p.topics.length; i++) insertVisitor.run(...times, p.topics[i], p.pages[i], p.visitors[i]);
    }
  });
  for (const windows of calls) write(windows);
  db.close();
}

/** Every row of the three tables in key order, each value with its SQLite type. */
function contents(dbPath) {
  const db = new Database(dbPath, { readonly: true });
  try {
    const typed = (sql) =>
      db
        .prepare(sql)
        .raw()
        .all()
        .map((row) => row.map((value) => [typeof value, value]));
    return {
      windows: typed('SELECT * FROM windows ORDER BY window_end'),
      client_page_visits: typed('SELECT * FROM client_page_visits ORDER BY window_end, client_id, topic, page'),
      page_unique_visitors: typed('SELECT * FROM page_unique_visitors ORDER BY window_end, topic, page'),
      types: db
        .prepare(
          'SELECT DISTINCT typeof(window_start), typeof(window_end), typeof(window_ts), typeof(client_id), typeof(topic), typeof(page), typeof(visits) FROM client_page_visits',
        )
        .raw()
        .all(),
    };
  } finally {
    db.close();
  }
}

test('windows merged from shards, hostile names included: the same rows as the reference, replays included', async () => {
  for (let seed = 1; seed <= 6; seed++) {
    const shards = 1 + (seed % 3);
    const first = mergedCloses({ seed, shards, closes: 5, rowsPerWindow: 300 });
    // The same window ends again with other rows: each window's latest write must be all that is left of it.
    const replay = mergedCloses({ seed: seed + 100, shards, closes: 3, rowsPerWindow: 150 });
    const calls = [...first, ...replay];
    const [sinkDb, referenceDb] = [freshPath(), freshPath()];
    await writeAll(sinkDb, ...calls);
    await writeReference(referenceDb, calls);
    const actual = contents(sinkDb);
    assert.ok(actual.client_page_visits.length > 500, `seed ${seed}: enough rows to mean something`);
    assert.equal(actual.types, [['integer', 'integer', 'integer', 'text', 'text', 'text', 'integer']]);
    assert.equal(actual, contents(referenceDb), `seed ${seed}, ${shards} shards`);
  }
});

test('row counts around the rows of one multi-row insert all arrive', async () => {
  const counts = [0, 1, 63, 64, 65, 127, 128, 129, 1000];
  const windows = counts.map((n, i) =>
    windowRows({
      end: (10 + i) * SLIDE,
      visits: Array.from({ length: n }, (_, r) => [`client ${r}`, `topic ${r % 3}`, `page ${r % 7}`, 1 + (r % 4)]),
      visitors: Array.from({ length: n }, (_, r) => [`topic ${r}`, `page ${r}`, 1 + r]),
    }),
  );
  const [sinkDb, referenceDb] = [freshPath(), freshPath()];
  await writeAll(sinkDb, windows.slice(0, 4), windows.slice(4));
  await writeReference(referenceDb, [windows]);
  const actual = contents(sinkDb);
  assert.is(actual.client_page_visits.length, counts.reduce((a, b) => a + b, 0));
  assert.equal(actual, contents(referenceDb));
});

test('a replay leaves exactly the latest rows of the window, whichever is larger', async () => {
  const end = 20 * SLIDE;
  const many = windowRows({ end, visits: Array.from({ length: 200 }, (_, r) => [`c${r}`, 'T', `P${r % 9}`, 1]), visitors: [['T', 'P0', 200]] });
  const few = windowRows({ end, visits: [['c7', 'T', 'P7', 5]], visitors: [['T', 'P7', 1]] });
  const dbPath = freshPath();
  await writeAll(dbPath, [many], [few]);
  const reference = freshPath();
  await writeReference(reference, [[few]]);
  assert.equal(contents(dbPath), contents(reference));
  await writeAll(dbPath, [few], [many]);
  const again = freshPath();
  await writeReference(again, [[many]]);
  assert.equal(contents(dbPath), contents(again));
});

test('a window with a duplicate key fails its whole call, progress included, and the sink goes on', async () => {
  const dbPath = freshPath();
  const good = windowRows({ end: 30 * SLIDE, visits: [['c1', 'T', 'P', 1]], visitors: [['T', 'P', 1]] });
  const duplicate = windowRows({
    end: 31 * SLIDE,
    visits: Array.from({ length: 100 }, (_, r) => [r === 70 ? 'c3' : `c${r}`, 'T', 'P', 1]),
    visitors: [['T', 'P', 99]],
  });
  const later = windowRows({ end: 32 * SLIDE, visits: [['c2', 'T', 'P', 2]], visitors: [['T', 'P', 1]] });
  const sink = createSqliteSink(dbPath, TEST_IDENTITY);
  await sink.open();
  try {
    await sink.write([good], jobScope('j'), 30 * SLIDE);
    let error = null;
    await sink.write([later, duplicate], jobScope('j'), 31 * SLIDE).catch((e) => (error = e));
    assert.ok(error, 'the duplicate key fails the call');
    assert.is(await deliveredThrough(sink, 'j'), 30 * SLIDE);
    await sink.write([later], jobScope('j'), 32 * SLIDE);
    assert.is(await deliveredThrough(sink, 'j'), 32 * SLIDE);
  } finally {
    await sink.close();
  }
  const rows = contents(dbPath).client_page_visits.map((row) => row[1][1]);
  assert.equal(rows, [30 * SLIDE, 32 * SLIDE]);
});

test('opening a database of an earlier version drops the index its reads no longer use', async () => {
  const dbPath = freshPath();
  await writeAll(dbPath);
  const db = new Database(dbPath);
  db.exec('CREATE INDEX client_page_visits_by_client ON client_page_visits (client_id, topic, window_end, page)');
  db.close();
  await writeAll(dbPath, [windowRows({ end: 40 * SLIDE, visits: [['c', 'T', 'P', 1]], visitors: [['T', 'P', 1]] })]);
  const check = new Database(dbPath, { readonly: true });
  const indexes = check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").pluck().all();
  check.close();
  assert.equal(indexes, ['page_unique_visitors_top']);
});

test('the insert order is a permutation of the rows in (client_id, topic, page) order, across shards and growing names', () => {
  const next = random(5);
  const order = new KeyOrder();
  const shards = [0, 1].map(() => ({ clients: [], topics: [], pages: [], seen: new Set() }));
  for (let step = 0; step < 6; step++) {
    const runs = shards.map((names, s) => {
      for (let i = 0; i < 300; i++) {
        const client = `c${s}-${Math.floor(next() * 1e6)}`;
        if (names.seen.has(client)) continue;
        names.seen.add(client);
        names.clients.push(client);
      }
      for (let i = 0; i < 20; i++) {
        names.topics.push(`t${Math.floor(next() * 4)}`);
        names.pages.push(`p${names.pages.length}`);
      }
      const rows = new Uint32Array(3 * 510);
      for (let r = 0; r < 510; r++) {
        rows[3 * r] = Math.floor(next() * names.clients.length);
        rows[3 * r + 1] = Math.floor(next() * names.pages.length);
      }
      return { names, rows, from: 5, to: 505 };
    });
    const use = step % 2 === 0 ? runs.slice(0, 1) : runs;
    const inOrder = order.visits({ visits: use });
    const keys = Array.from(inOrder.rows, (row, i) => {
      const { names, rows, from, to } = use[inOrder.runs[i]];
      assert.ok(row >= from && row < to, 'a row of the run');
      return [names.clients[rows[3 * row]], names.topics[rows[3 * row + 1]], names.pages[rows[3 * row + 1]], inOrder.runs[i], row];
    });
    assert.is(new Set(keys.map((k) => `${k[3]}/${k[4]}`)).size, 500 * use.length, 'every row once');
    const sorted = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
    assert.equal(keys.map((k) => k.slice(0, 3)), sorted.map((k) => k.slice(0, 3)), `step ${step}`);
  }
});

test.run();
