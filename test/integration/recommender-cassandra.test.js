'use strict';
// The recommender over Cassandra answers exactly as over SQLite: the same windows go through both
// sinks, then dist/recommend.js runs against both stores.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('uvu');
const assert = require('uvu/assert');
const cassandra = require('cassandra-driver');
const { serverTest, CASSANDRA_CONTACT, LOCAL_DC } = require('../helpers/services');
const { windowRows, SLIDE } = require('../helpers/window-rows');
const { rng } = require('../helpers/events');
const { runCli } = require('../helpers/cli');
const { createSqliteSink } = require('../../dist/sinks/sqlite/sqlite-sink');
const { createCassandraSink } = require('../../dist/sinks/cassandra/cassandra-sink');
const { createCassandraReader } = require('../../dist/sinks/cassandra/cassandra-reader');
const { createSqliteReader } = require('../../dist/sinks/sqlite/sqlite-reader');
const { recommend } = require('../../dist/recommender/recommend');
const { WHOLE, TEST_IDENTITY } = require('../helpers/scopes');

const KEYSPACE = `cs_test_rec_${Date.now()}`;
const CONFIG = { contactPoints: [CASSANDRA_CONTACT], keyspace: KEYSPACE, localDataCenter: LOCAL_DC, tls: null };
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-recommender-cassandra-'));
const DB = path.join(TMP, 'clickstream.db');

const DAY = 86_400_000;
const B = Date.UTC(2017, 0, 25, 23, 55);
// Seven windows up to and across a UTC midnight (B + 5 min is 00:00), a two-day gap, then two more.
const EARLY = [0, 1, 2, 3, 4, 5, 6].map((k) => B + k * SLIDE);
const GAP = B + 2 * DAY + 30 * SLIDE;
const LATE = [GAP, GAP + SLIDE];
const ENDS = [...EARLY, ...LATE];

// Ties only byte order settles: upper before lower case, 'É' (C3 89) after 'Z', U+FFFD (EF BF BD)
// before an emoji (F0 ...), though UTF-16 orders the emoji's surrogates first.
const PAGES = ['Alien', 'Aliens', 'apple', 'Apple', 'Émile', 'Zulu', '\uFFFD', '\u{1F600} Smile', 'Heat', 'Up'];
const TOPICS = ['Action', 'Comedy', 'Drama ✨'];

/** Which topics each window has: Comedy stops before the gap, Drama ✨ only in some windows. */
function topicsAt(end) {
  return TOPICS.filter((topic) =>
    topic === 'Action' || (topic === 'Comedy' && end < GAP) || (topic === 'Drama ✨' && ENDS.indexOf(end) % 3 === 0));
}

/**
 * c1 visits an Action page 0, 1, 2, 3 and 4 windows back from the latest Action window (counted
 * over every emitted window) and the same page names in Comedy; other clients visit at random.
 */
const C1_ACTION_VISITS = new Map([
  [LATE[1], ['Alien']],
  [LATE[0], ['apple']],
  [EARLY[6], ['\uFFFD', 'Up']],
  [EARLY[5], ['Émile']],
  [EARLY[4], ['Zulu']],
]);

function buildWindow(end, random) {
  const visitors = [];
  const visits = [];
  for (const topic of topicsAt(end)) {
    for (const page of PAGES) {
      // Action always has every page, so the pages c1 visits are always among its candidates.
      if (topic !== 'Action' && random() < 0.2) continue;
      // Few distinct counts, so ties are everywhere.
      visitors.push([topic, page, 1 + Math.floor(random() * 4)]);
      for (const client of ['c2', 'c3', 'c4']) if (random() < 0.3) visits.push([client, topic, page, 1 + Math.floor(random() * 3)]);
    }
  }
  for (const page of C1_ACTION_VISITS.get(end) ?? []) {
    visits.push(['c1', 'Action', page, 1]);
    if (topicsAt(end).includes('Comedy')) visits.push(['c1', 'Comedy', page, 2]);
  }
  return windowRows({ end, visits, visitors });
}

