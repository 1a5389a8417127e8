'use strict';
// A sink outage must lose no window (offsets are committed only once their windows are durable): Cassandra is stopped for about a minute in the middle of a run. The
// job must hold on (retrying writes, consuming no further than its bounded buffers allow, committing
// nothing new), then finish by itself with exit 0 and complete tables once Cassandra is back. What
// bounds its memory is checked as behaviour: once its writes wait, it stops taking events, so the
// events it holds are those of the waiting windows, not the rest of the topic (its progress lines'
// event count stands still for the second half of the outage). The process's peak resident memory
// before and during the outage is printed, not asserted (memory is measured in benchmarks).
// Down past the sink's give-up time (120 s of retries from the first failure), the job must fail —
// exit 1, saying what failed — with nothing committed beyond the windows it made durable, so a rerun
// with the same group completes the tables.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { serverTest, CASSANDRA_CONTACT } = require('../helpers/services');
const {
  prepareWorkload, kafkaFlags, deleteTopic, waitForCommitted, committedTotal,
  services, stopServerUnder, progressLoggedBetween, readCassandraRows, dropKeyspace, assertCompleted,
  cassandraProgress, assertCommitsBehindDurable, assertRunCompletes,
} = require('../helpers/faults');
const { startMain, rssKiB } = require('../helpers/cli');

const RUN = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'clickstream-faults-cassandra-'));
const keyspace = `faults_outage_${RUN}`;
const OUTAGE_MS = 60_000;
/** How long the Cassandra sink retries a write before the job fails (DEFAULT_RETRY in src/stores/cassandra/retry.ts); not a flag. */
const GIVE_UP_MS = 120_000;
let workload = null;
const giveUpKeyspace = `faults_giveup_${RUN}`;
let giveUpWorkload = null;

serverTest('Cassandra down for ~60 s mid-run: the job stops taking events while its writes wait, then finishes by itself, exit 0, tables equal the reference', async () => {
  workload = await prepareWorkload('faults-cassandra');
  const { topic, group, count } = workload;
  const deadLetters = join(dir, 'dead.jsonl');
  // The default --idle-timeout (30 s), shorter than the outage: a stalled job must not age its partitions.
  const run = startMain([...kafkaFlags(workload), '--sink', 'cassandra', '--cassandra', CASSANDRA_CONTACT, '--keyspace', keyspace, '--dead-letter', deadLetters]);
  let peakBefore = 0;
  await waitForCommitted(run, workload, 1, { onPoll: () => (peakBefore = Math.max(peakBefore, rssKiB(run.pid) ?? 0)) });

  let peakDuring = 0;
  let committedAtStop;
  let committedAtRestart;
  let stoppedAt;
  let outageEnds;
  try {
    await stopServerUnder(run, 'cassandra');
    stoppedAt = Date.now();
    committedAtStop = await committedTotal(topic, group);
    // The outage itself lasts a fixed time; meanwhile the job must stay alive, and its memory is sampled.
    outageEnds = Date.now() + OUTAGE_MS;
    while (Date.now() < outageEnds) {
      assert.is(run.result, null, `the run must ride out the outage, not end: ${run.result?.stderr.slice(-1500)}`);
      peakDuring = Math.max(peakDuring, rssKiB(run.pid) ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    committedAtRestart = await committedTotal(topic, group);
  } finally {
    await services('up', 'cassandra');
  }
  assert.is(committedAtRestart, committedAtStop, 'nothing committed while the sink was down');
  assert.ok(committedAtStop < count, 'the outage came mid-run');
  // The second half of the outage: long after the writer's queue filled, the job takes no event.
  const progress = progressLoggedBetween(run.output().stderr, stoppedAt + OUTAGE_MS / 2, outageEnds);
  const taken = progress.map((entry) => entry.events);
  assert.ok(taken.length >= 3, `progress lines in the second half of the outage (${taken.length})`);
  assert.ok(taken.every((events) => events === taken[0]), `no event taken while the writes wait: ${taken.join(', ')}`);
  assert.ok(taken[0] < count, `the job stopped short of the topic's end (${taken[0]} of ${count} taken)`);

  const finished = await run.exited;
  console.log(
    `Cassandra outage: peak RSS ${Math.round(peakBefore / 1024)} MiB before, ${Math.round(peakDuring / 1024)} MiB during ` +
      `the ${OUTAGE_MS / 1000} s outage; ${committedAtStop} of ${count} messages committed when it began, ${taken[0]} taken during it`,
  );
  await assertCompleted(finished, workload, { deadLetters, readRows: () => readCassandraRows(keyspace) });
});

test('a connection closed under a request ("Socket was closed", as a node goes down) is retried like an unreachable host', () => {
  const { errors } = require('cassandra-driver');
  const { isTransient } = require('../../dist/sinks/cassandra/retry');
  // What cassandra-driver's Connection#clearAndInvokePending hands every request in flight.
  const closed = new errors.DriverError('Socket was closed');
  closed.isSocketError = true;
  assert.ok(isTransient(closed));
  assert.not.ok(isTransient(new errors.DriverError('some other driver error')));
});

serverTest('Cassandra down past the give-up time (its 120 s of retries): exit 1 saying what failed, nothing committed past the durable windows; a rerun completes the tables', async () => {
  giveUpWorkload = await prepareWorkload('faults-cassandra-giveup');
  const { job, count } = giveUpWorkload;
  const deadLetters = join(dir, 'giveup-dead.jsonl');
  const args = [...kafkaFlags(giveUpWorkload), '--sink', 'cassandra', '--cassandra', CASSANDRA_CONTACT, '--keyspace', giveUpKeyspace, '--dead-letter', deadLetters];
  const run = startMain(args, { timeoutMs: GIVE_UP_MS + 180_000 });
  await waitForCommitted(run, giveUpWorkload, 1);
  let failed;
  let downFor;
  try {
    await stopServerUnder(run, 'cassandra');
    const stoppedAt = Date.now();
    // The job gives up on its own: no deadline here but the run's.
    failed = await run.exited;
    downFor = Date.now() - stoppedAt;
  } finally {
    await services('up', 'cassandra');
  }
  assert.is(failed.code, 1, `exit 1 (got ${failed.code ?? failed.signal}): ${failed.stderr.slice(-2000)}`);
  assert.ok(downFor >= GIVE_UP_MS - 5_000, `it rode out the retries first (failed after ${downFor} ms)`);
  assert.match(failed.stderr, /clickstream failed: .*failed \d+ times over \d+ s, giving up/);
  const durable = await cassandraProgress(giveUpKeyspace, job);
  const total = await assertCommitsBehindDurable(giveUpWorkload, durable, 'giving up');
  console.log(`Cassandra down past the give-up time: exit 1 after ${Math.round(downFor / 1000)} s; ${total} of ${count} messages committed, progress through ${new Date(durable).toISOString()}`);
  await assertRunCompletes(args, giveUpWorkload, { deadLetters, readRows: () => readCassandraRows(giveUpKeyspace) });
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  for (const done of [workload, giveUpWorkload]) if (done !== null) await deleteTopic(done.topic);
  for (const name of [keyspace, giveUpKeyspace]) await dropKeyspace(name).catch(() => undefined);
});

test.run();
