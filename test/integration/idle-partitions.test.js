'use strict';
// A silent partition in a live event-clock job (no --stop-at-end), against the real Kafka and
// Cassandra: windows must still be written, within --idle-timeout plus a few seconds of the watermark
// of the partitions that deliver passing them (or of the silent partition's quiet beginning, when the
// watermark passed earlier), and equal the reference. The producer writes events stamped with the wall
// time in bursts 4 s apart, each burst one event per delivering partition: a sparse topic, where
// idleness must come from wall time (caught up and quiet), not from counting the other partitions'
// batches, which made an 8 s idle timeout take about a second per burst (some 30 s here).
// 1. one instance (JSONL sink) on a 4-partition topic whose partition 3 receives nothing;
// 2. two instances in one group (Cassandra sink, shared mode) on a 3-partition topic, where one
//    instance owns only the silent partition 1: it follows the other instance's progress, so the
//    merges are not held back; partition 1 then delivers a few bursts and goes silent again.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { existsSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { serverTest, KAFKA_BROKERS } = require('../helpers/services');
const { createTopic, endOffsets, readCassandraRows, dropKeyspace, deleteTopic, firstDifference } = require('../helpers/faults');
const { LiveProducer, WindowWatch, jsonlWindows, cassandraWindows, watermarkPassedAt, ownedBy } = require('../helpers/live');
const { referenceRows, sortRows } = require('../helpers/reference');
const { startMain, endedFirst, readJsonl, readDeadLetters } = require('../helpers/cli');
const { waitFor } = require('../helpers/wait');

const RUN = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'clickstream-idle-'));
const topics = [];
const keyspaces = [];
const IDLE_MS = 8_000;
const LATENESS_MS = 2_000;
const WINDOW = { windowMs: 4_000, slideMs: 2_000, latenessMs: LATENESS_MS };
const BURST_EVERY_MS = 4_000;
/** What "a few seconds" allows on this shared two-core machine: a tick, a write, a poll. */
const SLACK_MS = 5_000;
const JOB_FLAGS = [
  '--clock', 'event', '--window', '4s', '--slide', '2s', '--batch', '1s', '--lateness', '2s', '--idle-timeout', '8s', '--threads', '1',
];

async function freshTopic(name, partitions) {
  const topic = `livepath-${name}-${RUN}`;
  topics.push(topic);
  await createTopic(topic, partitions);
  return topic;
}

/** The job's flags on `topic` in group `group`. */
function jobFlags(topic, group, sink, name) {
  return ['--source', 'kafka', '--brokers', KAFKA_BROKERS, '--topic', topic, '--group', group, '--from-beginning', ...JOB_FLAGS,
    ...sink, '--dead-letter', join(dir, `${name}.dead.jsonl`)];
}

/** The reference rows of every event produced, in windows ending at or before `through`. */
function expectedThrough(events, through) {
  const ordered = [...events].sort((a, b) => a.ts - b.ts);
  const reference = referenceRows(ordered, WINDOW);
  assert.is(reference.late, 0, 'in-order input: nothing late in the reference');
  return reference.rows.filter((row) => row.window_end <= through);
}

/**
 * Each window written (seen by `watch`) the watermark of `partitions` passed, came within SLACK_MS of
 * the later of that passing and the idle timeout after `quietFrom(passed)`, when the silent partition
 * began to be quiet (null: not checked, the partition was delivering). Returns the delays past the passing.
 */
function assertOnTime(watch, events, partitions, what, quietFrom) {
  const delays = [];
  for (const [end, { at }] of [...watch.seen].sort(([a], [b]) => a - b)) {
    const passed = watermarkPassedAt(events, partitions, end, LATENESS_MS);
    if (passed === null) continue; // closed by the run's end, not by the watermark
    const quiet = quietFrom(passed);
    if (quiet === null) continue;
    const due = Math.max(passed, quiet + IDLE_MS);
    assert.ok(at - due <= SLACK_MS, `${what}: the window ending ${new Date(end).toISOString()} came ${at - due} ms after it was due (the watermark passed it ${at - passed} ms before)`);
    delays.push(at - passed);
  }
  assert.ok(delays.length >= 4, `${what}: windows the watermark passed were written (${delays.length})`);
  return delays;
}

function assertNoDeadLetters(name) {
  const path = join(dir, `${name}.dead.jsonl`);
  const letters = existsSync(path) ? readDeadLetters(path) : [];
  assert.equal(letters, [], `${name}: no dead letters`);
}

