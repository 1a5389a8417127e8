'use strict';
// Rejected messages never stop the job, under hostile input, end to end: 150,000 messages, more than 100,000 of them invalid in every
// way the event rules name (and some they do not), the rest valid events spelled in unusual ways. The
// generator (helpers/hostile.js) judges each message by the event rules on its own. The job must finish,
// dead-letter exactly the invalid ones with the expected reason and their position, and count exactly
// the valid ones — the windows equal the single-threaded reference over the valid events.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { hostileMessages, MAX_MESSAGE_BYTES } = require('../helpers/hostile');
const { referenceRows, sortRows } = require('../helpers/reference');
const { runCli, readJsonl, readDeadLetters, finalLogOf } = require('../helpers/cli');
const { serverTest, KAFKA_BROKERS } = require('../helpers/services');
const { firstDifference, produceToPartitions, committedOffsets, withAdmin } = require('../helpers/faults');

const COUNT = 150_000;
const SEED = 11;
const RUN = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'clickstream-fuzz-'));
// Window = slide: every valid event counts in exactly one window. The generator's event times rise
// 20 ms a message with under 1 s of disorder, far within the default 10 s lateness: nothing is late.
const WINDOW_FLAGS = ['--window', '1m', '--slide', '1m', '--batch', '1s', '--clock', 'event', '--threads', '2'];
const WINDOW = { windowMs: 60_000, slideMs: 60_000, latenessMs: 10_000 };
const RUN_DEADLINE_MS = 180_000;
let createdTopic = null;

/** The raw bytes a dead letter carries. */
function rawOf(letter) {
  return letter.raw_base64 !== undefined ? Buffer.from(letter.raw_base64, 'base64') : Buffer.from(letter.raw, 'utf8');
}

/**
 * Checks dead letters against the messages they come from (`messageAt(letter)` finds it by position):
 * each has a reason and a position, each invalid message has exactly one letter, its reason is one the
 * generator expected, and its raw bytes are the message's. Returns the tally of reasons.
 */
function checkDeadLetters(letters, invalid, messageAt, keptBytes) {
  const wrongReasons = [];
  const seen = new Set();
  const tally = {};
  for (const letter of letters) {
    assert.type(letter.reason, 'string');
    assert.ok(letter.reason.length > 0, 'a dead letter has a reason');
    assert.type(letter.detail, 'string');
    const message = messageAt(letter);
    assert.ok(message !== undefined, `the dead letter at ${JSON.stringify(letter.position)} is an input message`);
    assert.not.ok(seen.has(message), `one dead letter per message (${JSON.stringify(letter.position)})`);
    seen.add(message);
    assert.not.ok(message.valid, `a valid event was dead-lettered as ${letter.reason}: ${JSON.stringify(letter.position)}`);
    tally[letter.reason] = (tally[letter.reason] ?? 0) + 1;
    if (message.strict && !message.reasons.includes(letter.reason)) {
      wrongReasons.push({ position: letter.position, got: letter.reason, expected: message.reasons, detail: letter.detail, raw: String(rawOf(letter)).slice(0, 120) });
    }
    const expectedBytes = message.bytes === null ? Buffer.alloc(0) : message.bytes.subarray(0, keptBytes);
    assert.ok(rawOf(letter).equals(expectedBytes), `the dead letter at ${JSON.stringify(letter.position)} carries the message's bytes`);
  }
  assert.equal(wrongReasons.slice(0, 5), [], `${wrongReasons.length} dead letters with an unexpected reason`);
  assert.is(letters.length, invalid.length, 'as many dead letters as invalid messages');
  return tally;
}

/** Rows, the reference over the valid events, and the run summary agree. */
function checkWindows(rows, valid, run, tally, received) {
  const expected = referenceRows(valid.map((m) => m.event), WINDOW);
  assert.is(expected.late, 0, 'no valid event is late');
  const windows = rows.filter((row) => row.table === 'windows');
  assert.is(windows.reduce((sum, w) => sum + w.events, 0), valid.length, 'windows hold every valid event once');
  assert.equal(firstDifference(rows, expected.rows), null, 'rows equal the reference over the valid events');
  const summary = finalLogOf(run.stderr);
  assert.ok(summary !== null && summary.msg === 'done', 'the run logs its summary');
  assert.is(summary.events, received, 'messages received');
  assert.is(summary.accepted, valid.length, 'events accepted');
  assert.equal(summary.rejected, tally, 'rejections counted by reason, as dead-lettered');
}

