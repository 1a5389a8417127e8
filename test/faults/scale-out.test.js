'use strict';
// Scale-out (issue 13, SPEC §5.1): several processes of the job in ONE consumer group on a 4-partition
// topic keyed by client write exactly the tables one process writes, through kill -9, SIGTERM, a member
// joining mid-run and a member stalled past the session timeout. Every case reads one 400,000-event
// topic (disorder within the lateness, so nothing is late) with a fresh group and a fresh keyspace,
// runs `node dist/main.js --source kafka --sink cassandra --clock event --threads 1 --stop-at-end
// --from-beginning` several times at once, and checks, after every process has ended:
// - windows, client_page_visits and page_unique_visitors equal the single-threaded reference row for
//   row, and the recommender's index (windows.topics, topic_windows, topic_latest_window) is the one
//   the reference's windows imply;
// - the group committed every offset (committed == end offsets), and no committed offset ever moved
//   back while the case ran (a member's commit after it lost its partitions would move it back);
// - no process dead-lettered anything (the workload has no invalid and no late event).
// Faults are timed by what the group has committed and who owns what (the group as admin describeGroups
// shows it, and each instance's latest "assigned …" log line), never by sleeping; each fault lands on an
// instance that still owns uncommitted messages, and the case checks that it did. The session timeout bounds how long a killed or stalled member keeps its partitions: the
// instances run with --session-timeout 10s (the default 30 s would add 20 s to each such case; 6 s,
// Kafka's minimum, risks members dropped for being slow on a loaded 2-core machine).
const { test } = require('uvu');
const assert = require('uvu/assert');
const { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { AssignerProtocol, Partitioners } = require('kafkajs');
const cassandra = require('cassandra-driver');
const { serverTest, KAFKA_BROKERS, CASSANDRA_CONTACT, LOCAL_DC } = require('../helpers/services');
const {
  kafka, produceToPartitions, partitionOfClient, endOffsets, committedOffsets, readCassandraRows, dropKeyspace, deleteTopic,
  firstDifference, FAULT_WINDOW, FAULT_FLAGS,
} = require('../helpers/faults');
const { referenceRows, sortRows } = require('../helpers/reference');
const { makeEvents, toLine } = require('../helpers/events');
const { startMain, runCli, finalLogOf, readDeadLetters } = require('../helpers/cli');
const { waitFor } = require('../helpers/wait');

const RUN = Date.now();
const PARTITIONS = 4;
// Enough that a case's instances are still reading when it injects its fault: the job reads a
// 200,000-event topic in about 9 s now, about as long as a third member takes to join.
const COUNT = 400_000;
const DAY_MS = 86_400_000;
/** Longer than any case's process should live: a hung process fails its case instead of the whole file. */
const PROCESS_TIMEOUT_MS = 200_000;
/** A dead or stalled member is out of the group after the session timeout; the others then rebalance. */
const SESSION_TIMEOUT = ['--session-timeout', '10s'];
const TAKEOVER_TIMEOUT_MS = 60_000;
/** How long an instance may take to finish once the case has done its fault (one instance alone takes ~20 s). */
const EXIT_TIMEOUT_MS = 120_000;
const dir = mkdtempSync(join(tmpdir(), 'clickstream-scale-out-'));
const keyspaces = [];

// The fault tests' windows (10 s sliding 5 s, batch 1 s: ~400 windows) with one worker thread per process.
assert.ok(FAULT_FLAGS.includes('--threads'), 'FAULT_FLAGS sets --threads');
const JOB_FLAGS = FAULT_FLAGS.map((flag, i) => (FAULT_FLAGS[i - 1] === '--threads' ? '1' : flag));

// ---------------------------------------------------------------------------------------------
// The workload: one topic for every case.

let preparing = null;

/** The partition Kafka's default partitioner (murmur2, as kafkajs's and Java's) gives a message keyed `key`. */
function kafkaDefaultPartition(key, partitions) {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
  return Partitioners.DefaultPartitioner()({ topic: 'any', partitionMetadata, message: { key, value: null } });
}

async function prepare() {
  const events = makeEvents({ count: COUNT, seed: 1313, clients: 40, stepMs: 10, jitterMs: 3_000 });
  const clients = [...new Set(events.map((e) => e.client))].sort();
  // The input contract of shared mode: each client lives in the partition the default partitioner gives its client_id.
  const misplaced = clients.filter((client) => partitionOfClient(client, PARTITIONS) !== kafkaDefaultPartition(client, PARTITIONS));
  assert.equal(misplaced, [], "partitionOfClient (test/helpers/faults.js) is Kafka's default partitioner (murmur2 of the client_id)");
  const clientsOf = Array.from({ length: PARTITIONS }, (_, p) => clients.filter((client) => partitionOfClient(client, PARTITIONS) === p));
  assert.ok(clientsOf.every((list) => list.length > 0), `every partition holds clients: ${clientsOf.map((list) => list.length)}`);
  const topic = `scale-out-${RUN}`;
  await produceToPartitions(
    topic,
    PARTITIONS,
    events.map((e) => ({ partition: partitionOfClient(e.client, PARTITIONS), value: Buffer.from(toLine(e)) })),
  );
  const reference = referenceRows(events, FAULT_WINDOW);
  assert.is(reference.late, 0, 'the workload has no late events');
  return { topic, count: COUNT, expected: reference.rows, expectedIndex: indexOf(reference.rows), clientsOf, ends: await endOffsets(topic) };
}

/** The workload, produced once (the first case to run waits for it; a failure fails every case with its message). */
function workload() {
  preparing ??= prepare();
  return preparing;
}

/** The recommender's index that `rows` (sorted reference rows) imply: each window's topics, topic_windows, topic_latest_window. */
function indexOf(rows) {
  const topicsByEnd = new Map();
  for (const row of rows) {
    if (row.table !== 'page_unique_visitors') continue;
    if (!topicsByEnd.has(row.window_end)) topicsByEnd.set(row.window_end, new Set());
    topicsByEnd.get(row.window_end).add(row.topic);
  }
  const index = [];
  const latest = new Map();
  for (const [end, topics] of topicsByEnd) {
    const day = Math.floor(end / DAY_MS) * DAY_MS;
    index.push({ table: 'windows.topics', day, window_end: end, topics: [...topics].sort() });
    for (const topic of topics) {
      index.push({ table: 'topic_windows', topic, day, window_end: end });
      latest.set(topic, Math.max(latest.get(topic) ?? -Infinity, end));
    }
  }
  for (const [topic, end] of latest) index.push({ table: 'topic_latest_window', topic, window_end: end });
  return sortRows(index);
}

async function readIndex(keyspace) {
  const client = new cassandra.Client({ contactPoints: [CASSANDRA_CONTACT], localDataCenter: LOCAL_DC });
  await client.connect();
  try {
    const rows = [];
    const scan = async (cql, shape) => {
      for await (const row of client.stream(cql, [], { prepare: true, fetchSize: 5000 })) rows.push(shape(row));
    };
    const num = (value) => Number(value.toString());
    await scan(`SELECT day, window_end, topics FROM ${keyspace}.windows`, (row) =>
      ({ table: 'windows.topics', day: num(row.day), window_end: num(row.window_end), topics: [...(row.topics ?? [])].sort() }));
    await scan(`SELECT topic, day, window_end FROM ${keyspace}.topic_windows`, (row) =>
      ({ table: 'topic_windows', topic: row.topic, day: num(row.day), window_end: num(row.window_end) }));
    await scan(`SELECT topic, window_end FROM ${keyspace}.topic_latest_window`, (row) =>
      ({ table: 'topic_latest_window', topic: row.topic, window_end: num(row.window_end) }));
    return sortRows(rows);
  } finally {
    await client.shutdown();
  }
}

// ---------------------------------------------------------------------------------------------
// The processes of one case, and watching their group.

/** The instances of one case: one group, one keyspace, a dead-letter file each. */
class Fleet {
  constructor(name, wl) {
    this.name = name;
    this.workload = wl;
    this.group = `${wl.topic}-${name}`;
    this.keyspace = `scale_out_${name}_${RUN}`;
    keyspaces.push(this.keyspace);
    this.dir = join(dir, name);
    mkdirSync(this.dir);
    this.runs = [];
  }

  /** Starts an instance of the job (`label` names it in messages and its dead-letter file). */
  start(label) {
    const deadLetters = join(this.dir, `${label}.dead.jsonl`);
    const run = startMain([
      '--source', 'kafka', '--brokers', KAFKA_BROKERS, '--topic', this.workload.topic, '--group', this.group, '--from-beginning', '--stop-at-end',
      ...SESSION_TIMEOUT, ...JOB_FLAGS, '--sink', 'cassandra', '--cassandra', CASSANDRA_CONTACT, '--keyspace', this.keyspace, '--dead-letter', deadLetters,
    ], { timeoutMs: PROCESS_TIMEOUT_MS });
    run.exited.catch(() => undefined); // awaited by the case; a deadline's rejection is reported there
    Object.assign(run, { label, deadLetters });
    this.runs.push(run);
    return run;
  }

  /** For waitFor's stopIf: an instance ended with an error, or all ended. */
  stopIf() {
    return () => {
      const failed = this.runs.find((run) => run.result !== null && run.result.code !== 0 && run.expectedEnd === undefined);
      if (failed) return `${failed.label} exited ${failed.result.code ?? failed.result.signal}`;
      if (this.runs.every((run) => run.result !== null)) return 'every instance had ended';
      return null;
    };
  }

  /** The last lines of every instance's stderr. */
  tails() {
    return this.runs.map((run) => {
      const state = run.result === null ? 'running' : `exit ${run.result.code ?? run.result.signal}`;
      return `--- ${this.name}/${run.label} (pid ${run.pid}, ${state}), stderr tail:\n${run.output().stderr.slice(-2500)}`;
    }).join('\n');
  }

  /** SIGKILLs every instance still running (by pid; a stopped one too) and waits for them to end. */
  async killAll() {
    for (const run of this.runs) {
      if (run.result !== null) continue;
      try {
        process.kill(run.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await Promise.allSettled(this.runs.map((run) => run.exited));
  }
}

/**
 * Polls the group's committed offsets (and describes the group on demand) over one admin connection,
 * recording any committed offset that moves back.
 */
class GroupWatch {
  constructor(fleet) {
    this.fleet = fleet;
    this.admin = kafka.admin();
    this.committed = null;
    this.backwards = [];
    this.stopped = false;
    this.polling = null;
  }

  async start() {
    await this.admin.connect();
    this.polling = this.poll();
  }

  async poll() {
    while (!this.stopped) {
      try {
        const [{ partitions }] = await this.admin.fetchOffsets({ groupId: this.fleet.group, topics: [this.fleet.workload.topic] });
        const now = partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
        if (this.committed !== null) {
          now.forEach((offset, p) => {
            if (offset < this.committed[p]) this.backwards.push({ partition: p, from: this.committed[p], to: offset });
          });
        }
        this.committed = now;
      } catch {
        // the next poll tries again
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  total() {
    return (this.committed ?? []).reduce((sum, offset) => sum + Math.max(0, offset), 0);
  }

  /** Waits until the group has committed at least `threshold` messages; returns the offsets then. */
  async committedAtLeast(threshold) {
    await waitFor(`${threshold} messages committed in group ${this.fleet.group}`, () => this.total() >= threshold,
      { timeoutMs: 150_000, intervalMs: 20, stopIf: this.fleet.stopIf() });
    return [...this.committed];
  }

  /** The group's state and members, each with its partitions of the topic (Kafka's consumer-protocol assignment). */
  async describe() {
    const { groups: [group] } = await this.admin.describeGroups([this.fleet.group]);
    const members = group.members.map(({ memberId, memberAssignment }) => {
      const decoded = memberAssignment.length === 0 ? null : AssignerProtocol.MemberAssignment.decode(memberAssignment);
      return { memberId, partitions: [...(decoded?.assignment?.[this.fleet.workload.topic] ?? [])].sort((a, b) => a - b) };
    });
    return { state: group.state, members };
  }

  /** Waits until the group is Stable and `accept(members)` holds; returns the members. */
  async until(what, accept, timeoutMs = TAKEOVER_TIMEOUT_MS) {
    let last = null;
    return waitFor(what, async () => {
      last = await this.describe();
      return last.state === 'Stable' && accept(last.members) ? last.members : null;
    }, { timeoutMs, intervalMs: 100, stopIf: this.fleet.stopIf(), whileWaiting: () => JSON.stringify(last) });
  }

  async stop() {
    this.stopped = true;
    await this.polling;
    await this.admin.disconnect();
  }
}

const ownsAll = (members) => members.flatMap((m) => m.partitions).sort().join() === [0, 1, 2, 3].join();
/** Every member holds partitions and together they hold each partition once. */
const sharesAll = (members) => members.every((m) => m.partitions.length > 0) && ownsAll(members);

/** The partitions an instance owns by its latest "assigned …" log line ({"owned": [...]}), sorted ([] before one). */
function ownedBy(run) {
  const lines = run.output().stderr.split('\n').filter((line) => line.startsWith('{') && line.includes('"owned"'));
  for (let i = lines.length - 1; i >= 0; i--) {
    const entry = JSON.parse(lines[i]);
    if (Array.isArray(entry.owned)) return [...entry.owned].sort((a, b) => a - b);
  }
  return [];
}

/** Messages of the instance's partitions not yet committed, given the group's offsets and the partitions' ends. */
function uncommittedOf(run, committed, ends) {
  return ownedBy(run).reduce((sum, p) => sum + ends[p] - Math.max(0, committed[p]), 0);
}

/** Waits until the instances' latest reported assignments share the partitions out (each held once, each instance some). */
function reportedShares(fleet, runs) {
  return waitFor('each instance to report its share of the partitions', () => sharesAll(runs.map((run) => ({ partitions: ownedBy(run) }))),
    { timeoutMs: 30_000, intervalMs: 20, stopIf: fleet.stopIf(), whileWaiting: () => runs.map((run) => `${run.label}: ${ownedBy(run)}`).join('; ') });
}

/**
 * A case: a fleet and a watch on its group; on failure the tail of every instance's stderr is printed;
 * every instance still running at the end is SIGKILLed.
 */
function scenario(name, title, body) {
  serverTest(title, async () => {
    const wl = await workload();
    const fleet = new Fleet(name, wl);
    const watch = new GroupWatch(fleet);
    const started = Date.now();
    await watch.start();
    try {
      await body({ fleet, watch, wl });
    } catch (error) {
      console.error(`\n[scale-out ${name}] failed: ${error.message.split('\n')[0]}\n${fleet.tails()}\n${keepLogs(fleet)}\n`);
      throw error;
    } finally {
      await fleet.killAll();
      await watch.stop();
      console.log(`[scale-out ${name}] ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  });
}

/**
 * Each instance's whole stderr, kept outside the case's directory (which is removed) for a failure
 * the tails do not explain, as a stall whose cause lies minutes before them; says where.
 */
function keepLogs(fleet) {
  const kept = mkdtempSync(join(tmpdir(), `clickstream-scale-out-${fleet.name}-logs-`));
  for (const run of fleet.runs) writeFileSync(join(kept, `${run.label}-${run.pid}.log`), run.output().stderr);
  return `every instance's whole stderr: ${kept}`;
}

/** Every dead letter of the fleet's instances, as "label: reason" counts; the workload has none. */
function deadLettersOf(fleet) {
  const counts = {};
  for (const run of fleet.runs) {
    if (!existsSync(run.deadLetters)) continue;
    for (const { reason } of readDeadLetters(run.deadLetters)) counts[`${run.label}: ${reason}`] = (counts[`${run.label}: ${reason}`] ?? 0) + 1;
  }
  return counts;
}

/** The end every case must reach: tables equal the reference, every offset committed, none moved back, no dead letter. */
async function assertOutcome(fleet, watch) {
  const { workload: wl, keyspace, group } = fleet;
  assert.equal(deadLettersOf(fleet), {}, 'no dead letters (no event is late or invalid in this workload)');
  assert.equal(firstDifference(await readCassandraRows(keyspace), wl.expected), null, `${keyspace}: rows equal the reference`);
  assert.equal(firstDifference(await readIndex(keyspace), wl.expectedIndex), null, `${keyspace}: the recommender's index is the reference windows'`);
  assert.equal(await committedOffsets(wl.topic, group), wl.ends, 'every offset committed');
  assert.equal(watch.backwards, [], 'no committed offset moved back');
}

/**
 * Waits (at most `timeoutMs`, far less than the process deadline, so a hung instance fails its case
 * quickly) for the instance to end; it must exit 0.
 */
async function assertExit0(run, timeoutMs = EXIT_TIMEOUT_MS) {
  const result = await waitFor(`${run.label} to exit`, () => run.result, { timeoutMs, intervalMs: 50 });
  assert.is(result.code, 0, `${run.label} exits 0 (got ${result.code ?? result.signal}): ${result.stderr.slice(-1500)}`);
  return result;
}

/** Events the instance reported reading, from its 'done' line (null without one). */
function eventsRead(run) {
  return finalLogOf(run.result.stderr)?.events ?? null;
}

// ---------------------------------------------------------------------------------------------
// 1 and 7: one, two and three instances; the recommender answers alike over all three keyspaces.

const fleetsOfCase1 = new Map();

for (const instances of [1, 2, 3]) {
  scenario(`n${instances}`, `1. ${instances} instance(s) with --stop-at-end: each exits 0 and reads a share; tables equal the reference; every offset committed`,
    async ({ fleet, watch }) => {
      const runs = Array.from({ length: instances }, (_, i) => fleet.start(`i${i + 1}`));
      for (const run of runs) await assertExit0(run);
      // The instances split the topic: each owned a partition for a while and read its events.
      for (const run of runs) assert.ok(eventsRead(run) > 0, `${run.label} read events (done line: ${JSON.stringify(finalLogOf(run.result.stderr))})`);
      await assertOutcome(fleet, watch);
      fleetsOfCase1.set(instances, fleet);
    });
}

serverTest('7. the recommender answers identically over the 2- and 3-instance keyspaces and the 1-instance keyspace', async () => {
  const wl = await workload();
  // Compared over the keyspaces of the runs of case 1 that completed; all three must have.
  assert.ok(fleetsOfCase1.has(1), 'the 1-instance run completed');
  const shared = [2, 3].filter((n) => fleetsOfCase1.has(n));
  const keyspaceOf = (n) => fleetsOfCase1.get(n).keyspace;
  // One client of each partition, each topic: queries whose answers depend on every table the recommender reads.
  const queries = wl.clientsOf.map((list) => list[0]).flatMap((client) =>
    ['Action', 'Comedy', 'Drama ✨'].map((topic) => ['--client', client, '--topic', topic, '-n', '6', '--json']));
  const ask = async (keyspace, query) => {
    const { code, stdout, stderr } = await runCli('recommend.js', ['--store', 'cassandra', '--cassandra', CASSANDRA_CONTACT, '--keyspace', keyspace, ...query]);
    return { code, stdout, stderr: stderr.split(keyspace).join('KEYSPACE') };
  };
  const answers = [];
  for (let i = 0; i < queries.length; i += 2) {
    answers.push(...(await Promise.all(queries.slice(i, i + 2).map(async (query) => {
      const [one, ...others] = await Promise.all([1, ...shared].map((n) => ask(keyspaceOf(n), query)));
      assert.is(one.code, 0, `${query.join(' ')}: ${one.stderr}`);
      others.forEach((answer, i) => assert.equal(answer, one, `${shared[i]} instances: ${query.join(' ')}`));
      return one;
    }))));
  }
  assert.ok(answers.some(({ stdout }) => JSON.parse(stdout).length > 0), 'some answer recommends pages (the comparison is not of empty lists)');
  assert.equal(shared, [2, 3], 'the 2- and 3-instance runs completed (compared: those that did)');
});

// ---------------------------------------------------------------------------------------------
// 2. kill -9 of one of two instances at about half way.

scenario('kill', '2. two instances, kill -9 of one at about half way: the survivor takes its partitions, exits 0; tables equal the reference; nothing late',
  async ({ fleet, watch, wl }) => {
    const first = fleet.start('first');
    const second = fleet.start('second');
    await watch.until('both instances in the group, each with partitions', (members) => members.length === 2 && sharesAll(members));
    await watch.committedAtLeast(wl.count / 2);
    // The victim must still own work: the one with more uncommitted messages in its partitions.
    await reportedShares(fleet, [first, second]);
    const before = [...watch.committed];
    const remaining = (run) => uncommittedOf(run, before, wl.ends);
    const [victim, survivor] = remaining(second) >= remaining(first) ? [second, first] : [first, second];
    const victimOwned = ownedBy(victim);
    victim.expectedEnd = 'SIGKILL';
    process.kill(victim.pid, 'SIGKILL');
    const killed = await victim.exited;
    assert.is(killed.signal, 'SIGKILL');
    const atKill = await committedOffsets(wl.topic, fleet.group);
    assert.ok(victimOwned.some((p) => atKill[p] < wl.ends[p]), `the killed instance left partitions unfinished (it owned ${victimOwned}, committed ${atKill} of ${wl.ends})`);
    console.log(`[scale-out kill] killed ${victim.label} owning ${victimOwned} at ${atKill} of ${wl.ends} committed`);
    await assertExit0(survivor);
    assert.equal(ownedBy(survivor), [0, 1, 2, 3], "the survivor's last assignment is every partition");
    // Only the survivor could have committed the rest of the killed instance's partitions.
    await assertOutcome(fleet, watch);
  });

// ---------------------------------------------------------------------------------------------
// 3. Churn: a third instance joins mid-run, one of the first two gets SIGTERM mid-run.

scenario('churn', '3. churn: a third instance joins mid-run and one gets SIGTERM mid-run; every instance exits 0; tables equal the reference',
  async ({ fleet, watch, wl }) => {
    const a = fleet.start('a');
    const b = fleet.start('b');
    await watch.committedAtLeast(1);
    const joinedAt = watch.total();
    const c = fleet.start('c');
    const joining = Date.now();
    await watch.until('three instances in the group, each with partitions', (members) => members.length === 3 && sharesAll(members));
    const joinedIn = ((Date.now() - joining) / 1000).toFixed(1);
    await watch.committedAtLeast(Math.max(wl.count * 0.35, joinedAt + 1));
    // SIGTERM goes to whichever of the first two has the most uncommitted work in its partitions.
    await reportedShares(fleet, [a, b, c]);
    const before = [...watch.committed];
    const remaining = (run) => uncommittedOf(run, before, wl.ends);
    const stopped = remaining(a) >= remaining(b) ? a : b;
    const stoppedOwned = ownedBy(stopped);
    process.kill(stopped.pid, 'SIGTERM');
    const total = before.reduce((sum, offset) => sum + Math.max(0, offset), 0);
    assert.ok(remaining(stopped) > 0, `${stopped.label} got SIGTERM owning uncommitted messages (it owns ${stoppedOwned}; committed ${before} of ${wl.ends})`);
    console.log(`[scale-out churn] c started at ${joinedAt} committed and had partitions ${joinedIn} s later (at ${watch.total()}); ${stopped.label} got SIGTERM owning ${stoppedOwned} with ${remaining(stopped)} uncommitted, at ${total} committed`);
    for (const run of fleet.runs) await assertExit0(run);
    await assertOutcome(fleet, watch);
  });

// ---------------------------------------------------------------------------------------------
// 4. A member stalled (SIGSTOP) past the session timeout, then resumed (SIGCONT).

scenario('stall', '4. SIGSTOP of one of two instances past the session timeout, then SIGCONT: the other exits 0; tables equal the reference; no commit moves back',
  async ({ fleet, watch, wl }) => {
    const x = fleet.start('x');
    const y = fleet.start('y');
    await watch.until('both instances in the group, each with partitions', (members) => members.length === 2 && sharesAll(members));
    await watch.committedAtLeast(wl.count * 0.3);
    // The one with more uncommitted messages in its partitions is stalled.
    await reportedShares(fleet, [x, y]);
    const before = [...watch.committed];
    const remaining = (run) => uncommittedOf(run, before, wl.ends);
    const [stalled, other] = remaining(x) >= remaining(y) ? [x, y] : [y, x];
    const stalledOwned = ownedBy(stalled);
    // The stalled instance may end with an error after it resumes (its membership is gone): not a failure here.
    stalled.expectedEnd = 'either';
    process.kill(stalled.pid, 'SIGSTOP');
    try {
      // Past the session timeout, the broker drops the stalled member and the other one gets every partition.
      await watch.until('the other instance alone in the group with every partition', (members) => members.length === 1 && ownsAll(members));
      const atTakeover = await committedOffsets(wl.topic, fleet.group);
      assert.ok(stalledOwned.some((p) => atTakeover[p] < wl.ends[p]),
        `the stalled instance's partitions (${stalledOwned}) were unfinished when the other took them: ${atTakeover} of ${wl.ends}`);
      console.log(`[scale-out stall] ${stalled.label} stalled owning ${stalledOwned}; ${other.label} took every partition at ${atTakeover} committed`);
    } finally {
      process.kill(stalled.pid, 'SIGCONT');
    }
    await assertExit0(other);
    // Resumed, the stalled instance finds its generation gone: it may rejoin and finish (exit 0) or stop
    // with a reported error (exit 1 and a final 'clickstream failed' line). It must end by itself, not hang
    // or die by a signal; its stale commits must not land (checked by "no committed offset moved back").
    const resumed = await waitFor(`${stalled.label} to exit after SIGCONT`, () => stalled.result, { timeoutMs: EXIT_TIMEOUT_MS, intervalMs: 50 });
    assert.is(resumed.signal, null, `the resumed instance ended by itself: ${resumed.stderr.slice(-1500)}`);
    if (resumed.code !== 0) {
      assert.is(resumed.code, 1, resumed.stderr.slice(-1500));
      assert.match(String(finalLogOf(resumed.stderr)?.msg), /^clickstream failed/, 'a non-zero exit is a reported failure');
    }
    console.log(`[scale-out stall] the resumed instance exited ${resumed.code}: ${String(finalLogOf(resumed.stderr)?.msg).slice(0, 300)}`);
    await assertOutcome(fleet, watch);
  });

// ---------------------------------------------------------------------------------------------
// 5. kill -9 of an instance right after it wrote a window (any writer may merge), and a restart.

const WINDOWS_WRITTEN = /"msg":"windows written"/g;
const writtenLines = (run) => (run.output().stderr.match(WINDOWS_WRITTEN) ?? []).length;

scenario('merge_kill', '5. kill -9 of an instance right after it wrote a window, a restarted instance finishes: tables equal the reference',
  async ({ fleet, watch, wl }) => {
    const a = fleet.start('a');
    const b = fleet.start('b');
    await watch.until('both instances in the group, each with partitions',
      (members) => members.length === 2 && sharesAll(members));
    await watch.committedAtLeast(wl.count * 0.4);
    // The next instance to report written windows is killed at once (its merge may be under way); if
    // neither reports any before 60% is committed, b is.
    const before = new Map([a, b].map((run) => [run, writtenLines(run)]));
    const writer = await waitFor('an instance to report written windows',
      () => [a, b].find((run) => writtenLines(run) > before.get(run)) ?? (watch.total() >= wl.count * 0.6 ? b : null),
      { timeoutMs: 120_000, intervalMs: 5, stopIf: fleet.stopIf() });
    writer.expectedEnd = 'SIGKILL';
    process.kill(writer.pid, 'SIGKILL');
    const killed = await writer.exited;
    assert.is(killed.signal, 'SIGKILL');
    const atKill = await committedOffsets(wl.topic, fleet.group);
    const total = atKill.reduce((sum, offset) => sum + Math.max(0, offset), 0);
    assert.ok(total < wl.count, `the kill came mid-run (${total} of ${wl.count} committed)`);
    console.log(`[scale-out merge_kill] killed ${writer.label} (${writtenLines(writer) > before.get(writer) ? 'right after it reported windows' : 'no report came'}) at ${total} committed`);
    const restarted = fleet.start('restarted');
    await assertExit0(writer === a ? b : a);
    await assertExit0(restarted);
    await assertOutcome(fleet, watch);
  });

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  if (preparing !== null) {
    const wl = await preparing.catch(() => null);
    if (wl !== null) await deleteTopic(wl.topic);
  }
  for (const keyspace of keyspaces) await dropKeyspace(keyspace).catch(() => undefined);
});

test.run();