serverTest('1. one instance, 4 partitions, partition 3 silent: windows come within the idle timeout of the watermark passing them and equal the reference', async () => {
  const topic = await freshTopic('idle-one', 4);
  const out = join(dir, 'one.jsonl');
  const producer = new LiveProducer(topic, 4, { seed: 11 });
  const watch = new WindowWatch(jsonlWindows(out));
  const startedAt = Date.now();
  const run = startMain(jobFlags(topic, topic, ['--sink', `jsonl:${out}`], 'one'));
  try {
    producer.every(BURST_EVERY_MS, [0, 1, 2]);
    await waitFor('eight windows written', () => watch.seen.size >= 8, { timeoutMs: 60_000, stopIf: endedFirst(run), whileWaiting: () => run.output().stderr.slice(-2000) });
    await producer.stop();
    run.child.kill('SIGTERM');
    const result = await run.exited;
    assert.is(result.code, 0, result.stderr.slice(-2000));
  } finally {
    await producer.close();
    await watch.stop();
  }
  assert.equal((await endOffsets(topic))[3], 0, 'partition 3 received nothing');
  // Partition 3 is quiet from the job's start (its first tick, a little after the process started).
  const delays = assertOnTime(watch, producer.events, [0, 1, 2], 'one instance', () => startedAt);
  console.log(`[idle 1] ${watch.seen.size} windows; delays after the watermark passed them (ms): ${delays.join(', ')}`);
  const rows = sortRows(readJsonl(out));
  const through = Math.max(...rows.map((row) => row.window_end));
  assert.equal(firstDifference(rows, expectedThrough(producer.events, through)), null, 'rows equal the reference through the last window written');
  assertNoDeadLetters('one');
});

serverTest('2. two instances, one owning only the silent partition: it follows the other, merges come within the idle timeout; when it delivers again its events count; tables equal the reference', async () => {
  const topic = await freshTopic('idle-two', 3);
  const keyspace = `livepath_idle_${RUN}`;
  keyspaces.push(keyspace);
  const sink = ['--sink', 'cassandra', '--keyspace', keyspace];
  const producer = new LiveProducer(topic, 3, { seed: 12 });
  const runs = ['a', 'b'].map((label) => Object.assign(startMain(jobFlags(topic, topic, sink, `two-${label}`)), { label }));
  let assignedAt;
  const watch = new WindowWatch(cassandraWindows(keyspace));
  try {
    // Partitions are dealt round-robin over the two members: one gets 0 and 2, the other 1 alone.
    const [busy, silent] = await waitFor('both instances assigned, one owning only partition 1', () => {
      const owned = runs.map(ownedBy);
      const lone = runs.find((run, i) => JSON.stringify(owned[i]) === '[1]');
      const other = runs.find((run, i) => JSON.stringify(owned[i]) === '[0,2]');
      return lone !== undefined && other !== undefined ? [other, lone] : null;
    }, { timeoutMs: 90_000, stopIf: () => runs.map(endedFirst).map((ended) => ended()).find(Boolean) });
    assignedAt = Date.now();

    producer.every(BURST_EVERY_MS, [0, 2]);
    await waitFor('five windows merged', () => watch.seen.size >= 5, { timeoutMs: 60_000, stopIf: endedFirst(busy) });
    // Partition 1 delivers for a while, then is silent again.
    producer.every(BURST_EVERY_MS, [0, 1, 2]);
    await waitFor('three bursts into partition 1', () => producer.events.filter((e) => e.partition === 1 && e.sentAt !== null).length >= 3, { timeoutMs: 30_000 });
    producer.every(BURST_EVERY_MS, [0, 2]);
    const lastOfPartition1 = Math.max(...producer.events.filter((e) => e.partition === 1).map((e) => e.ts));
    await waitFor('the windows of partition 1\'s events merged, and five more', () =>
      [...watch.seen.keys()].filter((end) => end > lastOfPartition1 + WINDOW.windowMs).length >= 5,
    { timeoutMs: 60_000, stopIf: endedFirst(silent) });
    await producer.stop();
    for (const run of [silent, busy]) {
      run.child.kill('SIGTERM');
      const result = await run.exited;
      assert.is(result.code, 0, `${run.label}: ${result.stderr.slice(-2000)}`);
    }
  } finally {
    await producer.close();
    await watch.stop();
    for (const run of runs) if (run.result === null) run.child.kill('SIGKILL');
    await Promise.allSettled(runs.map((run) => run.exited));
  }
  // Partition 1 is quiet from the assignment until its first burst, and again from its last one.
  const ofPartition1 = producer.events.filter((e) => e.partition === 1);
  const [firstSent, lastSent] = [ofPartition1[0].sentAt, ofPartition1[ofPartition1.length - 1].sentAt];
  const quietFrom = (passed) => (passed + SLACK_MS < firstSent ? assignedAt : passed > lastSent + IDLE_MS ? lastSent : null);
  const delays = assertOnTime(watch, producer.events, [0, 2], 'two instances', quietFrom);
  console.log(`[idle 2] ${watch.seen.size} windows merged; delays after the watermark passed them (ms): ${delays.join(', ')}`);
  const rows = await readCassandraRows(keyspace);
  const through = Math.max(...rows.map((row) => row.window_end));
  const expected = expectedThrough(producer.events, through);
  assert.ok(expected.some((row) => row.table === 'client_page_visits' && producer.clients[1].includes(row.client_id)), 'partition 1\'s events are in the expected windows');
  assert.equal(firstDifference(rows, expected), null, 'tables equal the reference through the last window merged');
  for (const label of ['a', 'b']) assertNoDeadLetters(`two-${label}`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  for (const topic of topics) await deleteTopic(topic);
  for (const keyspace of keyspaces) await dropKeyspace(keyspace).catch(() => undefined);
});

test.run();
