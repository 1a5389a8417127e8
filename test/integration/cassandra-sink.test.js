'use strict';
const { spawnSync } = require('node:child_process');
const { test } = require('uvu');
const assert = require('uvu/assert');
const cassandra = require('cassandra-driver');
const { serverTest, CASSANDRA_CONTACT, LOCAL_DC } = require('../helpers/services');
const { windowRows, SLIDE } = require('../helpers/window-rows');
const { createCassandraSink } = require('../../dist/sinks/cassandra/cassandra-sink');
const { createSink } = require('../../dist/sinks/create-sink');
const { withRetry, isTransient, backoffMs } = require('../../dist/sinks/cassandra/retry');
const { createWriteClock } = require('../../dist/sinks/cassandra/write-clock');
const { forEachConcurrently } = require('../../dist/sinks/cassandra/concurrency');
const { bucketOf, dayOf, walkBackDays, CLIENT_BUCKETS, DAY_MS, WALK_BACK_DAYS } = require('../../dist/sinks/cassandra/partitions');
const { batchedInserts, planIndex, planRows, writeCql } = require('../../dist/sinks/cassandra/writes');
const { KeyOrder } = require('../../dist/sinks/key-order');
const { NameBytes } = require('../../dist/sinks/cassandra/row-batches');
const { BATCH_BYTES, PartitionBatches } = require('../../dist/sinks/cassandra/statement-bytes');
const { EncodedBatch } = require('../../dist/sinks/cassandra/encoded-batch');
const { BatchRequest } = require('cassandra-driver/lib/requests');
const { DefaultExecutionOptions } = require('cassandra-driver/lib/execution-options');
const Encoder = require('cassandra-driver/lib/encoder');
const { CASSANDRA_TABLE_NAMES } = require('../../dist/sinks/cassandra/schema');
const { WHOLE, TEST_IDENTITY } = require('../helpers/scopes');

const { errors, types } = cassandra;
const KEYSPACE = `cs_test_${Date.now()}`;
const CONFIG = { contactPoints: [CASSANDRA_CONTACT], keyspace: KEYSPACE, localDataCenter: LOCAL_DC, tls: null };

// ---- Pure parts: no server needed ----

test('timeouts, Unavailable, overload and no host are transient; bad requests are not', () => {
  const codes = types.responseErrorCodes;
  for (const code of [codes.writeTimeout, codes.readTimeout, codes.unavailableException, codes.overloaded, codes.isBootstrapping]) {
    assert.ok(isTransient(new errors.ResponseError(code, 'x')), `code ${code}`);
  }
  assert.ok(isTransient(new errors.OperationTimedOutError('timed out')));
  assert.ok(isTransient(new errors.NoHostAvailableError({})));
  for (const code of [codes.syntaxError, codes.invalid, codes.unauthorized, codes.badCredentials]) {
    assert.not.ok(isTransient(new errors.ResponseError(code, 'x')), `code ${code}`);
  }
  assert.not.ok(isTransient(new TypeError('bad value')));
});

