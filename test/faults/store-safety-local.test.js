'use strict';
// The local stores (SPEC §4.1, issue 19): one writer per SQLite file, a dead writer never blocks, --reset
// only from the command line, and a Kafka job keeps each window once across crashes, restarts and a
// second instance in a JSONL file and in SQLite, whatever --threads and --batch the restart runs with.
// Event clock, 10 s windows sliding 5 s, batch 1 s.
// - The SQLite cases run a synthetic job (paced by --rate where it must still be writing when the case
//   acts on it) and compare the file with the reference of the very events `clickstream-produce --to -`
//   gives for the same seed. They need no server.
// - The Kafka cases read one 50,000-event topic (3 partitions, nothing late), each with a group of its
//   own, kill or stop the job at points found by polling the store's progress or the group's commits,
//   restart it, and let a last run with --stop-at-end complete the store: it must hold exactly the
//   reference rows. A restart after SIGKILL waits for the dead member's session to end: the jobs run with
//   --session-timeout 10s.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { existsSync, mkdtempSync, readFileSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const Database = require('better-sqlite3');
const { serverTest } = require('../helpers/services');
const {
  prepareWorkload, kafkaFlags, withFlagValues, FAULT_FLAGS, FAULT_WINDOW, assertRunCompletes, assertCommitsBehindDurable, readSqliteRows,
  sqliteProgress, waitForCommitted, firstDifference, withAdmin, deleteTopic,
} = require('../helpers/faults');
const { referenceRows, sortRows } = require('../helpers/reference');
const { mainRuns, runCli, endedFirst, finalLogOf, readJsonl } = require('../helpers/cli');
const { logLinesOf, errorsOf } = require('../helpers/http');
const { waitFor } = require('../helpers/wait');
const { CLAIM_EXPIRES_MS } = require('../../dist/sinks/store-claim');
const { readProgressFile } = require('../../dist/sinks/jsonl/progress-file');

const dir = mkdtempSync(join(tmpdir(), 'clickstream-store-safety-local-'));
const groups = [];
/** Jobs started by the cases: test.after kills any a failed case left running. */
const { start, killRunning } = mainRuns();
const SESSION = ['--session-timeout', '10s'];

// ---------------------------------------------------------------------------------------------
// The synthetic job of the SQLite cases: ~1,500 events of synthetic:dev (~6 minutes of event time, 78
// windows), paced to take ~10 s.

const EVENTS = 1_500;
const SEED = 3;
const syntheticJob = (seed = SEED) => ['--source', 'synthetic:dev', '--events', String(EVENTS), '--seed', String(seed), ...FAULT_FLAGS];
const PACED = ['--rate', '150'];

let syntheticReference = null;

/** The reference rows of the synthetic job's events, as the producer writes them for the same seed. */
async function referenceOfSynthetic() {
  syntheticReference ??= runCli('produce.js', ['--to', '-', '--source', 'synthetic:dev', '--events', String(EVENTS), '--seed', String(SEED)]).then((produced) => {
    if (produced.code !== 0) throw new Error(`clickstream-produce failed: ${produced.stderr}`);
    const events = produced.stdout.split('\n').filter(Boolean).map((line) => {
      const event = JSON.parse(line);
      return { client: event.client_id, topic: event.url.topic, page: event.url.page, ts: Date.parse(`${event.timestamp}Z`) };
    });
    assert.is(events.length, EVENTS);
    const reference = referenceRows(events, FAULT_WINDOW);
    assert.is(reference.late, 0, 'nothing is late');
    return { rows: reference.rows, client: events[0].client, topic: events[0].topic };
  });
  return syntheticReference;
}

/** The SQLite file's own row: which process claims to write it, or undefined. */
function writerOf(db) {
  const store = new Database(db, { readonly: true });
  try {
    return store.prepare('SELECT host, pid, since, heartbeat_at FROM store_writer WHERE id = 1').get();
  } finally {
    store.close();
  }
}

/** How many windows the SQLite file holds (0 before it exists). */
function windowCount(db) {
  if (!existsSync(db)) return 0;
  const store = new Database(db, { readonly: true });
  try {
    return store.prepare('SELECT COUNT(*) FROM windows').pluck().get();
  } finally {
    store.close();
  }
}

/** Waits until the run has written a window into the SQLite file. */
function waitForFirstWindow(run, db) {
  return waitFor('the first window in the SQLite file', () => windowCount(db) > 0, {
    timeoutMs: 60_000, intervalMs: 20, stopIf: endedFirst(run), whileWaiting: () => run.output().stderr.slice(-2000),
  });
}

