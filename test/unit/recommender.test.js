'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('uvu');
const assert = require('uvu/assert');
const { createSqliteSink } = require('../../dist/sinks/sqlite/sqlite-sink');
const { windowRows, SLIDE } = require('../helpers/window-rows');
const { runCliSync } = require('../helpers/cli');
const { WHOLE, TEST_IDENTITY } = require('../helpers/scopes');

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-recommender-'));
const DB = path.join(TMP, 'clickstream.db');
const STORE = `sqlite:${DB}`;

const W = (k) => k * SLIDE;

/** Action pages of the latest Action window (W7), with many ties that only byte order settles. */
const LATEST_ACTION = [
  ['Speed', 1],
  ['apple', 5],
  ['Rambo', 2],
  ['\u{1F600} Smile', 5],
  ['Heat', 5],
  ['\uFFFD', 5],
  ['Die Hard', 9],
  ['Émile', 5],
  ['Aliens', 5],
  ['Alien', 5],
];

/**
 * Emitted windows W1..W5, W7, W8 (W6 was never emitted). For topic Action the latest window is W7,
 * so the client's last 3 windows are W7, W5 and W4 by window_end, whatever their topics.
 */
const WINDOWS = [
  windowRows({ end: W(1), visitors: [['Action', 'Old Hit', 50]], visits: [['c1', 'Action', 'Old Hit', 1]] }),
  windowRows({ end: W(2), visitors: [['Action', 'Old Hit', 40]] }),
  // Four windows back: this visit must not exclude "apple".
  windowRows({ end: W(3), visitors: [['Action', 'apple', 3]], visits: [['c1', 'Action', 'apple', 2]] }),
  windowRows({ end: W(4), visitors: [['Action', 'Alien', 1]], visits: [['c1', 'Action', 'Alien', 1]] }),
  // Only Comedy rows, yet still one of the last 3 windows; "Heat" here is another topic's page.
  windowRows({ end: W(5), visitors: [['Comedy', 'Heat', 1]], visits: [['c1', 'Comedy', 'Heat', 1]] }),
  windowRows({
    end: W(7),
    visitors: [...LATEST_ACTION.map(([page, n]) => ['Action', page, n]), ['Comedy', 'Aliens', 4]],
    visits: [
      ['c1', 'Action', 'Die Hard', 3],
      ['c1', 'Comedy', 'Aliens', 1],
      ['c2', 'Action', 'Heat', 1],
    ],
  }),
  windowRows({ end: W(8), visitors: [['Comedy', 'Airplane!', 2], ['Comedy', 'Aliens', 7]] }),
];

/** What c1 visited in Action over W7, W5 and W4. */
const C1_RECENT_ACTION = new Set(['Die Hard', 'Alien']);

