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
const { serverTest, KAFKA_BROKERS } = require('../helpers/services');
const {
  produceToPartitions, readCassandraRows, firstDifference, endOffsets, committedOffsets, dropKeyspace, deleteTopic, partitionOfClient,
  FAULT_WINDOW, FAULT_FLAGS,
} = require('../helpers/faults');
const { referenceRows } = require('../helpers/reference');
const { makeEvents, toLine } = require('../helpers/events');
const { startMain, runCli, readDeadLetters } = require('../helpers/cli');

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

/** ~33 min of event time, 40 clients, ±3 s of disorder: nothing late under the 10 s lateness. */
function workloadEvents(seed) {
  const events = makeEvents({ count: COUNT, seed, clients: 40, stepMs: 10, jitterMs: 3_000 });
  const reference = referenceRows(events, FAULT_WINDOW);
  assert.is(reference.late, 0, 'the workload has no late events');
  return { events, expected: reference.rows };
}

/**
 * Two instances of the job with `flags` on `topic` in one fresh group and keyspace, run to their end;
 * both must exit 0. Whatever still runs when the case ends is SIGKILLed by pid.
 */
async function runTwo(name, topic, flags) {
  const group = `${topic}-g`;
  const keyspace = `repartition_${name}_${RUN}`;
  keyspaces.push(keyspace);
  const runs = ['first', 'second'].map((label) => {
    const deadLetters = join(dir, `${name}-${label}.dead.jsonl`);
    const run = startMain([
      '--source', 'kafka', '--brokers', KAFKA_BROKERS, '--topic', topic, '--group', group, '--from-beginning', '--stop-at-end', ...flags,
      ...JOB_FLAGS, '--sink', 'cassandra', '--keyspace', keyspace, '--dead-letter', deadLetters,
    ], { timeoutMs: PROCESS_TIMEOUT_MS });
    return Object.assign(run, { label, deadLetters });
  });
  const started = Date.now();
  try {
    const results = await Promise.all(runs.map((run) => run.exited));
    results.forEach((result, i) => assert.is(result.code, 0, `${runs[i].label} exits 0 (got ${result.code ?? result.signal}): ${result.stderr.slice(-2000)}`));
    console.log(`[repartition ${name}] both instances done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const { label, deadLetters, result } of runs) {
      const letters = existsSync(deadLetters) ? readDeadLetters(deadLetters) : [];
      assert.is(letters.length, 0, `${label}: no dead letters (${JSON.stringify(letters.slice(0, 2))})`);
      assert.not.match(result.stderr, MISPLACED, `${label}: no misplaced events`);
    }
    return { group, keyspace, runs };
  } finally {
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

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  for (const topic of topics) await deleteTopic(topic);
  for (const keyspace of keyspaces) await dropKeyspace(keyspace).catch(() => undefined);
});

test.run();