const random = rng(8101);
const WINDOWS = ENDS.map((end) => buildWindow(end, random));
// Replays: the latest window again without Action, so Action falls back to the window before it;
// an early window again with fewer rows.
const REPLAYS = [
  windowRows({ end: LATE[1], visitors: [['Drama ✨', 'Up', 3]], visits: [['c1', 'Drama ✨', 'Up', 1]] }),
  windowRows({ end: EARLY[2], visitors: [['Comedy', 'Heat', 9]], visits: [['c2', 'Comedy', 'Heat', 1]] }),
];

async function writeBoth(windows) {
  for (const sink of [createSqliteSink(DB, TEST_IDENTITY), createCassandraSink(CONFIG, TEST_IDENTITY)]) {
    await sink.open();
    try {
      await sink.write(windows, WHOLE, Infinity);
    } finally {
      await sink.close();
    }
  }
}

const STORES = {
  sqlite: ['--store', `sqlite:${DB}`],
  cassandra: ['--store', 'cassandra', '--cassandra', CASSANDRA_CONTACT, '--keyspace', KEYSPACE],
};
const DESCRIPTIONS = [`sqlite:${DB}`, `cassandra:${CASSANDRA_CONTACT}/${KEYSPACE}`];

/** What a user sees, with the store's own name in messages made neutral. */
async function recommendVia(store, query) {
  const { code, stdout, stderr } = await runCli('recommend.js', [...STORES[store], ...query]);
  return { code, stdout, stderr: DESCRIPTIONS.reduce((text, name) => text.split(name).join('STORE'), stderr) };
}

async function inBatches(items, size, run) {
  const results = [];
  for (let start = 0; start < items.length; start += size) results.push(...(await Promise.all(items.slice(start, start + size).map(run))));
  return results;
}

// Each output form and message: a list, a list emptied by exclusions, an unknown client, an unknown topic.
const CLI_QUERIES = [
  ['c1', 'Action', 1000],
  ['c1', 'Comedy', 3],
  ['c1', 'Action', 1],
  ['never-seen', 'Drama ✨', 3],
  ['c1', 'Horror', 3],
].flatMap(([client, topic, n]) =>
  [[], ['--json']].map((json) => ['--client', client, '--topic', topic, '-n', String(n), ...json]));

/** Runs every query against both stores; returns the outputs, having asserted they are the same. */
async function assertSameAnswers(queries) {
  const answers = await inBatches(queries, 4, async (query) => {
    const [sqlite, cassandraAnswer] = await Promise.all([recommendVia('sqlite', query), recommendVia('cassandra', query)]);
    assert.equal(cassandraAnswer, sqlite, query.join(' '));
    return { query, ...sqlite };
  });
  assert.ok(answers.every(({ code }) => code === 0));
  return answers;
}

let admin;

serverTest.before(async () => {
  admin = new cassandra.Client({ contactPoints: [CASSANDRA_CONTACT], localDataCenter: LOCAL_DC });
  await writeBoth(WINDOWS);
});

