'use strict';
// SIGTERM stops consuming, writes what is due, commits and exits 0 within a few seconds.
// Mid-run on an endless Kafka source (no --stop-at-end): exit 0 within 10 s, the commits stay behind
// the durable windows, and a rerun with --stop-at-end completes the tables to the reference.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { serverTest } = require('../helpers/services');
const {
  prepareWorkload, kafkaFlags, deleteTopic, waitForCommitted, sqliteProgress, readSqliteRows,
  assertCommitsBehindDurable, assertRunCompletes,
} = require('../helpers/faults');
const { startMain } = require('../helpers/cli');
const { waitFor } = require('../helpers/wait');

const dir = mkdtempSync(join(tmpdir(), 'clickstream-faults-sigterm-'));
let workload = null;

serverTest('SIGTERM mid-run: exit 0 within 10 s, commits behind durable windows, a rerun with --stop-at-end completes the tables', async () => {
  workload = await prepareWorkload('faults-sigterm');
  const { job, count } = workload;
  const db = join(dir, 'sink.db');
  const deadLetters = join(dir, 'dead.jsonl');
  const sink = ['--sink', `sqlite:${db}`, '--dead-letter', deadLetters];

  const run = startMain([...kafkaFlags(workload, { stopAtEnd: false }), ...sink]);
  await waitForCommitted(run, workload, count / 3);
  const signalledAt = Date.now();
  run.child.kill('SIGTERM');
  const exit = await waitFor('the exit after SIGTERM', () => run.result, { timeoutMs: 10_000, intervalMs: 20 });
  const stopMs = Date.now() - signalledAt;
  assert.is(exit.code, 0, exit.stderr.slice(-2000));
  assert.match(exit.stderr, /SIGTERM/);
  const durable = sqliteProgress(db, job);
  const total = await assertCommitsBehindDurable(workload, durable, 'SIGTERM');
  console.log(`SIGTERM: exit 0 after ${stopMs} ms, ${total} of ${count} messages committed, progress through ${new Date(durable).toISOString()}`);

  await assertRunCompletes([...kafkaFlags(workload), ...sink], workload, { deadLetters, readRows: () => readSqliteRows(db) });
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  if (workload !== null) await deleteTopic(workload.topic);
});

test.run();