/** A SQLite file of the folder, and the flags that write it (with a dead-letter file beside it). */
function sqliteFile(name) {
  const db = join(dir, `${name}.db`);
  return { db, sink: ['--sink', `sqlite:${db}`, '--dead-letter', join(dir, `${name}.dead.jsonl`)] };
}

test('one writer per SQLite file: while a job writes it, the same job exits 1 naming the writer, another job exits 2, a reset exits 1; a reader is not blocked; the file ends equal to the reference', async () => {
  const reference = await referenceOfSynthetic();
  const { db, sink } = sqliteFile('two-jobs');
  const first = start([...syntheticJob(), ...PACED, ...sink]);
  await waitForFirstWindow(first, db);
  const writer = writerOf(db);
  assert.is(writer.pid, first.pid, 'the running job claims the file');

  // --threads and --batch are not the job's identity: this is the same job, and the file has one writer.
  const same = await runCli('main.js', [...withFlagValues(syntheticJob(), { '--threads': '1', '--batch': '500ms' }), ...sink]);
  assert.is(same.code, 1, same.stderr.slice(-2000));
  assert.equal(errorsOf(same.stderr), [
    `clickstream: sqlite:${db} is being written by another process: pid ${first.pid} on ${writer.host}, since ${new Date(writer.since).toISOString()} ` +
      `(synthetic:dev seed ${SEED}, event clock, window 10s sliding 5s). Stop it first, or write another file (--sink sqlite:OTHER.db); ` +
      `a writer that died no longer counts (at once on this host, 30 s after its last sign of life elsewhere)`,
  ]);

  // The file records the running job's windows: another job is told so first.
  const other = await runCli('main.js', [...syntheticJob(SEED + 1), ...sink]);
  assert.is(other.code, 2, other.stderr.slice(-2000));
  assert.equal(errorsOf(other.stderr), [
    `clickstream: sqlite:${db} holds the windows of another job (input synthetic:dev seed ${SEED} in the store, synthetic:dev seed ${SEED + 1} ` +
      `in this run). A store holds one job: run once with --reset to clear it and rebuild every window under this run's flags, or write ` +
      `another file (--sink sqlite:OTHER.db)`,
  ]);

  const reset = await runCli('main.js', [...syntheticJob(SEED + 1), ...sink, '--reset']);
  assert.is(reset.code, 1, reset.stderr.slice(-2000));
  assert.match(errorsOf(reset.stderr).join('\n'), `clickstream: sqlite:${db} is being written by another process: pid ${first.pid} on ${writer.host}`);

  const reader = await runCli('recommend.js', ['--store', `sqlite:${db}`, '--client', reference.client, '--topic', reference.topic, '-n', '3', '--json']);
  assert.is(reader.code, 0, reader.stderr);
  assert.ok(JSON.parse(reader.stdout).length > 0, 'the recommender reads the file while it is written');

  assert.is(first.result, null, 'the first job was writing throughout');
  const finished = await first.exited;
  assert.is(finished.code, 0, finished.stderr.slice(-2000));
  assert.equal(firstDifference(readSqliteRows(db), reference.rows), null, 'the first job\'s rows equal the reference');
  assert.is(writerOf(db), undefined, 'the finished job released the file');
});

test('a writer killed with SIGKILL does not block: with its claim still fresh, the next run of the file is accepted at once and completes', async () => {
  const reference = await referenceOfSynthetic();
  const { db, sink } = sqliteFile('dead-writer');
  const killed = start([...syntheticJob(), ...PACED, ...sink]);
  await waitForFirstWindow(killed, db);
  killed.child.kill('SIGKILL');
  assert.is((await killed.exited).signal, 'SIGKILL');
  const claim = writerOf(db);
  assert.is(claim?.pid, killed.pid, 'the dead writer\'s claim is still in the file');

  const next = await runCli('main.js', [...syntheticJob(), '--rate', 'max', ...sink]);
  assert.is(next.code, 0, next.stderr.slice(-2000));
  // Not by waiting for the claim to expire: a live writer would have refused the run (exit 1) rather than be waited for.
  assert.ok(Date.now() < claim.heartbeat_at + CLAIM_EXPIRES_MS, 'the run completed before the dead writer\'s claim expired');
  assert.equal(firstDifference(readSqliteRows(db), reference.rows), null, 'rows equal the reference');
  assert.is(writerOf(db), undefined);
});

