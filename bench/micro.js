'use strict';
// Micro-benchmarks of the hot paths (tinybench), each beside a bare baseline where one exists, over the
// same synthetic production messages. Best of several short rounds per task: on a shared machine
// interference only ever slows a round down. `npm run bench:micro` (builds first). The sink tasks
// merge a fresh close each pass and format it (JSONL, into memory) or write it (SQLite, files in a
// temporary directory, WAL and synchronous=FULL), beside the sinks' code before 2026-11-30.
const { createGenerator } = require('../dist/sources/synthetic/generator');
const { parseEvent, createParsedEvent } = require('../dist/parsing/event');
const { scanEvent, createScannedEvent } = require('../dist/parsing/scan');
const { shardOf } = require('../dist/sharding/shard-of');
const { ShardBatchBuilder } = require('../dist/wire/shard-batch');
const { ShardWindows } = require('../dist/aggregation/shard-windows');
const { WindowMerger } = require('../dist/writer/merge');
const { createWindowSpec } = require('../dist/windows/spec');
const { JsonlFormatter } = require('../dist/sinks/jsonl/formatter');
const { createSqliteSink } = require('../dist/sinks/sqlite/sqlite-sink');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Database = require('better-sqlite3');
const { referenceLines } = require('../test/helpers/jsonl-reference');
const { WHOLE, TEST_IDENTITY } = require('../test/helpers/scopes');

const EVENTS = 20_000;
const JSON_PARSE = 'baseline: JSON.parse(bytes.toString())';
const MAP_COUNT = 'baseline: Map count by client_id';
const SCAN = 'parse + validate: scanEvent (fast path)';
const COMBINE = 'combine: ShardWindows.add (per-pane combiner)';
const CLOSE = 'window + encode: add, close, encode for the writer';
const JSONL_OLD = 'baseline: JSONL lines by JSON.stringify (sink before 2026-11-30)';
const SQLITE_OLD = 'baseline: SQLite, an INSERT a row (sink before 2026-11-30)';
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-micro-'));

/**
 * The SQLite sink before 2026-11-30, for comparison: the same tables plus the index by client it kept,
 * an INSERT per row in the windows' string arrays' order, one transaction per call, WAL and FULL.
 */
function oldSqliteWriter(file) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`
    CREATE TABLE client_page_visits (window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, window_ts INTEGER NOT NULL, client_id TEXT NOT NULL, topic TEXT NOT NULL, page TEXT NOT NULL, visits INTEGER NOT NULL, PRIMARY KEY (window_end, client_id, topic, page)) WITHOUT ROWID;
    CREATE INDEX client_page_visits_by_client ON client_page_visits (client_id, topic, window_end, page);
    CREATE TABLE page_unique_visitors (window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, window_ts INTEGER NOT NULL, topic TEXT NOT NULL, page TEXT NOT NULL, visitors INTEGER NOT NULL, PRIMARY KEY (window_end, topic, page)) WITHOUT ROWID;
    CREATE INDEX page_unique_visitors_top ON page_unique_visitors (topic, window_end, visitors DESC, page);
    CREATE TABLE windows (window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, window_ts INTEGER NOT NULL, events INTEGER NOT NULL, PRIMARY KEY (window_end));`);
  const deletes = ['client_page_visits', 'page_unique_visitors', 'windows'].map((t) => db.prepare(`DELETE FROM ${t} WHERE window_end = ?`));
  const insertWindow = db.prepare('INSERT INTO windows VALUES (?, ?, ?, ?)');
  const insertVisits = db.prepare('INSERT INTO client_page_visits VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertVisitors = db.prepare('INSERT INTO page_unique_visitors VALUES (?, ?, ?, ?, ?, ?)');
  return db.transaction((windows) => {
    for (const w of windows) {
      for (const remove of deletes) remove.run(w.windowEnd);
      insertWindow.run(w.windowStart, w.windowEnd, w.windowTs, w.events);
      const v = w.clientPageVisits;
      for (let i = 0; i < v.clientIds.length; i++) insertVisits.run(w.windowStart, w.windowEnd, w.windowTs, v.clientIds[i], v.topics[i], v.pages[i], v.visits[i]);
      const p = w.pageUniqueVisitors;
      for (let i = 0; i < p.topics.length; i++) insertVisitors.run(w.windowStart, w.windowEnd, w.windowTs, p.topics[i], p.pages[i], p.visitors[i]);
    }
  });
}

function fixtures() {
  const messages = createGenerator('production', 1).next(EVENTS);
  const scanned = createScannedEvent();
  const parsed = createParsedEvent();
  const builder = new ShardBatchBuilder(EVENTS, false);
  const clientIds = [];
  // Every event at time 0: a pass is one pane of traffic, whatever the generator's clock says.
  for (const message of messages) {
    if (!scanEvent(message, scanned)) throw new Error(`not on the fast path: ${message}`);
    builder.appendBytes(scanned.bytes, scanned, 0, 0);
    parseEvent(message, parsed);
    clientIds.push(parsed.clientId);
  }
  return { messages, clientIds, batch: builder.take() };
}