function byteOrder(a, b) {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Expected ranking, derived here independently of the store's SQL. */
function expected(n, excluded = new Set()) {
  return [...LATEST_ACTION]
    .sort(([pageA, a], [pageB, b]) => b - a || byteOrder(pageA, pageB))
    .slice(0, n)
    .filter(([page]) => !excluded.has(page))
    .map(([page, visitors], i) => ({ rank: i + 1, page, visitors }));
}

function cli(...args) {
  return runCliSync('recommend.js', args);
}

function recommendJson(...args) {
  const result = cli('--store', STORE, '--json', ...args);
  assert.is(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

function assertUsageError(args, flag) {
  const result = cli(...args);
  assert.is(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
  assert.is(result.stdout, '');
  assert.ok(result.stderr.includes(flag), `${args.join(' ')} should name ${flag}: ${result.stderr}`);
}

test.before(async () => {
  const sink = createSqliteSink(DB, TEST_IDENTITY);
  await sink.open();
  await sink.write(WINDOWS, WHOLE, Infinity);
  await sink.close();
});

test.after(() => fs.rmSync(TMP, { recursive: true, force: true }));

test('the fixture ties are ordered differently by code points than by UTF-16 or locale', () => {
  const pages = LATEST_ACTION.filter(([, n]) => n === 5).map(([page]) => page);
  const codePoints = [...pages].sort(byteOrder);
  assert.not.equal([...pages].sort(), codePoints);
  assert.not.equal([...pages].sort((a, b) => a.localeCompare(b)), codePoints);
});

test('top N of the latest window of the topic, plain lines', () => {
  const result = cli('--store', STORE, '--client', 'nobody', '--topic', 'Action', '-n', '3');
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stdout, '1. Die Hard (9 visitors)\n2. Alien (5 visitors)\n3. Aliens (5 visitors)\n');
});

test('one visitor is singular in plain output', () => {
  const result = cli('--store', STORE, '--client', 'nobody', '--topic', 'Action', '-n', '10');
  assert.ok(result.stdout.endsWith('10. Speed (1 visitor)\n'), result.stdout);
});

test('ties in visitors are ordered by page in code-point order', () => {
  assert.equal(recommendJson('--client', 'nobody', '--topic', 'Action', '-n', '10'), expected(10));
});

test('the latest window is per topic, even when a later window holds only other topics', () => {
  assert.equal(recommendJson('--client', 'nobody', '--topic', 'Comedy', '-n', '5'), [
    { rank: 1, page: 'Aliens', visitors: 7 },
    { rank: 2, page: 'Airplane!', visitors: 2 },
  ]);
});

test('pages of the topic the client visited in exactly the last 3 emitted windows are removed', () => {
  const pages = recommendJson('--client', 'c1', '--topic', 'Action', '-n', '1000');
  assert.equal(pages, expected(1000, C1_RECENT_ACTION));
  const names = pages.map((p) => p.page);
  assert.ok(names.includes('apple'), 'a visit 4 windows back does not exclude');
  assert.ok(names.includes('Heat'), 'a visit to the same page name in another topic does not exclude');
});

test('fewer than N results when visited pages fall out, ranked 1..k', () => {
  const pages = recommendJson('--client', 'c1', '--topic', 'Action', '-n', '5');
  assert.equal(pages, [
    { rank: 1, page: 'Aliens', visitors: 5 },
    { rank: 2, page: 'Heat', visitors: 5 },
    { rank: 3, page: 'apple', visitors: 5 },
  ]);
});

test('a client who visited every top page gets an empty list and a message', () => {
  const plain = cli('--store', STORE, '--client', 'c1', '--topic', 'Action', '-n', '1');
  assert.is(plain.code, 0);
  assert.is(plain.stdout, '');
  assert.match(plain.stderr, 'c1');
  assert.equal(recommendJson('--client', 'c1', '--topic', 'Action', '-n', '1'), []);
});

test('an unknown client has nothing removed', () => {
  assert.equal(recommendJson('--client', 'never-seen', '--topic', 'Action', '-n', '4'), expected(4));
});

test('an unknown topic: message on stderr listing the topics there are, exit 0, no list ([] with --json)', () => {
  const plain = cli('--store', STORE, '--client', 'c1', '--topic', 'Horror', '-n', '5');
  assert.is(plain.code, 0);
  assert.is(plain.stdout, '');
  assert.match(plain.stderr, 'Horror');
  assert.match(plain.stderr, /its topics: "Action"(, "[^"]+")*\n$/);
  const json = cli('--store', STORE, '--client', 'c1', '--topic', 'Horror', '-n', '5', '--json');
  assert.is(json.code, 0);
  assert.is(json.stdout, '[]\n');
  assert.match(json.stderr, 'Horror');
});

test('a missing database is an error naming the path (exit 1), and is not created', () => {
  const missing = path.join(TMP, 'nowhere', 'missing.db');
  const result = cli('--store', `sqlite:${missing}`, '--client', 'c1', '--topic', 'Action', '-n', '5', '--json');
  assert.is(result.code, 1, result.stderr);
  assert.is(result.stdout, '');
  assert.match(result.stderr, `no SQLite database at ${missing}`);
  assert.not.ok(fs.existsSync(missing));
});

test('a database with tables but no windows is an empty store', async () => {
  const empty = path.join(TMP, 'empty', 'clickstream.db');
  const sink = createSqliteSink(empty, TEST_IDENTITY);
  await sink.open();
  await sink.close();
  const result = cli('--store', `sqlite:${empty}`, '--client', 'c1', '--topic', 'Action', '-n', '5');
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stdout, '');
  assert.match(result.stderr, 'Action');
});

test('--n N and --flag=value forms are accepted', () => {
  assert.equal(recommendJson('--client=nobody', '--topic=Action', '--n', '2'), expected(2));
  assert.equal(recommendJson('--client', 'nobody', '--topic', 'Action', '--n=2'), expected(2));
  const result = cli(`--store=${STORE}`, '--client', 'nobody', '--topic', 'Action', '-n', '1');
  assert.is(result.stdout, '1. Die Hard (9 visitors)\n');
});

test('N outside 1..1000 or not an integer exits 2 naming -n', () => {
  for (const n of ['0', '1001', 'abc', '2.5', '1e2', '']) {
    assertUsageError(['--store', STORE, '--client', 'c1', '--topic', 'Action', `--n=${n}`], '-n');
  }
  assertUsageError(['--store', STORE, '--client', 'c1', '--topic', 'Action', '-n', '-3'], '-n');
  assertUsageError(['--store', STORE, '--client', 'c1', '--topic', 'Action'], '-n');
});

test('missing or malformed flags exit 2 naming the flag', () => {
  assertUsageError(['--topic', 'Action', '-n', '3'], '--client');
  assertUsageError(['--client', 'c1', '-n', '3'], '--topic');
  assertUsageError(['--client', 'c1', '--topic', 'Action', '-n', '3', '--bogus'], '--bogus');
  assertUsageError(['--client', 'c1', '-n', '3', '--topic'], '--topic');
  assertUsageError(['--client', 'c1', '--topic', '--json', '-n', '3'], '--topic');
  assertUsageError(['--client', 'c1', '--topic', 'Action', '-n', '3', '--client', 'c2'], '--client');
  assertUsageError(['--client', 'c1', '--topic', 'Action', '-n', '3', '--json=yes'], '--json');
  assertUsageError(['--client', 'c1', '--topic', 'Action', '-n', '3', 'stray'], 'stray');
  assertUsageError(['--client', 'c1', '--topic', 'Action', '-n', '3', '--store', 'mysql:x'], '--store');
  assertUsageError(['--client', 'c1', '--topic', 'Action', '-n', '3', '--keyspace', 'k'], '--keyspace');
});

test('--store cassandra validates its flags, then says when it cannot connect', () => {
  const base = ['--client', 'c1', '--topic', 'Action', '-n', '3', '--store', 'cassandra'];
  assertUsageError([...base, '--cassandra', 'db1,'], '--cassandra');
  assertUsageError([...base, '--cassandra', 'db1', '--cassandra-user', 'u'], '--cassandra-password');
  // Valid flags reach the store: nothing listens on loopback port 1, so it cannot connect.
  const result = cli(...base, '--cassandra', '127.0.0.1:1', '--keyspace', 'k', '--local-dc', 'dc1');
  assert.is(result.code, 1, result.stderr);
  assert.is(result.stdout, '');
  assert.match(result.stderr, 'cannot connect to Cassandra at 127.0.0.1:1');
});

test('--help prints usage and exits 0', () => {
  const result = cli('--help');
  assert.is(result.code, 0);
  assert.match(result.stdout, 'usage: clickstream-recommend');
  assert.match(result.stdout, '--client');
  assert.is(result.stderr, '');
});

test.run();
