'use strict';
// A Cassandra keyspace holds one job (SPEC §4.1, issue 19), against the real Kafka and Cassandra. One
// 20,000-event topic (3 partitions, event clock, 10 s windows sliding 5 s, nothing late) is read by:
// 1. a job that completes; restarted with another --window (same group and keyspace) it exits 2 before
//    reading or writing, says what differs, and every row of every table of the keyspace and the group's
//    offsets are as they were;
// 2. a fresh keyspace with that group (offsets committed by the first job) exits 2 and writes no window;
// 3. --reset with the new window (exit 0) empties the keyspace, says so and moves the group back to the
//    earliest offsets; the next run with the new window equals the reference for it, row for row;
// 4. while a job writes a keyspace, another job into it exits 2 (the keyspace records the running job's
//    windows), and a --reset of another job, or of the running job, exits 1 naming the live writer or
//    member; the running job's tables end equal to the reference.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, rmSync } = require('node:fs');
const { hostname, tmpdir } = require('node:os');
const { join } = require('node:path');
const { serverTest, CASSANDRA_CONTACT } = require('../helpers/services');
const {
  prepareWorkload, kafkaFlags, withFlagValues, FAULT_WINDOW, assertRunCompletes, readCassandraRows, committedOffsets, endOffsets,
  withCassandra, withAdmin, cassandraProgress, deleteTopic, dropKeyspace, firstDifference,
} = require('../helpers/faults');
const { referenceRows } = require('../helpers/reference');
const { mainRuns, runCli, endedFirst } = require('../helpers/cli');
const { waitFor } = require('../helpers/wait');
const { logLinesOf, errorsOf } = require('../helpers/http');
const { CASSANDRA_TABLE_NAMES } = require('../../dist/sinks/cassandra/schema');

const RUN = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'clickstream-store-safety-'));
const keyspaces = [];
const groups = [];
/** Jobs started by the cases: test.after kills any a failed case left running. */
const { start, killRunning } = mainRuns();
/** The second geometry: 20 s windows sliding 10 s (the fault tests' lateness). */
const WIDER = { windowMs: 20_000, slideMs: 10_000, latenessMs: FAULT_WINDOW.latenessMs };
const WIDER_FLAGS = { '--window': '20s', '--slide': '10s' };

let preparing = null;

/** The workload, produced once for every case. */
function prepared() {
  preparing ??= prepareWorkload('store-safety', { count: 20_000 }).then((workload) => {
    groups.push(workload.group);
    return workload;
  });
  return preparing;
}

function keyspaceOf(name) {
  const keyspace = `store_safety_${name}_${RUN}`;
  keyspaces.push(keyspace);
  return keyspace;
}

/** Cases 1 and 3: the keyspace that holds the first job, then (after --reset) the job with the wider window. */
const RESTARTED = keyspaceOf('restarted');

function deadLettersOf(keyspace) {
  return join(dir, `${keyspace}.dead.jsonl`);
}

function sinkFlags(keyspace) {
  return ['--sink', 'cassandra', '--cassandra', CASSANDRA_CONTACT, '--keyspace', keyspace, '--dead-letter', deadLettersOf(keyspace)];
}

/** How a refusal for another job says to go on. */
function resetAdvice({ kafka }) {
  const rewind = kafka ? ' (the Kafka group then reads again from its earliest offsets)' : '';
  return `run once with --reset to clear it and rebuild every window under this run's flags${rewind}, or write another keyspace (--keyspace OTHER)`;
}

/** Every row of every table of the keyspace (the job's, its progress, its records), each as CQL's JSON of the row, sorted. */
function keyspaceSnapshot(keyspace) {
  return withCassandra(async (client) => {
    const snapshot = {};
    for (const table of CASSANDRA_TABLE_NAMES) {
      const rows = [];
      for await (const row of client.stream(`SELECT JSON * FROM ${keyspace}.${table}`, [], { prepare: true, fetchSize: 5000 })) rows.push(row['[json]']);
      snapshot[table] = rows.sort();
    }
    return snapshot;
  });
}

/** The job the keyspace records (store_job), or null. */
function recordedJob(keyspace) {
  return withCassandra(async (client) => {
    const row = (await client.execute(`SELECT identity FROM ${keyspace}.store_job WHERE id = 1`, [], { prepare: true })).first();
    return row === null ? null : JSON.parse(row.identity);
  });
}

