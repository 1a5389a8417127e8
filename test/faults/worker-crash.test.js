'use strict';
// A dead aggregation worker takes its shards' open windows with it. Chosen behaviour: the job stops
// with a non-zero exit and says so; it commits nothing beyond what is durable, so a rerun with the
// same group rebuilds the lost windows from Kafka and the tables equal the reference.
// CLICKSTREAM_INJECT_WORKER_CRASH=N makes each worker thread exit on its N-th task (src/aggregation/worker.ts).
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { serverTest } = require('../helpers/services');
const {
  prepareWorkload, kafkaFlags, deleteTopic, sqliteProgress, readSqliteRows, assertCommitsBehindDurable, assertRunCompletes,
} = require('../helpers/faults');
const { startMain } = require('../helpers/cli');

const dir = mkdtempSync(join(tmpdir(), 'clickstream-faults-worker-'));
let workload = null;

serverTest('a worker thread crash: non-zero exit with "aggregation worker thread died", no commit beyond durable windows, a rerun completes the tables', async () => {
  workload = await prepareWorkload('faults-worker');
  const { job } = workload;
  const db = join(dir, 'sink.db');
  const deadLetters = join(dir, 'dead.jsonl');
  const args = [...kafkaFlags(workload), '--sink', `sqlite:${db}`, '--dead-letter', deadLetters];

  // About 400 windows close over the run, each a task on every worker: task 150 comes about a third in.
  const crashed = await startMain(args, { env: { CLICKSTREAM_INJECT_WORKER_CRASH: '150' }, timeoutMs: 120_000 }).exited;
  assert.ok(crashed.code !== 0 && crashed.code !== null, `a non-zero exit (code ${crashed.code}, signal ${crashed.signal})`);
  assert.match(crashed.stderr, /aggregation worker thread died/);
  const total = await assertCommitsBehindDurable(workload, sqliteProgress(db, job), 'the crash');
  console.log(`worker crash: exit ${crashed.code}, ${total} of ${workload.count} messages committed, progress through ${new Date(sqliteProgress(db, job)).toISOString()}`);

  await assertRunCompletes(args, workload, { deadLetters, readRows: () => readSqliteRows(db) });
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  if (workload !== null) await deleteTopic(workload.topic);
});

test.run();
