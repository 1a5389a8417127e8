'use strict';
// kill -9 loses no window: offsets are committed only for events whose every window is durable, and a
// restarted job (same group) never re-emits a window an earlier run wrote. One job over a 200k-event
// topic is killed three times — after its first commit, mid-way, near the end — each point found by
// polling the group's committed offsets; a last run with --stop-at-end must leave Cassandra holding
// exactly the reference rows: no window lost, none partial, none duplicated. The killed runs do not
// stop at the end: commits come a second apart, and a fast run with --stop-at-end can commit its
// last window between two polls, leaving nothing to kill mid-run.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { serverTest, CASSANDRA_CONTACT } = require('../helpers/services');
const {
  prepareWorkload, kafkaFlags, deleteTopic, waitForCommitted, cassandraProgress, readCassandraRows, dropKeyspace,
  assertCommitsBehindDurable, assertRunCompletes,
} = require('../helpers/faults');
const { startMain } = require('../helpers/cli');

const RUN = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'clickstream-faults-kill-'));
const keyspace = `faults_kill_${RUN}`;
let workload = null;

serverTest('kill -9 after the first commit, mid-way and near the end; a restart with the same group completes Cassandra to the reference, row for row', async () => {
  workload = await prepareWorkload('faults-kill');
  const { job, count } = workload;
  const deadLetters = join(dir, 'dead.jsonl');
  const sink = ['--sink', 'cassandra', '--cassandra', CASSANDRA_CONTACT, '--keyspace', keyspace, '--dead-letter', deadLetters];
  const points = [
    ['after the first commit', 1],
    ['mid-way', count * 0.5],
    ['near the end', count * 0.7],
  ];
  for (const [point, threshold] of points) {
    const run = startMain([...kafkaFlags(workload, { stopAtEnd: false }), ...sink]);
    const reached = await waitForCommitted(run, workload, threshold);
    run.child.kill('SIGKILL');
    const killed = await run.exited;
    assert.is(killed.signal, 'SIGKILL', `killed ${point}`);
    // Every committed message counts only in windows the sink had recorded as written.
    const durable = await cassandraProgress(keyspace, job);
    const total = await assertCommitsBehindDurable(workload, durable, `kill -9 ${point}`);
    assert.ok(total >= reached, 'commits never move back');
    console.log(`kill -9 ${point}: ${total} of ${count} messages committed, progress through ${new Date(durable).toISOString()}`);
  }

  await assertRunCompletes([...kafkaFlags(workload), ...sink], workload, { deadLetters, readRows: () => readCassandraRows(keyspace) });
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  if (workload !== null) await deleteTopic(workload.topic);
  await dropKeyspace(keyspace).catch(() => undefined);
});

test.run();
