'use strict';
// Shared mode against the local Cassandra: instances that write their shares of the same windows,
// in any order, replays included, must leave exactly the tables of one sink writing the windows whole.
const { test } = require('uvu');
const assert = require('uvu/assert');
const cassandra = require('cassandra-driver');
const { serverTest, CASSANDRA_CONTACT, LOCAL_DC } = require('../helpers/services');
const { referenceRows } = require('../helpers/reference');
const { makeEvents } = require('../helpers/events');
const { partitionOf, windowsOf } = require('../helpers/share-windows');
const { createCassandraSink } = require('../../dist/sinks/cassandra/cassandra-sink');
const { TEST_IDENTITY } = require('../helpers/scopes');

const { types } = cassandra;
const KEYSPACE = `cs_shares_${Date.now()}`;
const JOB = 'group/topic';
const PARTITIONS = 4;
const WINDOW = { windowMs: 10_000, slideMs: 5_000, latenessMs: 10_000 };
/** The tables a reader sees; shared mode's own tables are checked on their own. */
const RESULT_TABLES = ['windows', 'client_page_visits', 'page_unique_visitors', 'topic_windows', 'topic_latest_window'];

// Across a UTC midnight, so windows and topics fall in two day partitions.
const EVENTS = makeEvents({ count: 2000, seed: 13, clients: 60, start: Date.UTC(2017, 0, 25, 23, 59, 20), stepMs: 50 });

/** The windows of the events of `partitions` (all by default), as an instance owning them aggregates them. */
function windowsOfPartitions(partitions = [0, 1, 2, 3]) {
  const events = EVENTS.filter((e) => partitions.includes(partitionOf(e.client, PARTITIONS)));
  const { rows, late } = referenceRows(events, WINDOW);
  assert.is(late, 0);
  return windowsOf(rows);
}

const WHOLE = windowsOfPartitions();
const ENDS = WHOLE.map((w) => w.windowEnd);
const LAST = ENDS[ENDS.length - 1];
const [C1, C2] = [ENDS[5], ENDS[12]];

/** The windows of a close: ending after `after`, at or before `through`. */
const closing = (windows, after, through) => windows.filter((w) => w.windowEnd > after && w.windowEnd <= through);

const scopeOf = (owned, delivered = new Map()) => ({ job: JOB, partitionCount: PARTITIONS, owned, delivered });

/** readPartitions' map as [partition, state] pairs by partition. */
const byPartition = (states) => [...states].sort(([a], [b]) => a - b);

const keyspaces = [];
let admin;

async function adminClient() {
  admin ??= new cassandra.Client({ contactPoints: [CASSANDRA_CONTACT], localDataCenter: LOCAL_DC });
  await admin.connect();
  return admin;
}

serverTest.after(async () => {
  if (admin === undefined) return;
  for (const keyspace of keyspaces) await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await admin.shutdown();
});

/** Opens `count` sinks on a fresh keyspace named `name`, runs `use` with them, closes them. */
async function withSinks(name, count, use) {
  const keyspace = `${KEYSPACE}_${name}`;
  keyspaces.push(keyspace);
  const config = { contactPoints: [CASSANDRA_CONTACT], keyspace, localDataCenter: LOCAL_DC, tls: null };
  const sinks = Array.from({ length: count }, () => createCassandraSink(config, TEST_IDENTITY));
  for (const sink of sinks) await sink.open();
  try {
    await use(...sinks);
  } finally {
    for (const sink of sinks) await sink.close();
  }
  return keyspace;
}

/** Every row of a table as plain objects (bigint as numbers), in a stable order. */
async function rowsOf(keyspace, table) {
  const client = await adminClient();
  const result = await client.execute(`SELECT * FROM ${keyspace}.${table}`, [], { fetchSize: 100_000 });
  const plain = result.rows.map((row) =>
    Object.fromEntries(result.columns.map(({ name }) => [name, row[name] instanceof types.Long ? row[name].toNumber() : row[name]])));
  return plain.map((row) => JSON.stringify(row, Object.keys(row).sort())).sort().map((text) => JSON.parse(text));
}

let wholeKeyspace;

/** The tables of one sink writing every window whole (single-owner mode), written once. */
async function wholeTables() {
  wholeKeyspace ??= await withSinks('whole', 1, (sink) => sink.write(WHOLE, { job: null, partitionCount: 1, owned: [0], delivered: new Map() }, Infinity));
  return tablesOf(wholeKeyspace);
}

async function tablesOf(keyspace) {
  return Object.fromEntries(await Promise.all(RESULT_TABLES.map(async (table) => [table, await rowsOf(keyspace, table)])));
}

async function assertSameTables(keyspace) {
  const expected = await wholeTables();
  assert.ok(expected.client_page_visits.length > 1000, 'a workload of many rows');
  const actual = await tablesOf(keyspace);
  for (const table of RESULT_TABLES) assert.equal(actual[table], expected[table], table);
}