test('backoff doubles from the first delay, caps, and keeps half of each step fixed', () => {
  const policy = { firstDelayMs: 100, maxDelayMs: 1000, giveUpAfterMs: 60_000 };
  assert.equal([1, 2, 3, 4, 5, 6].map((n) => backoffMs(policy, n, () => 1)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal([1, 2, 3, 4, 5, 6].map((n) => backoffMs(policy, n, () => 0)), [50, 100, 200, 400, 500, 500]);
});

/** A fake clock whose sleeps advance it, so retry schedules run instantly and exactly. */
function fakeTime() {
  const slept = [];
  let now = 0;
  return { slept, hooks: { now: () => now, sleep: async (ms) => { slept.push(ms); now += ms; }, random: () => 1 } };
}

test('withRetry rides out transient failures and returns the first success', async () => {
  const { slept, hooks } = fakeTime();
  let calls = 0;
  const result = await withRetry('op', async () => {
    calls += 1;
    if (calls < 4) throw new errors.NoHostAvailableError({});
    return 'done';
  }, { firstDelayMs: 100, maxDelayMs: 5000, giveUpAfterMs: 120_000 }, hooks);
  assert.is(result, 'done');
  assert.is(calls, 4);
  assert.equal(slept, [100, 200, 400]);
});

test('withRetry keeps trying for the whole budget (a 60 s outage passes), then names what failed', async () => {
  const { slept, hooks } = fakeTime();
  let calls = 0;
  const outage = async () => {
    calls += 1;
    throw new errors.ResponseError(types.responseErrorCodes.writeTimeout, 'Operation timed out - received only 0 responses.');
  };
  try {
    await withRetry('writing the window ending 60000', outage, { firstDelayMs: 100, maxDelayMs: 5000, giveUpAfterMs: 120_000 }, hooks);
    assert.unreachable('an endless outage must fail');
  } catch (error) {
    assert.match(error.message, /^writing the window ending 60000: failed \d+ times over 120 s, giving up: Operation timed out/);
  }
  assert.is(slept.reduce((a, b) => a + b, 0), 120_000, 'the last try is at the end of the budget');
  assert.ok(slept.every((ms) => ms <= 5000));
  assert.is(calls, slept.length + 1);
});

test('withRetry does not retry a request the server rejects', async () => {
  const { slept, hooks } = fakeTime();
  let calls = 0;
  try {
    await withRetry('op', async () => {
      calls += 1;
      throw new errors.ResponseError(types.responseErrorCodes.invalid, 'Undefined column name x');
    }, undefined, hooks);
    assert.unreachable();
  } catch (error) {
    assert.is(error.message, 'op: Undefined column name x');
  }
  assert.is(calls, 1);
  assert.equal(slept, []);
});

test('the write clock only goes up, by at least 2 (t and t + 1 per write), even when time steps back', () => {
  const times = [5_000, 5_000, 4_000, 9_000, 9_001];
  const clock = createWriteClock(() => times.shift());
  assert.equal([clock.next(), clock.next(), clock.next(), clock.next()], [5_000, 5_002, 5_004, 9_000]);
  assert.is(clock.next(50_000), 50_000);
});

test('forEachConcurrently keeps at most `limit` in flight and stops starting work after a failure', async () => {
  let inFlight = 0;
  let most = 0;
  const started = [];
  const items = Array.from({ length: 20 }, (_, i) => i);
  try {
    await forEachConcurrently(items, 3, async (i) => {
      started.push(i);
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      if (i === 4) throw new Error('item 4 failed');
    });
    assert.unreachable();
  } catch (error) {
    assert.is(error.message, 'item 4 failed');
  }
  assert.is(most, 3);
  assert.is(inFlight, 0, 'nothing is left running when it rejects');
  assert.ok(started.length < items.length);
});

test('bucketOf is FNV-1a of the UTF-8 bytes mod 16, and dayOf is the UTC midnight', () => {
  assert.is(CLIENT_BUCKETS, 16);
  assert.is(bucketOf(''), 0x811c9dc5 % 16);
  assert.is(bucketOf('a'), 0xe40c292c % 16);
  assert.is(bucketOf('foobar'), 0xbf9cf968 % 16);
  const counts = new Array(16).fill(0);
  for (let i = 0; i < 16_000; i++) counts[bucketOf(String(4149719179064208 + i))] += 1;
  assert.ok(counts.every((n) => n > 800 && n < 1200), `buckets are even: ${counts}`);
  assert.is(dayOf(Date.UTC(2017, 0, 25, 23, 59)), Date.UTC(2017, 0, 25));
  assert.is(dayOf(Date.UTC(2017, 0, 26)), Date.UTC(2017, 0, 26));
});

test('walkBackDays reads newest day first, stops when it has enough, and never passes its bound', async () => {
  const from = Date.UTC(2017, 0, 25, 12);
  const asked = [];
  const stored = new Map([[Date.UTC(2017, 0, 25), [from - 1]], [Date.UTC(2017, 0, 23), [from - 2 * DAY_MS, from - 2 * DAY_MS - 1]]]);
  const found = await walkBackDays(from, 2, async (day, limit) => {
    asked.push([day, limit]);
    return (stored.get(day) ?? []).slice(0, limit);
  });
  assert.equal(found, [from - 1, from - 2 * DAY_MS]);
  assert.equal(asked, [[Date.UTC(2017, 0, 25), 2], [Date.UTC(2017, 0, 24), 1], [Date.UTC(2017, 0, 23), 1]]);
  const days = [];
  assert.equal(await walkBackDays(from, 1, async (day) => (days.push(day), [])), []);
  assert.is(days.length, WALK_BACK_DAYS + 1);
});

/** A row insert's parameter, which the plan carries in wire form (bigint 8 bytes, int 4, text UTF-8). */
const numberOf = (param) => (param.length === 8 ? Number(param.readBigInt64BE()) : param.readInt32BE());
const textOf = (param) => param.toString('utf8');
/** Stand-ins for the ids the node gives the batched inserts when the sink prepares them. */
const idsOf = (cql) => new Map(batchedInserts(cql).map((query, i) => [query, Buffer.alloc(16, i + 1)]));
const encoding = (cql) => ({ order: new KeyOrder(), names: new NameBytes(), ids: idsOf(cql) });

/** The statements of a planned request: a lone one, or the rows of an encoded batch, decoded. */
function statementsOf(request, cql) {
  if (request.rows === undefined) return [request.statement];
  const queryOf = new Map([...idsOf(cql)].map(([query, id]) => [id.toString('hex'), query]));
  const { statements: bytes, count } = request.rows;
  const statements = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    assert.is(bytes[at], 1, 'a prepared statement');
    const idLength = bytes.readUInt16BE(at + 1);
    const query = queryOf.get(bytes.subarray(at + 3, at + 3 + idLength).toString('hex'));
    const values = bytes.readUInt16BE(at + 3 + idLength);
    at += 5 + idLength;
    const params = [];
    for (let k = 0; k < values; k++) {
      const length = bytes.readInt32BE(at);
      params.push(bytes.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    statements.push({ query, params });
  }
  assert.is(at, bytes.length, 'the statements fill the batch');
  return statements;
}

test('every batch of a window plan holds one partition, and replay deletes come at t, inserts at t + 1', () => {
  const cql = writeCql('ks');
  const visits = Array.from({ length: 1000 }, (_, i) => [`client ${i % 300}`, `T${i % 3}`, `page ${i}`, 1]);
  const visitors = Array.from({ length: 250 }, (_, i) => [`T${i % 3}`, `page ${i}`, 1]);
  const window = windowRows({ end: 10 * SLIDE, visits, visitors });
  const plan = { rows: planRows(cql, window, ['T0', 'Old'], 1000, encoding(cql)), index: planIndex(cql, window, new Map([['T1', 10 * SLIDE]]), 1002) };
  assert.ok(plan.index.length > 0 && plan.index.every(({ timestamp }) => timestamp === 1002), 'the index at a time of its own');
  let rows = 0;
  for (const request of plan.rows) {
    const { timestamp } = request;
    const statements = statementsOf(request, cql);
    const partitions = new Set(statements.map(({ query, params }) => {
      if (query === cql.insertVisits || query === cql.insertVisitsStatic) return `visits ${numberOf(params[0])} ${numberOf(params[1])}`;
      if (query === cql.insertVisitors || query === cql.insertVisitorsStatic) return `visitors ${numberOf(params[0])}`;
      return `other ${query}`;
    }));
    assert.is(partitions.size, 1, `a batch spans ${[...partitions]}`);
    for (const { query, params } of statements) {
      assert.is(timestamp, query.startsWith('DELETE') ? 1000 : 1001, query);
      if (query === cql.insertVisits) {
        assert.is(numberOf(params[1]), bucketOf(textOf(params[2])));
        rows += 1;
      }
    }
  }
  assert.is(rows, 1000);
  const rowStatements = plan.rows.flatMap((request) => statementsOf(request, cql));
  const statics = rowStatements.filter(({ query }) => query === cql.insertVisitsStatic || query === cql.insertVisitorsStatic);
  assert.is(statics.length, new Set(visits.map(([client]) => bucketOf(client))).size + 1, 'window times once a partition');
  const deletes = rowStatements.filter(({ query }) => query.startsWith('DELETE'));
  assert.is(deletes.length, 1 + CLIENT_BUCKETS + 2, 'one per visitors partition, visit bucket and earlier topic');
});

test('an encoded batch is the frame the driver writes for the same statements, byte for byte, and refuses values not in wire form', () => {
  const client = new cassandra.Client({ contactPoints: [CASSANDRA_CONTACT], localDataCenter: LOCAL_DC });
  const blob = { type: { code: types.dataTypes.blob } };
  const prepared = new Map([
    ['INSERT a', { queryId: Buffer.from('0123456789abcdef'), meta: { columns: [blob, blob, blob] } }],
    ['INSERT b', { queryId: Buffer.from('fedcba98'), meta: { columns: [blob, blob] } }],
  ]);
  const statements = [
    { query: 'INSERT b', params: [Buffer.from([1, 2, 3]), Buffer.alloc(0)] },
    ...Array.from({ length: 300 }, (_, i) => ({ query: 'INSERT a', params: [Buffer.from(`client ${i} é`), Buffer.alloc(8, i), Buffer.alloc(4, 7)] })),
  ];
  const items = statements.map((statement) => ({ ...statement, ...prepared.get(statement.query) }));
  const batch = new PartitionBatches(new Map([...prepared].map(([query, { queryId }]) => [query, queryId])), statements[0]);
  statements.forEach((statement) => batch.add(statement));
  const [rows, ...more] = batch.finish();
  assert.is(more.length, 0);
  for (const timestamp of [1_485_352_800_000_123, undefined]) {
    const options = DefaultExecutionOptions.create({ prepare: true, logged: false, consistency: types.consistencies.localQuorum, timestamp }, client);
    for (const version of [3, 4, types.protocolVersion.dseV2]) {
      const encoder = new Encoder(version, client.options);
      const ours = new EncodedBatch(rows, options).write(encoder, 77);
      const drivers = new BatchRequest(items, options).write(encoder, 77);
      // Without a timestamp of the caller's, each write takes a fresh one of the driver's generator: compare all but it.
      const compared = timestamp === undefined ? ours.length - 8 : ours.length;
      assert.equal(ours.subarray(0, compared), drivers.subarray(0, compared), `protocol ${version}`);
      assert.is(ours.length, drivers.length);
    }
  }
  assert.throws(() => batch.add({ query: 'INSERT b', params: ['text', Buffer.alloc(1)] }), /in wire form/);
});

test('a batch holds its partition\'s rows in clustering order, a partition no more batches than its bytes need', () => {
  const cql = writeCql('ks');
  const next = ((seed) => () => ((seed = (seed * 16807) % 2147483647) / 2147483647))(7);
  const long = 'x'.repeat(2000);
  // Long pages: a bucket of about 500 rows carries about 1 MiB of values, more than one batch takes.
  const visits = Array.from({ length: 8000 }, (_, i) => [`c${Math.floor(next() * 1e6)}-${i}`, `T${i % 3}`, `${long} ${Math.floor(next() * 50)}`, 1 + (i % 4)]);
  const visitors = Array.from({ length: 300 }, (_, i) => [`T${i % 3}`, `page ${Math.floor(next() * 1e4)} ${i}`, 1 + Math.floor(next() * 5)]);
  const plan = { rows: planRows(cql, windowRows({ end: 10 * SLIDE, visits, visitors }), [], 1000, encoding(cql)) };
  const compare = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  const batchesOf = new Map();
  const inserted = [];
  for (const request of plan.rows) {
    if (request.rows !== undefined) assert.ok(request.rows.statements.length <= BATCH_BYTES, 'a batch within its bytes');
    const rows = statementsOf(request, cql).filter(({ query }) => query === cql.insertVisits);
    if (rows.length === 0) continue;
    const key = rows.map(({ params }) => [textOf(params[2]), textOf(params[3]), textOf(params[4])]);
    for (let i = 1; i < key.length; i++) {
      assert.ok((compare(key[i - 1][0], key[i][0]) || compare(key[i - 1][1], key[i][1]) || compare(key[i - 1][2], key[i][2])) < 0, 'clustering order');
    }
    const bytes = rows.reduce((sum, { params }) => sum + params.reduce((n, p) => n + p.length, 0), 0);
    assert.ok(bytes <= BATCH_BYTES, `a batch of ${bytes} bytes of values`);
    const bucket = numberOf(rows[0].params[1]);
    batchesOf.set(bucket, [...(batchesOf.get(bucket) ?? []), bytes]);
    inserted.push(...rows.map(({ params }) => `${textOf(params[2])}/${textOf(params[4])}/${numberOf(params[5])}`));
  }
  assert.equal(inserted.sort(), visits.map(([client, , page, n]) => `${client}/${page}/${n}`).sort(), 'every row once');
  for (const [bucket, sizes] of batchesOf) {
    const total = sizes.reduce((a, b) => a + b, 0);
    // Framing besides the values (lengths, statement ids) is a few percent of these rows.
    assert.ok(sizes.length > 1 && sizes.length <= Math.ceil(total / (0.9 * BATCH_BYTES)), `bucket ${bucket}: ${sizes.length} batches for ${total} bytes`);
  }
  // Short rows, as a real window's: each bucket is one batch, its statics first.
  const short = Array.from({ length: 4000 }, (_, i) => [`client ${i}`, `T${i % 3}`, `page ${i % 40}`, 1]);
  const shortRows = planRows(cql, windowRows({ end: 11 * SLIDE, visits: short, visitors }), [], 2000, encoding(cql));
  const visitBatches = shortRows.map((request) => statementsOf(request, cql)).filter((statements) => statements.some(({ query }) => query === cql.insertVisits));
  assert.is(visitBatches.length, new Set(short.map(([client]) => bucketOf(client))).size);
  assert.ok(visitBatches.every((statements) => statements[0].query === cql.insertVisitsStatic));
  const ranked = plan.rows.flatMap((request) => statementsOf(request, cql)).filter(({ query }) => query === cql.insertVisitors)
    .map(({ params }) => [textOf(params[1]), numberOf(params[3]), textOf(params[2])]);
  assert.is(ranked.length, visitors.length);
  for (let i = 1; i < ranked.length; i++) {
    const [a, b] = [ranked[i - 1], ranked[i]];
    assert.ok((compare(a[0], b[0]) || b[1] - a[1] || compare(a[2], b[2])) < 0, 'topic, visitors descending, page');
  }
});

// ---- Against the local Cassandra ----

let admin;

async function adminClient() {
  admin ??= new cassandra.Client({ contactPoints: [CASSANDRA_CONTACT], localDataCenter: LOCAL_DC });
  await admin.connect();
  return admin;
}

serverTest.after(async () => {
  if (admin === undefined) return;
  await admin.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`);
  await admin.shutdown();
});

/** Every row of a table as plain objects (bigint as numbers), in a stable order. */
async function rowsOf(table, keyspace = KEYSPACE) {
  const client = await adminClient();
  const result = await client.execute(`SELECT * FROM ${keyspace}.${table}`);
  const plain = result.rows.map((row) =>
    Object.fromEntries(result.columns.map(({ name }) => {
      const value = row[name];
      return [name, value instanceof types.Long ? value.toNumber() : value];
    })),
  );
  return sorted(plain);
}

/** Rows in one canonical order, whatever order the server returned them in. */
function sorted(rows) {
  return rows.map((row) => JSON.stringify(row, Object.keys(row).sort())).sort().map((text) => JSON.parse(text));
}

function sortedValues(tuples) {
  return tuples.map((tuple) => JSON.stringify(tuple)).sort().map((text) => JSON.parse(text));
}

/** The named columns of each row, as sorted tuples. */
function pick(rows, ...names) {
  return sortedValues(rows.map((row) => names.map((name) => row[name])));
}

async function withSink(run, config = CONFIG) {
  const sink = createCassandraSink(config, TEST_IDENTITY);
  await sink.open();
  try {
    return await run(sink);
  } finally {
    await sink.close();
  }
}

const E1 = Date.UTC(2017, 0, 25, 23, 58);
const E2 = E1 + SLIDE;
const E3 = E2 + SLIDE; // the next UTC day
const DAY1 = Date.UTC(2017, 0, 25);
const DAY2 = Date.UTC(2017, 0, 26);

// Two clients, two topics; c2 also in a second topic, so buckets and topics both hold several rows.
const VISITS_E1 = [['c1', 'Action', 'Die Hard', 2], ['c2', 'Action', 'Die Hard', 1], ['c2', 'Comedy', 'Airplane!', 3]];
const FIRST_E1 = windowRows({ end: E1, visits: VISITS_E1, visitors: [['Action', 'Die Hard', 2], ['Comedy', 'Airplane!', 1]] });
const E2_ROWS = windowRows({ end: E2, visits: [['c9', 'Drama ✨', 'Heat', 1]], visitors: [['Drama ✨', 'Heat', 1]] });
const E3_ROWS = windowRows({ end: E3, visits: [['c1', 'Comedy', 'Up', 5]], visitors: [['Comedy', 'Up', 1]] });

serverTest('open creates the keyspace (SimpleStrategy, RF 1) and every table with the JSONL rows\' columns', async () => {
  await withSink(async () => undefined);
  const client = await adminClient();
  const keyspace = (await client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [KEYSPACE])).first();
  assert.equal(keyspace.replication, { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '1' });
  const tables = (await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [KEYSPACE])).rows;
  assert.equal(tables.map((row) => row.table_name).sort(), [...CASSANDRA_TABLE_NAMES].sort());
  const columns = async (table) => {
    const result = await client.execute(
      'SELECT column_name, type, kind FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?', [KEYSPACE, table]);
    return Object.fromEntries(result.rows.map((row) => [row.column_name, row.kind === 'static' ? `${row.type} static` : row.type]));
  };
  const times = { window_start: 'bigint', window_end: 'bigint', window_ts: 'bigint' };
  const staticTimes = { window_start: 'bigint static', window_end: 'bigint', window_ts: 'bigint static' };
  assert.equal(await columns('client_page_visits'), { ...staticTimes, bucket: 'int', client_id: 'text', topic: 'text', page: 'text', visits: 'int' });
  assert.equal(await columns('page_unique_visitors'), { ...staticTimes, topic: 'text', page: 'text', visitors: 'int' });
  assert.equal(await columns('windows'), { ...times, day: 'bigint', events: 'bigint', topics: 'frozen<set<text>>' });
  // Opening again leaves the schema as it is.
  await withSink(async () => undefined);
});

serverTest('several windows in one call, read back with plain SELECTs by column name', async () => {
  await withSink((sink) => sink.write([FIRST_E1, E2_ROWS, E3_ROWS], WHOLE, Infinity));
  const start = (end) => end - 2 * SLIDE;
  const ts = (end) => start(end) + 1000;
  const time = (end) => ({ window_start: start(end), window_end: end, window_ts: ts(end) });
  assert.equal(await rowsOf('windows'), sorted([
    { day: DAY1, ...time(E1), events: 6, topics: ['Action', 'Comedy'] },
    { day: DAY1, ...time(E2), events: 1, topics: ['Drama ✨'] },
    { day: DAY2, ...time(E3), events: 5, topics: ['Comedy'] },
  ]));
  assert.equal(await rowsOf('client_page_visits'), sorted([
    { ...time(E1), bucket: bucketOf('c1'), client_id: 'c1', topic: 'Action', page: 'Die Hard', visits: 2 },
    { ...time(E1), bucket: bucketOf('c2'), client_id: 'c2', topic: 'Action', page: 'Die Hard', visits: 1 },
    { ...time(E1), bucket: bucketOf('c2'), client_id: 'c2', topic: 'Comedy', page: 'Airplane!', visits: 3 },
    { ...time(E2), bucket: bucketOf('c9'), client_id: 'c9', topic: 'Drama ✨', page: 'Heat', visits: 1 },
    { ...time(E3), bucket: bucketOf('c1'), client_id: 'c1', topic: 'Comedy', page: 'Up', visits: 5 },
  ]));
  assert.equal(pick(await rowsOf('page_unique_visitors'), 'window_end', 'topic', 'page', 'visitors'), [
    [E1, 'Action', 'Die Hard', 2],
    [E1, 'Comedy', 'Airplane!', 1],
    [E2, 'Drama ✨', 'Heat', 1],
    [E3, 'Comedy', 'Up', 1],
  ]);
  assert.equal(pick(await rowsOf('topic_latest_window'), 'topic', 'window_end'), [
    ['Action', E1],
    ['Comedy', E3],
    ['Drama ✨', E2],
  ]);
  assert.equal(pick(await rowsOf('topic_windows'), 'topic', 'day', 'window_end'), [
    ['Action', DAY1, E1],
    ['Comedy', DAY1, E1],
    ['Comedy', DAY2, E3],
    ['Drama ✨', DAY1, E2],
  ]);
});

serverTest('a close of many windows, written twice, leaves each topic at its latest window and the index in window order', async () => {
  const keyspace = `${KEYSPACE}_many`;
  const config = { ...CONFIG, keyspace };
  const ends = Array.from({ length: 12 }, (_, i) => E3 + (i + 20) * SLIDE);
  // Action in every window; Comedy in every other one, so its latest is the last even one.
  const windows = ends.map((end, i) => windowRows({
    end,
    visits: [[`c${i}`, 'Action', 'Heat', i + 1], ...(i % 2 === 0 ? [[`d${i}`, 'Comedy', 'Up', 1]] : [])],
    visitors: [['Action', 'Heat', 1], ...(i % 2 === 0 ? [['Comedy', 'Up', 1]] : [])],
  }));
  const client = await adminClient();
  try {
    for (let pass = 0; pass < 2; pass++) {
      await withSink((sink) => sink.write(windows, WHOLE, Infinity), config);
      assert.equal(pick(await rowsOf('topic_latest_window', keyspace), 'topic', 'window_end'), [['Action', ends[11]], ['Comedy', ends[10]]]);
      assert.equal(pick(await rowsOf('client_page_visits', keyspace), 'window_end', 'visits').map(([, visits]) => visits).sort((a, b) => a - b),
        [1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      const written = await client.execute(`SELECT window_end, WRITETIME(events) AS written FROM ${keyspace}.windows`);
      const byEnd = written.rows.map((row) => [Number(row.window_end), Number(row.written)]).sort((a, b) => a[0] - b[0]);
      assert.equal(byEnd.map(([end]) => end), ends);
      assert.ok(byEnd.every(([, at], i) => i === 0 || at > byEnd[i - 1][1]), `pass ${pass}: each window indexed after the one before`);
    }
  } finally {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  }
});

serverTest('a replay with fewer rows leaves exactly the new rows in every table; other windows stay', async () => {
  // E3 again without Comedy: Comedy's latest window falls back to E1; Drama ✨ appears in E3.
  const replayE3 = windowRows({ end: E3, visits: [['c3', 'Drama ✨', 'Alien', 4]], visitors: [['Drama ✨', 'Alien', 1]] });
  // E1 again without Action, the only window Action had: its latest-window row goes.
  const replayE1 = windowRows({ end: E1, visits: [['c2', 'Comedy', 'Airplane!', 7]], visitors: [['Comedy', 'Airplane!', 1]] });
  await withSink((sink) => sink.write([replayE3], WHOLE, Infinity));
  await withSink((sink) => sink.write([replayE1], WHOLE, Infinity));
  assert.equal(pick(await rowsOf('client_page_visits'), 'window_end', 'client_id', 'topic', 'page', 'visits'), [
    [E1, 'c2', 'Comedy', 'Airplane!', 7],
    [E2, 'c9', 'Drama ✨', 'Heat', 1],
    [E3, 'c3', 'Drama ✨', 'Alien', 4],
  ]);
  assert.equal(pick(await rowsOf('page_unique_visitors'), 'window_end', 'topic', 'page', 'visitors'), [
    [E1, 'Comedy', 'Airplane!', 1],
    [E2, 'Drama ✨', 'Heat', 1],
    [E3, 'Drama ✨', 'Alien', 1],
  ]);
  assert.equal(pick(await rowsOf('windows'), 'window_end', 'events', 'topics'), [
    [E1, 7, ['Comedy']],
    [E2, 1, ['Drama ✨']],
    [E3, 4, ['Drama ✨']],
  ]);
  assert.equal(pick(await rowsOf('topic_windows'), 'topic', 'window_end'), [
    ['Comedy', E1],
    ['Drama ✨', E2],
    ['Drama ✨', E3],
  ]);
  assert.equal(pick(await rowsOf('topic_latest_window'), 'topic', 'window_end'), [
    ['Comedy', E1],
    ['Drama ✨', E3],
  ]);
});

serverTest('a replay replaces rows an earlier writer wrote with timestamps ahead of this clock', async () => {
  const keyspace = `${KEYSPACE}_skew`;
  const config = { ...CONFIG, keyspace };
  const client = await adminClient();
  try {
    await withSink((sink) => sink.write([E2_ROWS], WHOLE, Infinity), config);
    // A writer whose clock ran an hour ahead wrote E2 with another client's row.
    const ahead = (Date.now() + 3_600_000) * 1000;
    await client.execute(`DELETE FROM ${keyspace}.client_page_visits USING TIMESTAMP ? WHERE window_end = ? AND bucket = ?`,
      [ahead, E2, bucketOf('c9')], { prepare: true });
    await client.execute(
      `INSERT INTO ${keyspace}.client_page_visits (window_end, bucket, client_id, topic, page, visits, window_start, window_ts) ` +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?',
      [E2, bucketOf('stale'), 'stale', 'Drama ✨', 'Heat', 1, E2 - 2 * SLIDE, E2 - SLIDE, ahead + 1], { prepare: true });
    await client.execute(`UPDATE ${keyspace}.windows USING TIMESTAMP ? SET events = 99 WHERE day = ? AND window_end = ?`,
      [ahead + 1, DAY1, E2], { prepare: true });
    await withSink((sink) => sink.write([E2_ROWS], WHOLE, Infinity), config);
    const visits = await rowsOf('client_page_visits', keyspace);
    assert.equal(visits.map((row) => row.client_id), ['c9']);
    assert.equal((await rowsOf('windows', keyspace)).map((row) => row.events), [1]);
  } finally {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  }
});

serverTest('a malformed window fails the call before any window of it is written', async () => {
  const good = windowRows({ end: E3 + SLIDE, visits: [['c1', 'Action', 'Alien', 1]], visitors: [['Action', 'Alien', 1]] });
  const broken = windowRows({ end: E3 + 2 * SLIDE, visits: [['c1', 'Action', 'Heat', 1]], visitors: [['Action', 'Heat', 1]] });
  broken.clientPageVisits.pages.pop();
  await withSink(async (sink) => {
    try {
      await sink.write([good, broken], WHOLE, Infinity);
      assert.unreachable('misaligned columns must be refused');
    } catch (error) {
      assert.match(error.message, String(E3 + 2 * SLIDE));
    }
  });
  assert.ok((await rowsOf('windows')).every((row) => row.window_end <= E3));
});

serverTest('large single-partition batches of long UTF-8 strings are accepted', async () => {
  const long = (i) => `${'é'.repeat(500)} ${i}`; // about 1 KiB of UTF-8 each
  const end = E3 + 10 * SLIDE;
  const visits = Array.from({ length: 400 }, (_, i) => ['one client', 'Action', long(i), i + 1]);
  const visitors = Array.from({ length: 400 }, (_, i) => ['Action', long(i), 1]);
  await withSink((sink) => sink.write([windowRows({ end, visits, visitors })], WHOLE, Infinity));
  const client = await adminClient();
  const count = async (table, where, params) =>
    (await client.execute(`SELECT count(*) AS n FROM ${KEYSPACE}.${table} WHERE ${where}`, params, { prepare: true })).first().n.toNumber();
  assert.is(await count('client_page_visits', 'window_end = ? AND bucket = ?', [end, bucketOf('one client')]), 400);
  assert.is(await count('page_unique_visitors', 'window_end = ?', [end]), 400);
});

serverTest('createSink opens the Cassandra sink; writing before open and bad keyspaces are refused', async () => {
  const sink = createSink({ kind: 'cassandra', cassandra: CONFIG }, TEST_IDENTITY);
  try {
    await sink.write([FIRST_E1], WHOLE, Infinity);
    assert.unreachable('write before open must fail');
  } catch (error) {
    assert.match(error.message, 'not open');
  }
  await sink.open();
  await sink.close();
  assert.throws(() => createCassandraSink({ ...CONFIG, keyspace: 'x; DROP KEYSPACE y' }, TEST_IDENTITY), /not a CQL identifier/);
});

serverTest('a table of another design is reported by name at open', async () => {
  const keyspace = `${KEYSPACE}_other`;
  const client = await adminClient();
  try {
    await client.execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await client.execute(`CREATE TABLE ${keyspace}.windows (window_end bigint PRIMARY KEY, events int)`);
    try {
      await createCassandraSink({ ...CONFIG, keyspace }, TEST_IDENTITY).open();
      assert.unreachable('a foreign windows table must be refused');
    } catch (error) {
      assert.match(error.message, `table ${keyspace}.windows exists without column(s) day, window_start, window_ts, topics`);
    }
  } finally {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  }
});

/**
 * A TCP proxy to `target` that can play an outage: down() cuts every connection and resets new ones
 * (as a node that is gone), up() forwards again. Self-contained: it also runs in a child process.
 */
async function outageProxy(target) {
  const net = require('node:net');
  const [host, port] = target.split(':');
  const sockets = new Set();
  let up = true;
  let resets = 0;
  let onReset = () => undefined;
  const server = net.createServer((client) => {
    if (!up) {
      resets += 1;
      onReset();
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(Number(port), host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    contact: `127.0.0.1:${server.address().port}`,
    down() {
      up = false;
      for (const socket of sockets) socket.destroy();
    },
    up() {
      up = true;
    },
    /** Resolves once the driver has tried to reconnect, and been refused, `count` times. */
    refused(count) {
      return new Promise((resolve) => {
        onReset = () => resets >= count && resolve();
        onReset();
      });
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Runs in a child process, which exits when done: after every contact point was down, the driver's
 * control connection rebuilds its Host objects and the old one keeps reconnecting even after
 * shutdown, which would keep the test process alive.
 */
async function writeThroughOutage({ sinkModule, windowModule, scopesModule, config, end, visits }) {
  const { TEST_IDENTITY, WHOLE } = require(scopesModule);
  const proxy = await outageProxy(config.contactPoints[0]);
  const sink = require(sinkModule).createCassandraSink({ ...config, contactPoints: [proxy.contact] }, TEST_IDENTITY);
  const window = require(windowModule).windowRows({ end, visits, visitors: [['Action', 'Die Hard', 2]] });
  await sink.open();
  proxy.down();
  const written = sink.write([window], WHOLE, Infinity);
  await proxy.refused(2);
  proxy.up();
  await written;
  process.stdout.write(JSON.stringify({ written: window.windowEnd }));
  process.exit(0);
}

serverTest('a write rides out an outage: it retries until the node is back, then every row is there', async () => {
  const end = E3 + 20 * SLIDE;
  const args = {
    sinkModule: require.resolve('../../dist/sinks/cassandra/cassandra-sink'),
    windowModule: require.resolve('../helpers/window-rows'),
    scopesModule: require.resolve('../helpers/scopes'),
    config: CONFIG,
    end,
    visits: VISITS_E1,
  };
  const child = spawnSync(process.execPath, ['-e', `${outageProxy}\n(${writeThroughOutage})(${JSON.stringify(args)})`], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.is(child.status, 0, child.stderr);
  assert.equal(JSON.parse(child.stdout), { written: end });
  const client = await adminClient();
  const rows = await client.execute(`SELECT client_id FROM ${KEYSPACE}.client_page_visits WHERE window_end = ? AND bucket = ?`,
    [end, bucketOf('c2')], { prepare: true });
  assert.equal(rows.rows.map((row) => row.client_id), ['c2', 'c2']);
});

serverTest('a write gives up once its retry budget is spent, saying what failed', async () => {
  const proxy = await outageProxy(CASSANDRA_CONTACT);
  const retry = { firstDelayMs: 50, maxDelayMs: 200, giveUpAfterMs: 1000 };
  const sink = createCassandraSink({ ...CONFIG, contactPoints: [proxy.contact] }, TEST_IDENTITY, { retry });
  const end = E3 + 21 * SLIDE;
  try {
    await sink.open();
    proxy.down();
    await sink.write([windowRows({ end, visits: VISITS_E1 })], WHOLE, Infinity);
    assert.unreachable('the node never came back');
  } catch (error) {
    assert.match(error.message, new RegExp(`^writing the window ending ${end} to ${KEYSPACE}: failed \\d+ times over 1 s, giving up`));
  } finally {
    await sink.close();
    await proxy.close();
  }
});

test('no password in the error when the cluster cannot be reached', async () => {
  const sink = createCassandraSink({ ...CONFIG, contactPoints: ['127.0.0.1:1'], username: 'u', password: 'SECRET-PW' }, TEST_IDENTITY);
  try {
    await sink.open();
    assert.unreachable('nothing listens on port 1');
  } catch (error) {
    assert.match(error.message, 'cannot connect to Cassandra at 127.0.0.1:1');
    assert.not.match(error.message, 'SECRET-PW');
  }
});

test.run();