test('--reset is taken from the command line only; on a SQLite file it says what it removed, and the file then holds the new job', async () => {
  const reference = await referenceOfSynthetic();
  const { db, sink } = sqliteFile('reset');
  const once = await runCli('main.js', [...syntheticJob(), '--rate', 'max', ...sink]);
  assert.is(once.code, 0, once.stderr.slice(-2000));
  assert.equal(firstDifference(readSqliteRows(db), reference.rows), null);

  const fromEnvironment = await runCli('main.js', [...syntheticJob(SEED + 1), ...sink], { env: { CLICKSTREAM_RESET: 'true' } });
  assert.is(fromEnvironment.code, 2, fromEnvironment.stderr.slice(-2000));
  assert.match(fromEnvironment.stderr, '--reset is taken from the command line only, not from CLICKSTREAM_RESET');
  assert.equal(firstDifference(readSqliteRows(db), reference.rows), null, 'nothing was removed');

  const reset = await runCli('main.js', [...syntheticJob(SEED + 1), ...sink, '--reset']);
  assert.is(reset.code, 0, reset.stderr.slice(-2000));
  const count = (table) => reference.rows.filter((row) => row.table === table).length.toLocaleString('en');
  assert.equal(logLinesOf(reset.stderr).map((line) => line.msg), [
    `reset: sqlite:${db} is to hold synthetic:dev seed ${SEED + 1}, event clock, window 10s sliding 5s`,
    `reset: removing every window and all progress of sqlite:${db}`,
    `reset: sqlite:${db}: removed ${count('client_page_visits')} client_page_visits rows, ${count('page_unique_visitors')} page_unique_visitors rows, ` +
      `${count('windows')} windows rows, 0 partition_progress rows; it now holds this job, with nothing written yet`,
    'reset: done; the next run with these flags rebuilds every window',
  ]);
  assert.equal(readSqliteRows(db), []);

  const before = await runCli('main.js', [...syntheticJob(), ...sink]);
  assert.is(before.code, 2, 'the job the file held before the reset is now another job');
  assert.match(errorsOf(before.stderr).join('\n'), `input synthetic:dev seed ${SEED + 1} in the store, synthetic:dev seed ${SEED} in this run`);
  const next = await runCli('main.js', [...syntheticJob(SEED + 1), '--rate', 'max', ...sink]);
  assert.is(next.code, 0, next.stderr.slice(-2000));
  assert.ok(windowCount(db) > 0);
});

// ---------------------------------------------------------------------------------------------
// Kafka jobs killed and restarted.

let preparing = null;

/** The topic, produced once for the Kafka cases. */
function prepared() {
  preparing ??= prepareWorkload('store-safety-local', { count: 50_000 });
  return preparing;
}

/** The workload read by a group of its own. */
function withGroup(workload, name) {
  const group = `${workload.topic}-${name}`;
  groups.push(group);
  return { ...workload, group, job: `${group}/${workload.topic}` };
}

/** Through where every partition's windows are in the JSONL file, as its progress file records (-Infinity: none recorded). */
function jsonlProgress(path) {
  const progress = readProgressFile(path);
  if (progress === null) return -Infinity;
  return Math.min(...[...progress.partitions.values()].map(({ delivered }) => delivered));
}

/** SIGKILLs the run; returns how many messages the group had committed, checked to lie within what the store recorded as durable. */
async function kill(run, workload, durableThrough, what) {
  run.child.kill('SIGKILL');
  assert.is((await run.exited).signal, 'SIGKILL', what);
  const durable = durableThrough();
  const committed = await assertCommitsBehindDurable(workload, durable, what);
  console.log(`[store-safety-local] ${what}: ${committed} of ${workload.count} messages committed, windows durable through ${new Date(durable).toISOString()}`);
  return committed;
}

serverTest('Kafka → JSONL file killed with SIGKILL after its first window and after its first commit, restarted with the same command: each window once', async () => {
  const base = await prepared();
  const workload = withGroup(base, 'jsonl');
  const out = join(dir, 'kafka.jsonl');
  const deadLetters = join(dir, 'kafka-jsonl.dead.jsonl');
  const sink = [...SESSION, '--sink', `jsonl:${out}`, '--dead-letter', deadLetters];
  const live = [...kafkaFlags(workload, { stopAtEnd: false }), ...sink];
  const durable = () => jsonlProgress(out);

  const first = start(live);
  await waitFor('a window in the file, counted by its progress file', () => (readProgressFile(out)?.length ?? 0) > 0, {
    timeoutMs: 60_000, intervalMs: 20, stopIf: endedFirst(first),
  });
  const early = await kill(first, workload, durable, 'SIGKILL after the first window');
  assert.ok(readFileSync(out).length >= readProgressFile(out).length, 'the file holds at least what its progress file counts');

  const second = start(live);
  await waitForCommitted(second, workload, 1);
  const later = await kill(second, workload, durable, 'SIGKILL after the first commit');
  assert.ok(later > early, `the second kill came later in the topic (${early}, then ${later} messages committed)`);

  await assertRunCompletes([...kafkaFlags(workload), ...sink], workload, { deadLetters, readRows: () => sortRows(readJsonl(out)) });
  const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  assert.is(new Set(lines).size, lines.length, 'no line twice');
  assert.equal(lines.sort(), workload.expected.map((row) => JSON.stringify(row)), 'the file\'s lines are the reference\'s, byte for byte');
});

