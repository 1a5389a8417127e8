'use strict';
// A secured cluster end to end: the producer fills a topic through the broker's SASL_SSL listener
// (SCRAM-SHA-512), the job reads it through the same listener (PLAIN) into the Cassandra node that
// takes only TLS with a client certificate and a password, and the recommender and a running job's
// /api/recommendations read the rows back. Everything trusts the private CA of .services/secured.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const {
  securedTest,
  securedKafkaFlags,
  securedCassandraFlags,
  securedCassandraOptions,
  SECURED_CASSANDRA_TLS_ENV,
} = require('../helpers/secured');
const { makeEvents, toLine } = require('../helpers/events');
const { referenceRows } = require('../helpers/reference');
const { runCli } = require('../helpers/cli');
const { startServedJob, request, stopJob } = require('../helpers/http');
const { readCassandraRows, dropKeyspace, firstDifference, committedOffsets, endOffsets, deleteTopic } = require('../helpers/faults');

const RUN = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'clickstream-secured-'));
const topic = `secured-e2e-${RUN}`;
const keyspace = `secured_e2e_${RUN}`;
const WINDOW_FLAGS = ['--clock', 'event', '--window', '20s', '--slide', '10s', '--batch', '1s'];
const WINDOW = { windowMs: 20_000, slideMs: 10_000, latenessMs: 10_000 };
// Many clients, so that each visits few pages of a window and a recommendation keeps some.
const events = makeEvents({ count: 20_000, seed: 17, clients: 400, stepMs: 50, jitterMs: 3_000 });
const expected = referenceRows(events, WINDOW);

/** The job's flags: the topic through SASL_SSL with PLAIN, into the secured Cassandra. */
const jobFlags = () => [
  '--source', 'kafka', ...securedKafkaFlags({ mechanism: 'plain' }), '--topic', topic, '--group', topic, '--from-beginning',
  ...WINDOW_FLAGS, '--threads', '2', '--sink', 'cassandra', ...securedCassandraFlags(), '--keyspace', keyspace,
  '--dead-letter', join(dir, 'dead-letters.jsonl'),
];

/**
 * What the recommender must answer, from the reference rows alone (the product's rule): the topic's
 * latest window, its top N pages by visitors (ties by page in code-point order), less the pages the
 * client visited in that window or the two windows before it, ranked 1… over what remains.
 */
function recommendationOf(rows, client, pageTopic, n) {
  const ofTopic = rows.filter((row) => row.table === 'page_unique_visitors' && row.topic === pageTopic);
  const latest = Math.max(...ofTopic.map((row) => row.window_end));
  const windowEnds = rows.filter((row) => row.table === 'windows' && row.window_end <= latest).map((row) => row.window_end);
  const recent = new Set(windowEnds.sort((a, b) => b - a).slice(0, 3));
  const visited = new Set(
    rows.filter((row) => row.table === 'client_page_visits' && row.client_id === client && row.topic === pageTopic && recent.has(row.window_end)).map((row) => row.page),
  );
  return ofTopic
    .filter((row) => row.window_end === latest)
    .sort((a, b) => b.visitors - a.visitors || Buffer.compare(Buffer.from(a.page), Buffer.from(b.page)))
    .slice(0, n)
    .filter((row) => !visited.has(row.page))
    .map((row, index) => ({ rank: index + 1, page: row.page, visitors: row.visitors }));
}

securedTest('a job from a SASL_SSL topic into the password-and-TLS Cassandra writes exactly the reference rows and commits every offset', async () => {
  const input = join(dir, 'events.ndjson');
  writeFileSync(input, events.map(toLine).join('\n') + '\n');
  const produced = await runCli('produce.js', [...securedKafkaFlags({ mechanism: 'scram-sha-512' }), '--topic', topic, '--partitions', '3', '--source', `file:${input}`]);
  assert.is(produced.code, 0, produced.stderr);

  const run = await runCli('main.js', [...jobFlags(), '--stop-at-end']);
  assert.is(run.code, 0, run.stderr.slice(-2000));
  assert.is(expected.late, 0);
  const rows = await readCassandraRows(keyspace, securedCassandraOptions());
  assert.ok(rows.length > 1000, `many rows (${rows.length})`);
  assert.equal(firstDifference(rows, expected.rows), null, 'the secured store holds the reference rows');
  assert.equal(await committedOffsets(topic, topic), await endOffsets(topic), 'every offset committed');
});

securedTest('the recommender (TLS flags from CLICKSTREAM_*) and a running job\'s /api/recommendations read the secured store back', async () => {
  const pageTopic = expected.rows.find((row) => row.table === 'page_unique_visitors').topic;
  const latest = Math.max(...expected.rows.filter((row) => row.table === 'page_unique_visitors' && row.topic === pageTopic).map((row) => row.window_end));
  const client = expected.rows.find((row) => row.table === 'client_page_visits' && row.topic === pageTopic && row.window_end === latest).client_id;
  const n = 6;
  const answer = recommendationOf(expected.rows, client, pageTopic, n);
  assert.ok(answer.length > 0 && answer.length < n, `the client's visits remove some pages and leave some (${answer.length} of ${n})`);

  // The TLS files from the environment, the rest from flags: both ways reach the same connection.
  const query = ['--client', client, '--topic', pageTopic, '-n', String(n), '--json'];
  const cli = await runCli('recommend.js', ['--store', 'cassandra', ...securedCassandraFlags({ tlsFiles: false }), '--keyspace', keyspace, ...query], {
    env: SECURED_CASSANDRA_TLS_ENV,
  });
  assert.is(cli.code, 0, cli.stderr);
  assert.equal(JSON.parse(cli.stdout), answer);

  // The same job, still running at the end of its topic, serves the API from the secured store.
  const job = await startServedJob(jobFlags());
  try {
    const api = await request(job.url, `/api/recommendations?${new URLSearchParams({ client, topic: pageTopic, n: String(n) })}`);
    assert.is(api.status, 200, api.text);
    assert.is(`${api.text}\n`, cli.stdout, 'the API answers what the recommender prints');
  } finally {
    const stopped = await stopJob(job.run);
    assert.is(stopped.code, 0, stopped.stderr.slice(-2000));
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
securedTest.after(async () => {
  await dropKeyspace(keyspace, securedCassandraOptions()).catch(() => undefined);
  await deleteTopic(topic);
});

test.run();