test.after(() => fs.rmSync(TMP, { recursive: true, force: true }));
serverTest.after(async () => {
  if (admin === undefined) return;
  await admin.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`);
  await admin.shutdown();
});

serverTest('the fixture is not trivial: ties, visits excluded 0 to 2 windows back and kept 3 and 4 back', async () => {
  const [{ stdout }] = await assertSameAnswers([['--client', 'c1', '--topic', 'Action', '-n', '1000', '--json']]);
  const pages = JSON.parse(stdout).map(({ page }) => page);
  for (const gone of ['Alien', 'apple', '\uFFFD', 'Up']) assert.not.ok(pages.includes(gone), `${gone} was visited lately`);
  for (const kept of ['Émile', 'Zulu']) assert.ok(pages.includes(kept), `${kept} was visited 3 or more windows back`);
  const visitors = JSON.parse(stdout).map((row) => row.visitors);
  assert.ok(new Set(visitors).size < visitors.length, 'some pages tie');
});

serverTest('dist/recommend.js prints the same over Cassandra as over SQLite, plain and --json', async () => {
  const answers = await assertSameAnswers(CLI_QUERIES);
  assert.ok(answers.some(({ stdout }) => /^1\. .+ \(\d visitors?\)\n/.test(stdout)), 'a plain list is printed');
  assert.ok(answers.some(({ stderr }) => stderr.includes('"Horror"')), 'an unknown topic is reported');
});

/** recommend() over both stores for every client, topic and N of the fixture. */
async function assertSameInProcess() {
  const stores = [createSqliteReader(DB), createCassandraReader(CONFIG)];
  try {
    for (const clientId of ['c1', 'c2', 'c3', 'c4', 'nobody']) {
      for (const topic of [...TOPICS, 'Horror']) {
        for (const n of [1, 2, 4, 7, 10, 1000]) {
          const [sqlite, cassandraResult] = await Promise.all(stores.map((store) => recommend(store, { clientId, topic, n })));
          assert.equal(cassandraResult, sqlite, `${clientId} ${topic} ${n}`);
        }
      }
    }
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
}

serverTest('the same for every client, topic and N in process, across the midnight and the two-day gap', async () => {
  await assertSameInProcess();
  const store = createCassandraReader(CONFIG);
  try {
    assert.equal(await store.windowsBefore(LATE[1], 2), [LATE[0], EARLY[6]], 'two days back');
    assert.equal(await store.windowsBefore(EARLY[5], 3), [EARLY[4], EARLY[3], EARLY[2]], 'across midnight');
  } finally {
    await store.close();
  }
});

serverTest('after replays (a topic leaving its latest window, a window shrinking) both stores still agree', async () => {
  await writeBoth(REPLAYS);
  await assertSameInProcess();
  const [json] = await assertSameAnswers([['--client', 'c1', '--topic', 'Action', '-n', '1000', '--json']]);
  const pages = JSON.parse(json.stdout).map(({ page }) => page);
  // Action's latest window is now LATE[0]; its last 3 windows are LATE[0], EARLY[6] and EARLY[5].
  for (const gone of ['apple', '\uFFFD', 'Up', 'Émile']) assert.not.ok(pages.includes(gone), `${gone} was visited lately`);
  assert.ok(pages.includes('Alien'), 'a visit in a window after the latest Action window does not exclude');
  assert.ok(pages.includes('Zulu'), 'a visit 3 windows back does not exclude');
});

serverTest('a keyspace that does not exist, or has none of the tables, is an empty store: message, exit 0', async () => {
  const bare = `${KEYSPACE}_bare`;
  await admin.execute(`CREATE KEYSPACE ${bare} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  try {
    for (const keyspace of [`${KEYSPACE}_missing`, bare]) {
      const args = ['--store', 'cassandra', '--cassandra', CASSANDRA_CONTACT, '--keyspace', keyspace, '--client', 'c1', '--topic', 'Action', '-n', '3'];
      const [plain, json] = await Promise.all([runCli('recommend.js', args), runCli('recommend.js', [...args, '--json'])]);
      assert.is(plain.code, 0, plain.stderr);
      assert.is(plain.stdout, '');
      assert.match(plain.stderr, `no windows with topic "Action" in cassandra:${CASSANDRA_CONTACT}/${keyspace}`);
      assert.is(json.code, 0, json.stderr);
      assert.is(json.stdout, '[]\n');
    }
  } finally {
    await admin.execute(`DROP KEYSPACE IF EXISTS ${bare}`);
  }
});

test('an unreachable cluster is a clear error, exit 1, and the password is never printed', async () => {
  const result = await runCli('recommend.js', [
    '--store', 'cassandra', '--cassandra', '127.0.0.1:1', '--cassandra-user', 'u', '--cassandra-password', 'SECRET-PW',
    '--client', 'c1', '--topic', 'Action', '-n', '3',
  ]);
  assert.is(result.code, 1);
  assert.match(result.stderr, 'cannot connect to Cassandra at 127.0.0.1:1');
  assert.not.match(result.stderr + result.stdout, 'SECRET-PW');
});

test.run();