serverTest('a second instance of a Kafka → JSONL job, started while the first has rows in flight, stops without touching the file', async () => {
  const base = await prepared();
  const workload = withGroup(base, 'jsonl-twice');
  const out = join(dir, 'twice.jsonl');
  const deadLetters = join(dir, 'twice.dead.jsonl');
  const sink = ['--sink', `jsonl:${out}`, '--dead-letter', deadLetters];
  // Without --stop-at-end the first instance stays in the group after its last window: the second meets it there whenever it joins.
  const live = [...kafkaFlags(workload, { stopAtEnd: false }), ...sink];
  const first = start(live);
  await waitFor('the progress file', () => existsSync(`${out}.progress.json`), { timeoutMs: 60_000, intervalMs: 20, stopIf: endedFirst(first) });
  // Held still with rows in the file that its progress file does not count yet: a window being written.
  const inFlight = await waitFor('the first instance stopped with rows in flight', () => {
    process.kill(first.pid, 'SIGSTOP');
    let beyond = 0;
    try {
      beyond = statSync(out).size - readProgressFile(out).length;
    } finally {
      if (!(beyond > 0)) process.kill(first.pid, 'SIGCONT');
    }
    return beyond > 0 ? beyond : null;
  }, { timeoutMs: 60_000, intervalMs: 1, stopIf: endedFirst(first) });
  const second = start(live);
  try {
    // The second opens its sink before it joins the group: once the group is rebalancing, the file has been opened.
    await waitFor('the second instance in the group', () => withAdmin(async (admin) => {
      const [group] = (await admin.describeGroups([workload.group])).groups;
      return group.state !== 'Stable' || group.members.length > 1;
    }), { timeoutMs: 60_000, stopIf: endedFirst(second) });
  } finally {
    process.kill(first.pid, 'SIGCONT');
  }
  const refused = await second.exited;
  assert.is(refused.code, 1, refused.stderr.slice(-2000));
  assert.match(finalLogOf(refused.stderr).msg, `another instance of this job consumes the topic in group ${workload.group}; one instance per group ` +
    'consumes a topic, so this one stops without reading or writing');
  console.log(`[store-safety-local] a second instance opened the file while ${inFlight} bytes of the first's were in flight`);

  first.child.kill('SIGTERM');
  assert.is((await first.exited).code, 0);
  await assertRunCompletes([...kafkaFlags(workload), ...sink], workload, { deadLetters, readRows: () => sortRows(readJsonl(out)) });
});

serverTest('Kafka → SQLite killed, then stopped with SIGTERM, each restart with other --threads and --batch: the file equals the reference', async () => {
  const base = await prepared();
  const workload = withGroup(base, 'sqlite');
  const db = join(dir, 'kafka.db');
  const deadLetters = join(dir, 'kafka-sqlite.dead.jsonl');
  const sink = [...SESSION, '--sink', `sqlite:${db}`, '--dead-letter', deadLetters];
  const tuned = (threads, batch, options) => [...withFlagValues(kafkaFlags(workload, options), { '--threads': threads, '--batch': batch }), ...sink];
  const durable = () => sqliteProgress(db, workload.job);

  const first = start(tuned('2', '1s', { stopAtEnd: false }));
  await waitForFirstWindow(first, db);
  await kill(first, workload, durable, 'SIGKILL after the first window');

  const second = start(tuned('1', '500ms', { stopAtEnd: false }));
  await waitForCommitted(second, workload, 1);
  second.child.kill('SIGTERM');
  const stopped = await second.exited;
  assert.is(stopped.code, 0, stopped.stderr.slice(-2000));
  await assertCommitsBehindDurable(workload, durable(), 'SIGTERM');

  await assertRunCompletes(tuned('3', '5s'), workload, { deadLetters, readRows: () => readSqliteRows(db) });
});

test.after(async () => {
  await killRunning();
  rmSync(dir, { recursive: true, force: true });
  const workload = await preparing?.catch(() => null);
  if (!workload) return;
  await withAdmin((admin) => admin.deleteGroups(groups)).catch(() => undefined);
  await deleteTopic(workload.topic);
});

test.run();
