'use strict';
// With a local sink (SQLite here) a group has one consuming member: a second instance of the job in the
// same group stops with a clear message before it reads or writes, the first keeps every partition, and
// a member of another build or program (another group protocol) is refused the same way — including a
// job that shares its partitions (the Cassandra sink) beside a single-owner one, as new and old builds.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const Database = require('better-sqlite3');
const { Kafka, logLevel } = require('kafkajs');
const { serverTest, KAFKA_BROKERS, CASSANDRA_CONTACT } = require('../helpers/services');
const { startCli, runCli, endedFirst } = require('../helpers/cli');
const { waitFor } = require('../helpers/wait');
const { committedOffsets, committedTotal, dropKeyspace, withAdmin } = require('../helpers/faults');

const RUN = Date.now();
const TOPIC = `group-safety-${RUN}`;
const EVENTS = 20_000;
const PARTITIONS = 4;
const dir = mkdtempSync(join(tmpdir(), 'clickstream-group-safety-'));
const kafka = new Kafka({ brokers: [KAFKA_BROKERS], logLevel: logLevel.NOTHING });

async function isConsumed(group) {
  return withAdmin(async (admin) => {
    const [described] = (await admin.describeGroups([group])).groups;
    return described.state === 'Stable' && described.members.length > 0;
  });
}

// A group that has commits its new store has no progress for is refused before the build checks are
// reached (exit 2), so the member already in the group must commit nothing while the newcomer joins: a day
// window ends past the whole input (20,000 dev events span under 2 hours of 25 January 2017), so no window
// is durable and no offset committed until the run ends.
const UNCOMMITTING = ['--window', '24h', '--slide', '24h'];

async function waitUntilConsuming(group, instance) {
  await waitFor(`the first instance to consume group ${group}`, () => isConsumed(group),
    { timeoutMs: 120_000, stopIf: endedFirst(instance), whileWaiting: () => instance.output().stderr.slice(-3000) });
}

async function assertNothingCommitted(group) {
  const committed = (await committedOffsets(TOPIC, group)).filter((offset) => offset >= 0);
  assert.equal(committed, [], 'the member already in the group has committed nothing');
}

function rowCount(db, table) {
  const store = new Database(db, { readonly: true });
  try {
    return store.prepare(`SELECT count(*) AS n FROM ${table}`).get().n;
  } finally {
    store.close();
  }
}

const job = (group, db, extra = []) => [
  '--source', 'kafka', '--topic', TOPIC, '--group', group, '--brokers', KAFKA_BROKERS, '--from-beginning',
  '--clock', 'event', '--threads', '1', '--sink', `sqlite:${db}`, '--dead-letter', join(dir, `${group}-dead.jsonl`), ...extra,
];

serverTest.before(async () => {
  const produced = await runCli('produce.js', ['--topic', TOPIC, '--source', 'synthetic:dev', '--events', String(EVENTS), '--partitions', String(PARTITIONS), '--brokers', KAFKA_BROKERS]);
  assert.is(produced.code, 0, produced.stderr);
});

serverTest('a second instance in the group stops before reading or writing; the first keeps every partition', async () => {
  const group = `group-safety-${RUN}`;
  const first = startCli('main.js', job(group, join(dir, 'first.db'), UNCOMMITTING));
  try {
    await waitUntilConsuming(group, first);
    const second = await runCli('main.js', job(group, join(dir, 'second.db'), UNCOMMITTING));
    await assertNothingCommitted(group);
    assert.is(second.code, 1, second.stderr.slice(-2000));
    assert.match(second.stderr, `another instance of this job consumes the topic in group ${group}`);
    assert.is(rowCount(join(dir, 'second.db'), 'windows'), 0, 'the second instance wrote no window');
    assert.is(rowCount(join(dir, 'second.db'), 'client_page_visits'), 0);
    assert.is(first.result, null, `the first instance still runs: ${first.output().stderr.slice(-2000)}`);
    // The first instance got every partition back when the second left: a run that finishes the topic in
    // the same group afterwards commits every message, which it could not with a partition held elsewhere.
    first.child.kill('SIGTERM');
    const stopped = await first.exited;
    assert.is(stopped.code, 0, stopped.stderr.slice(-2000));
    assert.not.match(stopped.stderr, 'failed');
    const finisher = await runCli('main.js', job(group, join(dir, 'first.db'), [...UNCOMMITTING, '--stop-at-end']), { timeoutMs: 240_000 });
    assert.is(finisher.code, 0, finisher.stderr.slice(-2000));
    assert.is(await committedTotal(TOPIC, group), EVENTS);
  } finally {
    first.child.kill('SIGKILL');
  }
});

serverTest('a member of another program or build in the group makes the job stop with a clear message', async () => {
  const group = `group-safety-foreign-${RUN}`;
  // A plain kafkajs consumer speaks the RoundRobinAssigner protocol, as a build without the single-owner rule did.
  const foreign = kafka.consumer({ groupId: group });
  await foreign.connect();
  try {
    await foreign.subscribe({ topic: TOPIC, fromBeginning: true });
    let joined = false;
    foreign.on(foreign.events.GROUP_JOIN, () => (joined = true));
    // It commits nothing: a group with commits its store has no progress for is refused before joining.
    await foreign.run({ autoCommit: false, eachMessage: async () => {} });
    await waitFor('the foreign consumer to join', () => joined, { timeoutMs: 120_000 });
    const run = await runCli('main.js', job(group, join(dir, 'foreign.db')));
    assert.is(run.code, 1, run.stderr.slice(-2000));
    assert.match(run.stderr, 'must all run the same clickstream build');
    assert.is(rowCount(join(dir, 'foreign.db'), 'windows'), 0);
  } finally {
    await foreign.disconnect();
  }
});

serverTest('a job that shares its partitions (Cassandra sink) cannot join a group a single-owner job consumes: one build per group', async () => {
  const group = `group-safety-mixed-${RUN}`;
  const keyspace = `group_safety_${RUN}`;
  const single = startCli('main.js', job(group, join(dir, 'single.db'), UNCOMMITTING));
  try {
    await waitUntilConsuming(group, single);
    const shared = await runCli('main.js', [
      '--source', 'kafka', '--topic', TOPIC, '--group', group, '--brokers', KAFKA_BROKERS, '--from-beginning', '--clock', 'event',
      '--threads', '1', '--sink', 'cassandra', '--cassandra', CASSANDRA_CONTACT, '--keyspace', keyspace, '--dead-letter', join(dir, 'shared-dead.jsonl'),
      ...UNCOMMITTING,
    ]);
    await assertNothingCommitted(group);
    assert.is(shared.code, 1, shared.stderr.slice(-2000));
    assert.match(shared.stderr, 'must all run the same clickstream build');
    assert.not.match(shared.stderr, 'windows written');
    assert.is(single.result, null, `the single-owner instance still runs: ${single.output().stderr.slice(-2000)}`);
  } finally {
    single.child.kill('SIGKILL');
    await dropKeyspace(keyspace).catch(() => undefined);
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
  await admin.disconnect();
});

test.run();