/** name → [one pass over EVENTS events, the task it is compared with]. */
async function tasksOf({ messages, clientIds, batch }, count) {
  const scanned = createScannedEvent();
  const parsed = createParsedEvent();
  // One pane of a 2-minute window sliding by 1 minute: the whole pass lands in one window pair.
  const spec = createWindowSpec(120_000, 60_000);
  const generator = createGenerator('production', 2);
  // Steady state: long-lived shards that already know the clients and pages, as in a running job.
  const combining = new ShardWindows(spec);
  combining.add(batch);
  const merger = new WindowMerger();
  // Each pass is the next 2 minutes of event time, then closes its windows. A shard per task: the
  // writer must see every emission of the shard it merges (the first says where the names are).
  const closer = () => {
    const closing = new ShardWindows(spec);
    const own = { ...batch, times: Float64Array.from(batch.times) };
    return () => {
      for (let i = 0; i < own.count; i++) own.times[i] += spec.windowMs;
      closing.add(own);
      return closing.close(own.times[0] + spec.windowMs);
    };
  };
  const [closed, closedForMerge] = [closer(), closer()];
  // Each sink task writes the windows of its own shard of time, merged from a fresh close each pass.
  const sinkInput = () => {
    const close = closer();
    const sinkMerger = new WindowMerger();
    return () => sinkMerger.merge([close()]);
  };
  const [oldJsonl, newJsonl, oldSqlite, newSqlite] = [sinkInput(), sinkInput(), sinkInput(), sinkInput()];
  const formatter = new JsonlFormatter((bytes) => count(bytes.length));
  const writeOldSqlite = oldSqliteWriter(path.join(TMP, 'old.db'));
  const sqliteSink = createSqliteSink(path.join(TMP, 'new.db'), TEST_IDENTITY);
  await sqliteSink.open();
  return {
    [JSON_PARSE]: [() => { for (const m of messages) count(JSON.parse(m.toString()).url.page.length); }],
    'parse + validate: parseEvent (full parser)': [() => { for (const m of messages) count(parseEvent(m, parsed) === null); }, JSON_PARSE],
    [SCAN]: [() => { for (const m of messages) count(scanEvent(m, scanned)); }, JSON_PARSE],
    [MAP_COUNT]: [() => { const m = new Map(); for (const id of clientIds) m.set(id, (m.get(id) ?? 0) + 1); count(m.size); }],
    'shard: shardOf(client_id)': [() => { for (const id of clientIds) count(shardOf(id, 2)); }],
    'batch: scanEvent + appendBytes to a shard batch': [() => {
      const builder = new ShardBatchBuilder(EVENTS, false);
      for (const m of messages) {
        scanEvent(m, scanned);
        builder.appendBytes(scanned.bytes, scanned, scanned.timestamp, scanned.timestamp);
      }
      count(builder.take().count);
    }, SCAN],
    [COMBINE]: [() => { combining.add(batch); count(combining.openPanes()); }, MAP_COUNT],
    [CLOSE]: [() => count(closed().bytes.byteLength), COMBINE],
    'writer: merge shards + materialize rows': [() => {
      for (const window of merger.merge([closedForMerge()])) count(window.clientPageVisits.clientIds.length);
    }, CLOSE],
    [JSONL_OLD]: [() => { for (const window of oldJsonl()) count(Buffer.from(referenceLines(window), 'utf8').length); }],
    'jsonl: merge + JsonlFormatter (bytes from the columns)': [() => {
      for (const window of newJsonl()) formatter.window(window);
      formatter.flush();
    }, JSONL_OLD],
    [SQLITE_OLD]: [() => { const windows = oldSqlite(); writeOldSqlite(windows); count(windows.length); }],
    'sqlite: merge + sink (64-row inserts in key order)': [async () => {
      const windows = newSqlite();
      await sqliteSink.write(windows, WHOLE, Infinity);
      count(windows.length);
    }, SQLITE_OLD],
    'source: generator production next(4096)': [() => { for (let n = 0; n < EVENTS; n += 4096) count(generator.next(4096).length); }],
  };
}

async function run({ rounds = 3, time = 300 } = {}) {
  const { Bench } = await import('tinybench');
  let sink = 0;
  const tasks = await tasksOf(fixtures(), (value) => (sink += Number(value)));
  const best = new Map(Object.keys(tasks).map((name) => [name, 0]));
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time, warmupTime: 100 });
    for (const [name, [fn]] of Object.entries(tasks)) bench.add(name, fn);
    await bench.run();
    for (const task of bench.tasks) best.set(task.name, Math.max(best.get(task.name), task.result.throughput.mean * EVENTS));
  }
  if (sink === 0) throw new Error('nothing was computed');
  fs.rmSync(TMP, { recursive: true, force: true });
  return Object.entries(tasks).map(([name, [, baseline]]) => ({
    name,
    eventsPerSecond: Math.round(best.get(name)),
    baseline: baseline ?? null,
    ratio: baseline ? best.get(name) / best.get(baseline) : null,
  }));
}

module.exports = { run, EVENTS };

if (require.main === module) {
  run().then((results) => {
    console.log(`micro-benchmarks: ${EVENTS.toLocaleString('en')} synthetic production events per pass, best of 3 rounds, one core\n`);
    for (const { name, eventsPerSecond, baseline, ratio } of results) {
      const versus = baseline ? `  ${ratio.toFixed(2)}× ${baseline}` : '';
      console.log(`${name.padEnd(62)} ${eventsPerSecond.toLocaleString('en').padStart(12)} events/s${versus}`);
    }
  });
}