test('file source: 150,000 hostile and valid lines — exit 0, exactly the invalid ones dead-lettered with reason and line, windows hold exactly the valid ones', async () => {
  const messages = hostileMessages({ count: COUNT, seed: SEED, transport: 'file' });
  const invalid = messages.filter((m) => !m.valid && !m.skipped);
  const valid = messages.filter((m) => m.valid);
  const skipped = messages.filter((m) => m.skipped);
  assert.ok(invalid.length >= 100_000, `at least 100,000 invalid messages (${invalid.length})`);
  assert.ok(skipped.length > 0 && valid.length > 30_000);
  const input = join(dir, 'hostile.ndjson');
  const newline = Buffer.from('\n');
  writeFileSync(input, Buffer.concat(messages.flatMap((m) => [m.bytes, newline])));

  const out = join(dir, 'file-rows.jsonl');
  const deadPath = join(dir, 'file-dead.jsonl');
  const run = await runCli('main.js', ['--source', `file:${input}`, '--sink', `jsonl:${out}`, '--dead-letter', deadPath, ...WINDOW_FLAGS], { timeoutMs: RUN_DEADLINE_MS });
  assert.is(run.code, 0, run.stderr.slice(-2000));

  const letters = readDeadLetters(deadPath);
  for (const letter of letters) {
    assert.is(letter.position.kind, 'line');
    assert.ok(Number.isInteger(letter.position.line), 'position.line is a line number');
  }
  // A line over 64 KiB is kept as its first 64 KiB + 1 byte (src/sources/file/lines.ts).
  const tally = checkDeadLetters(letters, invalid, (letter) => messages[letter.position.line - 1], MAX_MESSAGE_BYTES + 1);
  // Empty lines (and a lone '\r') are not messages: skipped without a dead letter, yet line numbers
  // count them (checked above: every letter's line is its message's line in the file).
  assert.ok(letters.every((letter) => !messages[letter.position.line - 1].skipped), 'blank lines are not dead-lettered');
  // A line of spaces or tabs is a message, and not JSON.
  const blankish = messages.findIndex((m) => !m.skipped && m.bytes.length > 0 && /^[ \t\r]+$/.test(m.bytes.toString('latin1')));
  assert.ok(blankish >= 0, 'the input has a whitespace-only line');
  assert.equal(letters.find((letter) => letter.position.line === blankish + 1)?.reason, 'invalid_json');

  checkWindows(sortRows(readJsonl(out)), valid, run, tally, COUNT - skipped.length);
});

serverTest('Kafka source: the same kind of input over 3 partitions — counts equal, dead letters carry partition and offset, all offsets committed', async () => {
  const messages = hostileMessages({ count: COUNT, seed: SEED + 1, transport: 'kafka' });
  const invalid = messages.filter((m) => !m.valid);
  const valid = messages.filter((m) => m.valid);
  assert.ok(invalid.length >= 100_000, `at least 100,000 invalid messages (${invalid.length})`);
  assert.ok(messages.some((m) => m.bytes === null), 'some messages have no value');
  assert.ok(messages.some((m) => m.valid && m.bytes.includes(0x0a)), 'some valid events span several lines');
  const topic = `fuzz-${RUN}`;
  const group = `fuzz-${RUN}`;
  createdTopic = topic;
  // Each partition gets its messages in generation order, so each stays within the lateness.
  const byPartition = await produceToPartitions(topic, 3, messages.map((m, i) => ({ ...m, partition: i % 3, value: m.bytes })));

  const out = join(dir, 'kafka-rows.jsonl');
  const deadPath = join(dir, 'kafka-dead.jsonl');
  const run = await runCli('main.js', [
    '--source', 'kafka', '--brokers', KAFKA_BROKERS, '--topic', topic, '--group', group, '--from-beginning', '--stop-at-end',
    '--sink', `jsonl:${out}`, '--dead-letter', deadPath, ...WINDOW_FLAGS,
  ], { timeoutMs: RUN_DEADLINE_MS });
  assert.is(run.code, 0, run.stderr.slice(-2000));

  const letters = readDeadLetters(deadPath);
  for (const letter of letters) {
    assert.is(letter.position.kind, 'kafka');
    assert.is(letter.position.topic, topic);
    assert.ok(Number.isInteger(letter.position.partition) && letter.position.partition >= 0 && letter.position.partition < 3, 'position.partition');
    assert.match(letter.position.offset, /^\d+$/, 'position.offset');
  }
  const tally = checkDeadLetters(letters, invalid, (letter) => byPartition[letter.position.partition][Number(letter.position.offset)], Infinity);
  checkWindows(sortRows(readJsonl(out)), valid, run, tally, COUNT);
  assert.equal(await committedOffsets(topic, group), byPartition.map((list) => list.length), 'every offset committed');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
serverTest.after(async () => {
  if (createdTopic !== null) await withAdmin((admin) => admin.deleteTopics({ topics: [createdTopic] })).catch(() => undefined);
});

test.run();
