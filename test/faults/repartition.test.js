'use strict';
// Keying for several instances (issue 13, test 6; SPEC §5.1): distinct-client counts add up across
// partitions only when each client lives in one partition. Two topics that break that in the two ways
// the issue names, each read by two instances of the job in one group (`--sink cassandra --clock event
// --threads 1 --stop-at-end`), must give tables equal to the single-threaded reference row for row:
// (a) a topic produced round-robin, each client's events over every partition, read with --repartition
//     (re-keyed by client_id through the internal topic, exactly once: a duplicate would double a count);
// (b) messages with a duplicate "client_id" key, produced by `node dist/produce.js` (which keys by the
//     client_id the parser keeps, the last) and read without --repartition.
// In both, no event is dead-lettered (disorder stays within the lateness, none is invalid) and no
// instance warns of misplaced events (every event sits in the partition its client hashes to).
const { test } = require('uvu');
const assert = require('uvu/assert');
const { existsSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { serverTest, KAFKA_BROKERS, CASSANDRA_CONTACT } = require('../helpers/services');
const {
  produceToPartitions, readCassandraRows, firstDifference, endOffsets, committedOffsets, committedTotal, dropKeyspace, deleteTopic, partitionOfClient,
  kafka, withAdmin, FAULT_WINDOW, FAULT_FLAGS,
} = require('../helpers/faults');
const { referenceRows } = require('../helpers/reference');
const { makeEvents, toLine } = require('../helpers/events');
const { startMain, runCli, readDeadLetters, endedFirst } = require('../helpers/cli');
const { waitFor } = require('../helpers/wait');
const { logLinesOf } = require('../helpers/http');

const RUN = Date.now();
const PARTITIONS = 4;
const COUNT = 200_000;
/** Longer than a run should take: a hung instance fails its case instead of the file. */
const PROCESS_TIMEOUT_MS = 150_000;
const dir = mkdtempSync(join(tmpdir(), 'clickstream-repartition-'));
const topics = [];
const keyspaces = [];

// The fault tests' windows (10 s sliding 5 s, batch 1 s, lateness 10 s) with one worker thread per process.
const JOB_FLAGS = FAULT_FLAGS.map((flag, i) => (FAULT_FLAGS[i - 1] === '--threads' ? '1' : flag));
const MISPLACED = "than Kafka's default partitioner gives their client_id";

/** ~33 min of event time (for 200k), 40 clients, ±3 s of disorder: nothing late under the 10 s lateness. */
function workloadEvents(seed, count = COUNT) {
  const events = makeEvents({ count, seed, clients: 40, stepMs: 10, jitterMs: 3_000 });
  const reference = referenceRows(events, FAULT_WINDOW);
  assert.is(reference.late, 0, 'the workload has no late events');
  return { events, expected: reference.rows };
}

/** An instance of the job with `flags` on `topic`, in group `group`, writing `keyspace`, run with --stop-at-end. */
function startInstance(name, label, { topic, group, keyspace }, flags) {
  const deadLetters = join(dir, `${name}-${label}.dead.jsonl`);
  const run = startMain([
    '--source', 'kafka', '--brokers', KAFKA_BROKERS, '--topic', topic, '--group', group, '--from-beginning', '--stop-at-end', ...flags,
    ...JOB_FLAGS, '--sink', 'cassandra', '--cassandra', CASSANDRA_CONTACT, '--keyspace', keyspace, '--dead-letter', deadLetters,
  ], { timeoutMs: PROCESS_TIMEOUT_MS });
  return Object.assign(run, { label, deadLetters });
}

/** Each of `runs` (ended) exited 0, with no dead letter and no misplaced event. */
function assertCleanExits(runs) {
  for (const { label, deadLetters, result } of runs) {
    assert.is(result.code, 0, `${label} exits 0 (got ${result.code ?? result.signal}): ${result.stderr.slice(-2000)}`);
    const letters = existsSync(deadLetters) ? readDeadLetters(deadLetters) : [];
    assert.is(letters.length, 0, `${label}: no dead letters (${JSON.stringify(letters.slice(0, 2))})`);
    assert.not.match(result.stderr, MISPLACED, `${label}: no misplaced events`);
  }
}

/** SIGKILLs (by pid) whatever of `runs` still runs, and waits for them. */
async function killLeftovers(runs) {
  for (const run of runs) {
    if (run.result !== null) continue;
    try {
      process.kill(run.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await Promise.allSettled(runs.map((run) => run.exited));
}

/** A fresh group and keyspace for a case on `topic`. */
function jobOf(name, topic) {
  const keyspace = `repartition_${name}_${RUN}`;
  keyspaces.push(keyspace);
  return { topic, group: `${topic}-g`, keyspace };
}

/**
 * Two instances of the job with `flags` on `topic` in one fresh group and keyspace, run to their end;
 * both must exit 0. Whatever still runs when the case ends is SIGKILLed by pid.
 */
async function runTwo(name, topic, flags) {
  const job = jobOf(name, topic);
  const runs = ['first', 'second'].map((label) => startInstance(name, label, job, flags));
  const started = Date.now();
  try {
    await Promise.all(runs.map((run) => run.exited));
    console.log(`[repartition ${name}] both instances done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assertCleanExits(runs);
    return { ...job, runs };
  } finally {
    await killLeftovers(runs);
  }
}

/** The run's JSON log messages. */
function messagesOf(run) {
  return run.result.stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line).msg);
}

serverTest('(a) a round-robin topic read by two instances with --repartition: both exit 0; tables equal the reference; every offset committed', async () => {
  const { events, expected } = workloadEvents(1717);
  const topic = `repartition-rr-${RUN}`;
  const internal = `${topic}-g-${topic}-repartition`;
  topics.push(topic, internal);
  // Round-robin, as an unkeyed producer writes: event i to partition i mod 4.
  await produceToPartitions(topic, PARTITIONS, events.map((e, i) => ({ partition: i % PARTITIONS, value: Buffer.from(toLine(e)) })));
  const spread = new Map();
  events.forEach((e, i) => spread.set(e.client, (spread.get(e.client) ?? new Set()).add(i % PARTITIONS)));
  assert.ok([...spread.values()].every((partitions) => partitions.size === PARTITIONS), "every client's events are on every partition");

  const { group, keyspace, runs } = await runTwo('rr', topic, ['--repartition']);
  for (const run of runs) {
    const messages = messagesOf(run);
    assert.ok(messages.some((msg) => msg.startsWith('phase 1: re-keying')), `${run.label} logs phase 1`);
    assert.ok(messages.some((msg) => msg.startsWith(`phase 2: the job reads ${internal}`)), `${run.label} logs phase 2`);
  }
  assert.equal(firstDifference(await readCassandraRows(keyspace), expected), null, `${keyspace}: rows equal the reference`);
  // The stage's group committed the input to its end, the job's group the internal topic to its end.
  assert.equal(await committedOffsets(topic, `${group}-repartition`), await endOffsets(topic), 'every input offset committed by the re-keying group');
  assert.equal(await committedOffsets(internal, group), await endOffsets(internal), 'every internal-topic offset committed by the job');
});

serverTest('(b) duplicate "client_id" keys, produced by dist/produce.js and read by two instances without --repartition: tables equal the reference', async () => {
  const { events, expected } = workloadEvents(2929);
  // The parser keeps the last of duplicate keys: the first is a decoy client that hashes to another
  // partition, where a producer keying by the first occurrence would put the event.
  const decoyOf = new Map();
  for (const client of new Set(events.map((e) => e.client))) {
    let k = 0;
    while (partitionOfClient(`decoy${k}-${client}`, PARTITIONS) === partitionOfClient(client, PARTITIONS)) k++;
    decoyOf.set(client, `decoy${k}-${client}`);
  }
  const lines = events.map((e) => {
    const line = toLine(e);
    assert.ok(line.startsWith('{"client_id":'));
    return `{"client_id":${JSON.stringify(decoyOf.get(e.client))},${line.slice(1, -1)}}`;
  });
  assert.is(JSON.parse(lines[0]).client_id, events[0].client, 'JSON.parse keeps the last duplicate key too');
  const file = join(dir, 'duplicate-keys.ndjson');
  writeFileSync(file, lines.join('\n') + '\n');
  const topic = `repartition-dup-${RUN}`;
  topics.push(topic);
  const produced = await runCli('produce.js', ['--topic', topic, '--source', `file:${file}`, '--partitions', String(PARTITIONS), '--brokers', KAFKA_BROKERS],
    { timeoutMs: 120_000 });
  assert.is(produced.code, 0, produced.stderr);

  const { group, keyspace } = await runTwo('dup', topic, []);
  assert.equal(firstDifference(await readCassandraRows(keyspace), expected), null, `${keyspace}: rows equal the reference`);
  assert.equal(await committedOffsets(topic, group), await endOffsets(topic), 'every offset committed');
});

/**
 * Reads `topic` read_uncommitted as it is written, as a consumer of its own group: per partition, the
 * messages seen (those of open and aborted transactions included), the end of the data seen (last
 * offset + 1), and how far it has read (transaction markers included).
 */
async function watchUncommitted(topic) {
  const consumer = kafka.consumer({ groupId: `${topic}-watch`, readUncommitted: true, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  const seen = new Map();
  const stateOf = (partition) => seen.get(partition) ?? seen.set(partition, { messages: 0, dataEnd: 0, position: 0 }).get(partition);
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const state = stateOf(payload.partition);
    state.position = Math.max(state.position, Number(payload.lastOffset) + 1);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const state = stateOf(batch.partition);
      state.messages += batch.messages.length;
      if (batch.messages.length > 0) state.dataEnd = Math.max(state.dataEnd, Number(batch.messages[batch.messages.length - 1].offset) + 1);
    },
  });
  return { seen, close: () => consumer.disconnect(), total: () => [...seen.values()].reduce((sum, state) => sum + state.messages, 0) };
}

serverTest('(c) --repartition with the re-keying instance killed (SIGKILL) inside an open transaction: the standby takes over; tables equal the reference, nothing doubled', async () => {
  // Twice the other cases' events: the re-keyer must still be going once the standby has joined, and since
  // the Kafka path got faster it once finished 200,000 before a transaction of its could be caught open.
  const { events, expected } = workloadEvents(3131, 2 * COUNT);
  const topic = `livepath-repartition-kill-${RUN}`;
  const job = jobOf('kill', topic);
  const rekeying = `${job.group}-repartition`;
  const internal = `${job.group}-${topic}-repartition`;
  topics.push(topic, internal);
  await produceToPartitions(topic, PARTITIONS, events.map((e, i) => ({ partition: i % PARTITIONS, value: Buffer.from(toLine(e)) })));
  // The transaction timeout is the session timeout: 6 s (the broker's least) bounds how long the
  // killed member's open transaction holds back the internal topic's readers.
  const flags = ['--repartition', '--session-timeout', '6s'];
  const first = startInstance('kill', 'first', job, flags);
  const runs = [first];
  let watcher = null;
  try {
    // The first instance alone in the stage's group re-keys every partition; the standby joins after.
    await waitFor('the first instance re-keying', async () => (await committedTotal(topic, rekeying)) > 0, { timeoutMs: 60_000, stopIf: endedFirst(first) });
    const standby = startInstance('kill', 'standby', job, flags);
    runs.push(standby);
    await waitFor('the standby in the stage\'s group', () => withAdmin(async (admin) => (await admin.describeGroups([rekeying])).groups[0].members.length === 2),
      { timeoutMs: 60_000, stopIf: endedFirst(standby) });
    watcher = await watchUncommitted(internal);
    // Held still, the re-keyer shows whether a transaction of its is open with messages sent: messages
    // past the last stable offset (what read_committed readers may read). Killed then, or let go on.
    let killedAt = null;
    while (killedAt === null) {
      const committed = await committedTotal(topic, rekeying);
      assert.ok(committed < events.length, 'the re-keying is still going');
      process.kill(first.pid, 'SIGSTOP');
      const open = await waitFor('messages of an open transaction', async () => {
        const stable = await endOffsets(internal);
        return [...watcher.seen].some(([partition, state]) => state.dataEnd > stable[partition]);
      }, { timeoutMs: 2_000, intervalMs: 100 }).catch(() => false);
      if (open) {
        process.kill(first.pid, 'SIGKILL');
        killedAt = committed;
      } else {
        process.kill(first.pid, 'SIGCONT');
        await waitFor('the re-keyer to commit more', async () => (await committedTotal(topic, rekeying)) > committed, { timeoutMs: 30_000, stopIf: endedFirst(first) });
      }
    }
    const killTime = Date.now();
    await standby.exited;
    assert.is((await first.exited).signal, 'SIGKILL');
    assertCleanExits([standby]);
    const phase2 = logLinesOf(standby.result.stderr).find((line) => line.msg.startsWith(`phase 2: the job reads ${internal}`));
    assert.ok(phase2 !== undefined, 'the standby re-keyed the rest and ran the job');
    console.log(`[repartition kill] killed the re-keyer inside a transaction at ${killedAt} of ${events.length} input messages committed; ` +
      `the standby's job began ${((Date.parse(phase2.time) - killTime) / 1000).toFixed(1)} s later`);
    assert.equal(firstDifference(await readCassandraRows(job.keyspace), expected), null, `${job.keyspace}: rows equal the reference (nothing lost, nothing doubled)`);
    assert.equal(await committedOffsets(topic, rekeying), await endOffsets(topic), 'every input offset committed by the re-keying group');
    assert.equal(await committedOffsets(internal, job.group), await endOffsets(internal), 'every internal-topic offset committed by the job');
    // The killed transaction's messages are on the internal topic, aborted: read_uncommitted sees more than were committed.
    const ends = await endOffsets(internal);
    await waitFor('the watcher at the internal topic\'s end', () => ends.every((end, partition) => (watcher.seen.get(partition)?.position ?? 0) >= end), { timeoutMs: 30_000 });
    assert.ok(watcher.total() > events.length, `aborted messages on the internal topic (${watcher.total()} seen read_uncommitted, ${events.length} events)`);
  } finally {
    await watcher?.close();
    await killLeftovers(runs);
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  for (const topic of topics) await deleteTopic(topic);
  for (const keyspace of keyspaces) await dropKeyspace(keyspace).catch(() => undefined);
});

test.run();