serverTest('1. a restart with another --window exits 2, says what differs, and leaves every row and the group\'s offsets as they were', async () => {
  const workload = await prepared();
  const keyspace = RESTARTED;
  const sink = sinkFlags(keyspace);
  await assertRunCompletes([...kafkaFlags(workload), ...sink], workload, { deadLetters: deadLettersOf(keyspace), readRows: () => readCassandraRows(keyspace) });
  const before = await keyspaceSnapshot(keyspace);
  assert.ok(before.windows.length > 30 && before.partition_progress.length === 3, 'the job wrote its windows and its progress');
  const offsets = await committedOffsets(workload.topic, workload.group);

  const wider = await runCli('main.js', [...withFlagValues(kafkaFlags(workload), WIDER_FLAGS), ...sink]);
  assert.is(wider.code, 2, wider.stderr.slice(-2000));
  assert.equal(errorsOf(wider.stderr), [
    `clickstream: Cassandra keyspace ${keyspace} holds the windows of another job (window 10s in the store, 20s in this run; ` +
      `slide 5s in the store, 10s in this run). A store holds one job: ${resetAdvice({ kafka: true })}`,
  ]);
  assert.equal(await keyspaceSnapshot(keyspace), before, 'every row of every table is as it was');
  assert.equal(await committedOffsets(workload.topic, workload.group), offsets, 'the group\'s offsets did not move');
});

serverTest('2. a fresh keyspace with a group that committed offsets exits 2 and writes no window', async () => {
  const workload = await prepared();
  const offsets = await committedOffsets(workload.topic, workload.group);
  assert.equal(offsets, await endOffsets(workload.topic), 'the group committed its offsets in case 1');
  const keyspace = keyspaceOf('fresh');
  const fresh = await runCli('main.js', [...kafkaFlags(workload), ...sinkFlags(keyspace)]);
  assert.is(fresh.code, 2, fresh.stderr.slice(-2000));
  const positions = offsets.map((offset, partition) => `${partition}:${offset}`).join(', ');
  assert.equal(errorsOf(fresh.stderr), [
    `clickstream: Kafka group ${workload.group} has committed offsets on ${workload.topic} (partition:offset ${positions}) but the store ` +
      'holds no progress of this job, so the events before them would be missing from its first windows. Run once with --reset to move ' +
      'the group back to the earliest offsets and rebuild every window, or give the job a new --group',
  ]);
  assert.equal(await readCassandraRows(keyspace), [], 'no window rows');
  assert.is(await recordedJob(keyspace), null, 'the keyspace records no job');
  assert.equal((await keyspaceSnapshot(keyspace)).store_writers, [], 'the refused run withdrew its claim');
  assert.equal(await committedOffsets(workload.topic, workload.group), offsets, 'the group\'s offsets did not move');
});

serverTest('3. --reset with the new window empties the keyspace and rewinds the group; the next run equals the reference for the new window', async () => {
  const workload = await prepared();
  const keyspace = RESTARTED;
  const flags = [...withFlagValues(kafkaFlags(workload), WIDER_FLAGS), ...sinkFlags(keyspace)];
  const cleared = await runCli('main.js', [...flags, '--reset']);
  assert.is(cleared.code, 0, cleared.stderr.slice(-2000));
  const job = `kafka:${workload.topic}, group ${workload.group}, event clock, window 20s sliding 10s`;
  assert.equal(logLinesOf(cleared.stderr).map((line) => line.msg), [
    `reset: cassandra:${CASSANDRA_CONTACT}/${keyspace} is to hold ${job}`,
    `reset: removing every window and all progress of cassandra:${CASSANDRA_CONTACT}/${keyspace}, and moving Kafka group ${workload.group} ` +
      `back to the earliest offsets of ${workload.topic}`,
    `reset: Kafka group ${workload.group}: offsets on ${workload.topic} moved back to the earliest (partition:offset 0:0, 1:0, 2:0)`,
    `reset: Cassandra keyspace ${keyspace}: emptied its tables (${CASSANDRA_TABLE_NAMES.join(', ')}); it now holds this job, with nothing written yet`,
    'reset: done; the next run with these flags rebuilds every window',
  ]);
  assert.equal(await readCassandraRows(keyspace), [], 'no window rows are left');
  assert.equal(await committedOffsets(workload.topic, workload.group), [0, 0, 0], 'the group is back at the earliest offsets');
  assert.equal(await recordedJob(keyspace), { input: `kafka:${workload.topic}`, group: workload.group, clock: 'event', windowMs: 20_000, slideMs: 10_000 });

  const reference = referenceRows(workload.events, WIDER);
  assert.is(reference.late, 0);
  assert.ok(firstDifference(reference.rows, workload.expected) !== null, 'the new window gives other rows');
  await assertRunCompletes(flags, { ...workload, expected: reference.rows }, { deadLetters: deadLettersOf(keyspace), readRows: () => readCassandraRows(keyspace) });
});

