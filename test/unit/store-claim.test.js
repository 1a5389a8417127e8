'use strict';
// The rules that keep a store whole (SPEC §4.1), as pure policies: what differs between two jobs, when a
// store refuses a run (exit 2) and how it says so, whether a writer is alive, which of two writers gives
// way, and which may write together. The processes and servers are test/faults/store-safety-*.test.js's.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { hostname } = require('node:os');
const { differencesOf, describeIdentity, encodeIdentity, decodeIdentity } = require('../../dist/sinks/identity');
const {
  identityRefusal, writerRefusal, isAlive, givesWay, mayWriteTogether, CLAIM_EXPIRES_MS,
} = require('../../dist/sinks/store-claim');

const KAFKA_JOB = Object.freeze({ input: 'kafka:production', group: 'demo', clock: 'event', windowMs: 120_000, slideMs: 60_000 });
const FILE_JOB = Object.freeze({ input: 'file:/data/events.ndjson', group: null, clock: 'event', windowMs: 120_000, slideMs: 60_000 });
const STDIN_JOB = Object.freeze({ ...FILE_JOB, input: 'stdin' });
const NAMES = Object.freeze({ store: 'sqlite:./data/clickstream.db', another: 'another file (--sink sqlite:OTHER.db)' });
const NOW = 1_800_000_000_000;

function claim(overrides = {}) {
  return { host: hostname(), pid: 4242, since: NOW - 60_000, heartbeatAt: NOW - 1_000, identity: KAFKA_JOB, ...overrides };
}

test('differencesOf names each field that differs, store first, in a fixed order; none for the same job', () => {
  assert.equal(differencesOf(KAFKA_JOB, { ...KAFKA_JOB }), []);
  assert.equal(differencesOf(KAFKA_JOB, { ...KAFKA_JOB, windowMs: 600_000 }), ['window 2m in the store, 10m in this run']);
  assert.equal(differencesOf(KAFKA_JOB, FILE_JOB), ['input kafka:production in the store, file:/data/events.ndjson in this run', 'group demo in the store, (none) in this run']);
  assert.equal(differencesOf(KAFKA_JOB, { ...KAFKA_JOB, clock: 'wall', slideMs: 30_000, group: 'other' }), [
    'group demo in the store, other in this run',
    'clock event in the store, wall in this run',
    'slide 1m in the store, 30s in this run',
  ]);
});

test('an identity survives the store\'s encoding; a value no build wrote is a clear error', () => {
  assert.equal(decodeIdentity(encodeIdentity(KAFKA_JOB), 'store'), KAFKA_JOB);
  assert.equal(decodeIdentity(encodeIdentity(FILE_JOB), 'store'), FILE_JOB);
  assert.is(describeIdentity(KAFKA_JOB), 'kafka:production, group demo, event clock, window 2m sliding 1m');
  assert.is(describeIdentity(FILE_JOB), 'file:/data/events.ndjson, event clock, window 2m sliding 1m');
  for (const text of ['{"input":"kafka:x","group":null,"clock":"sundial","windowMs":1,"slideMs":1}', '{"input":3}', '{}']) {
    assert.throws(() => decodeIdentity(text, 'sqlite:x.db'), (error) => error.message === `sqlite:x.db records a job this build cannot read: ${text}`);
  }
});

