'use strict';
// A Kafka outage must lose and double-count nothing: the Kafka broker is stopped and started again in the middle of a run,
// while the job still has messages to fetch — for about 12 s, and for 40 s (longer than kafkajs's
// retries of one request, and than the default idle timeout). The job must reconnect by itself, finish
// with exit 0 and complete tables, nothing counted twice (the tables equal the reference row for row,
// so a batch re-fetched after the reconnection and counted again would show).
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { serverTest, CASSANDRA_CONTACT } = require('../helpers/services');
const {
  prepareWorkload, kafkaFlags, deleteTopic, waitForCommitted, services, stopServerUnder, progressLoggedBetween, readCassandraRows, dropKeyspace, assertCompleted,
} = require('../helpers/faults');
const { startMain } = require('../helpers/cli');

const RUN = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'clickstream-faults-kafka-'));
const topics = [];
const keyspaces = [];

/**
 * Stops the broker once the job has committed something, keeps it down for `outageMs` (the stop and
 * start take some seconds more), and checks the run: still going during the outage, lag logged
 * meanwhile, then exit 0 with the reference's tables.
 */
async function brokerOutage(name, outageMs) {
  // 400k events into Cassandra: at the first commit most of the topic is still to be fetched.
  const workload = await prepareWorkload(`faults-kafka-${name}`, { count: 400_000 });
  topics.push(workload.topic);
  const keyspace = `faults_kafka_${name}_${RUN}`;
  keyspaces.push(keyspace);
  const deadLetters = join(dir, `${name}.dead.jsonl`);
  // The default --idle-timeout (30 s), shorter than the longer outage: a stalled job must not age its partitions.
  const run = startMain([...kafkaFlags(workload), '--sink', 'cassandra', '--cassandra', CASSANDRA_CONTACT, '--keyspace', keyspace, '--dead-letter', deadLetters], { timeoutMs: 360_000 });
  const committedAtStop = await waitForCommitted(run, workload, 1);
  const stoppedAt = Date.now();
  let startedAt;
  try {
    await stopServerUnder(run, 'kafka');
    // The job runs on without its broker for a while (its progress lines log the lag meanwhile).
    const outageEnds = Date.now() + outageMs;
    while (Date.now() < outageEnds) {
      assert.is(run.result, null, `the run is still going while the broker is down: ${run.result?.stderr.slice(-1500)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await services('up', 'kafka');
    startedAt = Date.now();
  }
  const finished = await run.exited;
  const lags = progressLoggedBetween(finished.stderr, stoppedAt, startedAt).map((entry) => entry.kafkaLag);
  console.log(`Kafka outage (${name}): broker down and up in ${startedAt - stoppedAt} ms; ${committedAtStop} of ${workload.count} messages committed when it began; lag during it ${lags.join(', ')}`);
  assert.ok(lags.some((lag) => lag > 0), 'the outage came while the job still had messages to fetch');
  await assertCompleted(finished, workload, { deadLetters, readRows: () => readCassandraRows(keyspace) });
}

serverTest('Kafka stopped and restarted mid-run: the run finishes by itself, exit 0, tables equal the reference (nothing lost, nothing doubled)', () =>
  brokerOutage('short', 12_000));

serverTest('Kafka down for over 20 s (40 s, longer than the default idle timeout): the job reconnects and finishes by itself, exit 0, tables equal the reference', () =>
  brokerOutage('long', 40_000));

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  for (const topic of topics) await deleteTopic(topic);
  for (const keyspace of keyspaces) await dropKeyspace(keyspace).catch(() => undefined);
});

test.run();