/** Pending rows a merge check will still read: none once every window is merged. */
async function assertNothingPending(keyspace) {
  const [progress] = await rowsOf(keyspace, 'partition_progress');
  const pending = await rowsOf(keyspace, 'pending_windows');
  assert.equal(pending.filter((row) => row.window_end > progress.merged_through), []);
}

serverTest('two instances writing their shares in interleaved closes, one close twice, leave the tables of one whole writer', async () => {
  const A = [0, 2];
  const B = [1, 3];
  const windowsA = windowsOfPartitions(A);
  const windowsB = windowsOfPartitions(B);
  const keyspace = await withSinks('interleaved', 2, async (a, b) => {
    const scopeA = scopeOf(A);
    const scopeB = scopeOf(B);
    await b.write(closing(windowsB, -Infinity, C1), scopeB, C1);
    await b.write(closing(windowsB, C1, C2), scopeB, C2);
    await a.write(closing(windowsA, -Infinity, C1), scopeA, C1);
    // A catches up while B replays its last close (it crashed before committing), at once.
    await Promise.all([a.write(closing(windowsA, C1, C2), scopeA, C2), b.write(closing(windowsB, C1, C2), scopeB, C2)]);
    // B in a new generation: it reads where its partitions are, and ends them (--stop-at-end).
    const states = await b.readPartitions(JOB);
    assert.equal(byPartition(states), [[0, { delivered: C2, ended: false }], [1, { delivered: C2, ended: false }],
      [2, { delivered: C2, ended: false }], [3, { delivered: C2, ended: false }]]);
    await b.write(closing(windowsB, C2, LAST), scopeOf(B, new Map(B.map((p) => [p, states.get(p).delivered]))), Infinity);
    await a.write(closing(windowsA, C2, LAST), scopeA, LAST);
    const lastB = windowsB[windowsB.length - 1].windowEnd;
    assert.equal(byPartition(await a.readPartitions(JOB)), [[0, { delivered: LAST, ended: false }], [1, { delivered: lastB, ended: true }],
      [2, { delivered: LAST, ended: false }], [3, { delivered: lastB, ended: true }]]);
  });
  await assertSameTables(keyspace);
  await assertNothingPending(keyspace);
});

serverTest('shares of one window written in the opposite order, and by a third owner after a rebalance, merge the same', async () => {
  const keyspace = await withSinks('rebalanced', 3, async (a, b, c) => {
    // Generation 1: A owns 0 and 1, B owns 2 and 3; A goes first this time and stops at C1.
    await a.write(closing(windowsOfPartitions([0, 1]), -Infinity, C1), scopeOf([0, 1]), C1);
    await b.write(closing(windowsOfPartitions([2, 3]), -Infinity, C2), scopeOf([2, 3]), C2);
    // Generation 2: C took partition 1 from A (delivered C1) and owns 3 too (delivered C2); A keeps 0.
    const states = await c.readPartitions(JOB);
    const scopeC = scopeOf([1, 3], new Map([[1, states.get(1).delivered], [3, states.get(3).delivered]]));
    await Promise.all([
      c.write(windowsOfPartitions([1, 3]), scopeC, LAST),
      a.write(closing(windowsOfPartitions([0]), C1, LAST), scopeOf([0], new Map([[0, C1]])), LAST),
      b.write(closing(windowsOfPartitions([2]), C2, LAST), scopeOf([2], new Map([[2, C2]])), LAST),
    ]);
  });
  await assertSameTables(keyspace);
  await assertNothingPending(keyspace);
});

serverTest('the fast path writes whole, and stale shares before or after it never replace its rows', async () => {
  const keyspace = await withSinks('fast', 3, async (whole, before, after) => {
    // A stale owner of 0 and 1 wrote its shares and progress while the new owner of every partition
    // still believed nothing delivered: the new owner takes the fast path over them.
    await before.write(windowsOfPartitions([0, 1]), scopeOf([0, 1]), LAST);
    await whole.write(closing(WHOLE, -Infinity, C1), scopeOf([0, 1, 2, 3]), C1);
    await whole.write(closing(WHOLE, C1, LAST), scopeOf([0, 1, 2, 3]), Infinity);
    // And one of 2 and 3, stalled until now, writes them again.
    await after.write(windowsOfPartitions([2, 3]), scopeOf([2, 3]), LAST);
  });
  await assertSameTables(keyspace);
  await assertNothingPending(keyspace);
  const marked = (await rowsOf(keyspace, 'window_partials')).filter((row) => row.partition === -1).map((row) => row.window_end);
  assert.equal(marked.sort((a, b) => a - b), ENDS, 'every window marked whole');
});

test.run();