serverTest('4. while a job writes a keyspace, another job exits 2 and resets exit 1, all before writing; the job\'s tables equal the reference', async () => {
  const workload = await prepared();
  const keyspace = keyspaceOf('running');
  const running = { ...workload, group: `${workload.group}-running` };
  groups.push(running.group);
  const sink = sinkFlags(keyspace);
  // The job keeps running once it has read the topic (its last windows stay open): a live writer for as long as the case needs.
  const first = start([...kafkaFlags(running, { stopAtEnd: false }), ...sink]);
  await waitFor('the first window durable', async () => (await cassandraProgress(keyspace, `${running.group}/${workload.topic}`)) > -Infinity, {
    timeoutMs: 120_000, stopIf: endedFirst(first), whileWaiting: () => first.output().stderr.slice(-2000),
  });
  const writer = `pid ${first.pid} on ${hostname()}`;
  const job = `kafka:${workload.topic}, group ${running.group}, event clock, window 10s sliding 5s`;

  const synthetic = ['--source', 'synthetic:dev', '--events', '500', '--rate', 'max', '--clock', 'event', '--window', '10s', '--slide', '5s', '--batch', '1s'];
  const other = await runCli('main.js', [...synthetic, ...sink]);
  assert.is(other.code, 2, other.stderr.slice(-2000));
  assert.equal(errorsOf(other.stderr), [
    `clickstream: Cassandra keyspace ${keyspace} holds the windows of another job (input kafka:${workload.topic} in the store, ` +
      `synthetic:dev seed 1 in this run; group ${running.group} in the store, (none) in this run). A store holds one job: ${resetAdvice({ kafka: false })}`,
  ]);

  const another = { ...workload, group: `${workload.group}-another` };
  groups.push(another.group);
  const resetOther = await runCli('main.js', [...kafkaFlags(another), ...sink, '--reset']);
  assert.is(resetOther.code, 1, resetOther.stderr.slice(-2000));
  const [refusal, ...more] = errorsOf(resetOther.stderr);
  assert.equal(more, []);
  assert.match(refusal, `clickstream: Cassandra keyspace ${keyspace} is being written by another process: ${writer}, since `);
  assert.match(refusal, ` (${job}). Stop it first, or write another keyspace (--keyspace OTHER); a writer that died no longer counts`);
  assert.equal(await committedOffsets(workload.topic, another.group), [-1, -1, -1], 'the other group was not moved');

  const resetRunning = await runCli('main.js', [...kafkaFlags(running), ...sink, '--reset']);
  assert.is(resetRunning.code, 1, resetRunning.stderr.slice(-2000));
  const [busy, ...rest] = errorsOf(resetRunning.stderr);
  assert.equal(rest, []);
  assert.match(busy, `clickstream: Kafka group ${running.group} has live members (`);
  assert.match(busy, '): stop every instance of the job before --reset');

  assert.is(first.result, null, 'the job was running throughout');
  first.child.kill('SIGTERM');
  const stopped = await first.exited;
  assert.is(stopped.code, 0, stopped.stderr.slice(-2000));
  assert.equal(await recordedJob(keyspace), { input: `kafka:${workload.topic}`, group: running.group, clock: 'event', windowMs: 10_000, slideMs: 5_000 });
  // Its last windows were still open: a run to the end finishes them, from the group's offsets and the keyspace's progress.
  await assertRunCompletes([...kafkaFlags(running), ...sink], running, { deadLetters: deadLettersOf(keyspace), readRows: () => readCassandraRows(keyspace) });
});

serverTest.after(async () => {
  await killRunning();
  rmSync(dir, { recursive: true, force: true });
  const workload = await preparing?.catch(() => null);
  if (workload) await deleteTopic(workload.topic);
  await withAdmin((admin) => admin.deleteGroups(groups)).catch(() => undefined);
  for (const keyspace of keyspaces) await dropKeyspace(keyspace).catch(() => undefined);
});

test.run();