test('identityRefusal: a new store, or one of the same job, is written; another job\'s, or windows of no recorded job, exit 2', () => {
  assert.is(identityRefusal(NAMES, null, KAFKA_JOB, false), null, 'a new store');
  assert.is(identityRefusal(NAMES, KAFKA_JOB, { ...KAFKA_JOB }, true), null, 'the same job');

  const other = identityRefusal(NAMES, KAFKA_JOB, { ...KAFKA_JOB, windowMs: 600_000 }, true);
  assert.is(other.exitCode, 2);
  assert.is(
    other.message,
    'sqlite:./data/clickstream.db holds the windows of another job (window 2m in the store, 10m in this run). A store holds one job: run ' +
      "once with --reset to clear it and rebuild every window under this run's flags (the Kafka group then reads again from its earliest " +
      'offsets), or write another file (--sink sqlite:OTHER.db)',
  );
  // The group's rewind is mentioned only when this run has a group to rewind.
  const fromFile = identityRefusal(NAMES, KAFKA_JOB, FILE_JOB, true);
  assert.is(fromFile.exitCode, 2);
  assert.match(fromFile.message, "(input kafka:production in the store, file:/data/events.ndjson in this run; group demo in the store, (none) in this run)");
  assert.not.match(fromFile.message, 'Kafka group');
  // The job is recorded with the first write: a store it refuses still refuses whether or not it holds windows.
  const empty = identityRefusal(NAMES, KAFKA_JOB, FILE_JOB, false);
  assert.is(empty.exitCode, 2);
  assert.match(empty.message, /^sqlite:\.\/data\/clickstream\.db is kept for another job \(input/, 'no windows yet: kept for, not holding the windows of');

  const unrecorded = identityRefusal(NAMES, null, KAFKA_JOB, true);
  assert.is(unrecorded.exitCode, 2);
  assert.match(unrecorded.message, /^sqlite:\.\/data\/clickstream\.db holds windows but no record of the job that wrote them \(an older build wrote it\): run once with --reset/);
});

test('identityRefusal: standard input is refused over windows read from standard input, since a run cannot tell it is the same', () => {
  assert.is(identityRefusal(NAMES, null, STDIN_JOB, false), null);
  assert.is(identityRefusal(NAMES, STDIN_JOB, STDIN_JOB, false), null, 'recorded, but no window written yet');
  const again = identityRefusal(NAMES, STDIN_JOB, STDIN_JOB, true);
  assert.is(again.exitCode, 2);
  assert.match(again.message, 'holds windows read from standard input, and this run cannot tell whether its input is the same');
  assert.match(again.message, 'To load more input, read it all in one run; run once with --reset');
});

test('writerRefusal exits 1 and names the writer: pid, host, since when, its job, and when a dead one stops counting', () => {
  const refusal = writerRefusal(NAMES, claim({ host: 'worker-7', pid: 99 }));
  assert.is(refusal.exitCode, 1);
  assert.is(
    refusal.message,
    `sqlite:./data/clickstream.db is being written by another process: pid 99 on worker-7, since ${new Date(NOW - 60_000).toISOString()} ` +
      '(kafka:production, group demo, event clock, window 2m sliding 1m). Stop it first, or write another file (--sink sqlite:OTHER.db); ' +
      'a writer that died no longer counts (at once on this host, 30 s after its last sign of life elsewhere)',
  );
});

test('isAlive: a claim not renewed for longer than the expiry is dead anywhere; on this host the process must exist, elsewhere it is not asked', () => {
  const asked = [];
  const exists = (answer) => (pid) => {
    asked.push(pid);
    return answer;
  };
  assert.ok(isAlive(claim(), NOW, exists(true)), 'renewed a second ago, its process exists');
  assert.not.ok(isAlive(claim(), NOW, exists(false)), 'its process is gone: dead at once, not after the expiry');
  assert.equal(asked, [4242, 4242]);
  assert.ok(isAlive(claim({ heartbeatAt: NOW - CLAIM_EXPIRES_MS }), NOW, exists(true)), 'renewed exactly the expiry ago');
  assert.not.ok(isAlive(claim({ heartbeatAt: NOW - CLAIM_EXPIRES_MS - 1 }), NOW, exists(true)), 'expired, though a process of that pid exists');

  asked.length = 0;
  assert.ok(isAlive(claim({ host: 'another-host' }), NOW, exists(false)), 'on another host only the renewal counts');
  assert.not.ok(isAlive(claim({ host: 'another-host', heartbeatAt: NOW - CLAIM_EXPIRES_MS - 1 }), NOW, exists(true)));
  assert.equal(asked, [], 'a pid of another host is never looked up here');
  assert.ok(isAlive(claim({ pid: process.pid }), Date.now()), 'the default check finds this process');
});

test('givesWay: of two writers that may not share, exactly one gives way: the later, or on a tie the larger host:pid', () => {
  const early = claim({ since: NOW - 10_000 });
  const late = claim({ since: NOW - 5_000, pid: 1 });
  assert.ok(givesWay(late, early));
  assert.not.ok(givesWay(early, late));
  const a = claim({ host: 'a', pid: 20 });
  const b = claim({ host: 'a', pid: 3 });
  // "a:3" < "a:20" as strings: the order only needs to be the same on every host.
  assert.ok(givesWay(b, a) !== givesWay(a, b), 'a tie is broken one way');
  assert.ok(givesWay(a, claim({ host: 'a', pid: 20, since: a.since - 1 })));
});

test('mayWriteTogether: instances of one Kafka job, in a store that merges their shares, and nothing else', () => {
  const instance = claim({ pid: 1 });
  const sibling = claim({ pid: 2, identity: { ...KAFKA_JOB } });
  assert.ok(mayWriteTogether(instance, sibling, true));
  assert.not.ok(mayWriteTogether(instance, sibling, false), 'a store that cannot merge shares has one writer');
  assert.not.ok(mayWriteTogether(instance, claim({ identity: { ...KAFKA_JOB, windowMs: 600_000 } }), true), 'another job');
  assert.not.ok(mayWriteTogether(claim({ identity: FILE_JOB }), claim({ pid: 2, identity: FILE_JOB }), true), 'a job without a group never shares');
});

test.run();
