'use strict';
// A JSONL file with rows in it is never silently doubled or replaced: the policy (file state and
// --if-exists to what the sink does), and the job refusing, appending or overwriting through the CLI.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { jsonlOpeningOf, jsonlFileStateOf } = require('../../dist/sinks/jsonl/opening');
const { makeEvents, toLine } = require('../helpers/events');
const { referenceRows, sortRows } = require('../helpers/reference');
const { runCli, readJsonl } = require('../helpers/cli');

const dir = mkdtempSync(join(tmpdir(), 'clickstream-jsonl-opening-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const WINDOW = { windowMs: 10_000, slideMs: 5_000, latenessMs: 4_000 };
const WINDOW_FLAGS = ['--window', '10s', '--slide', '5s', '--lateness', '4s', '--batch', '1s'];

/** An NDJSON file of `events` and its reference rows. */
function inputOf(name, events) {
  const path = join(dir, `${name}.ndjson`);
  writeFileSync(path, events.map(toLine).join('\n') + '\n');
  return { path, rows: referenceRows(events, WINDOW).rows };
}

const first = inputOf('first', makeEvents({ count: 3_000, seed: 1 }));
const second = inputOf('second', makeEvents({ count: 2_000, seed: 2 }));

const job = (input, out, ...extra) =>
  runCli('main.js', ['--source', `file:${input.path}`, '--sink', `jsonl:${out}`, '--dead-letter', join(dir, 'dead.jsonl'), ...WINDOW_FLAGS, ...extra], {
    timeoutMs: 60_000,
  });

test('policy: an absent, empty or special file is written; a file with rows only as --if-exists says', () => {
  for (const state of [{ kind: 'absent' }, { kind: 'empty' }, { kind: 'not-a-file' }]) {
    for (const ifExists of [null, 'append', 'overwrite']) {
      assert.equal(jsonlOpeningOf('out.jsonl', state, ifExists), { action: 'append' }, `${state.kind}, ${ifExists}`);
    }
  }
  const rows = { kind: 'non-empty', bytes: 12_345 };
  assert.equal(jsonlOpeningOf('out.jsonl', rows, 'append'), { action: 'append' });
  assert.equal(jsonlOpeningOf('out.jsonl', rows, 'overwrite'), { action: 'truncate' });
  const refused = jsonlOpeningOf('out.jsonl', rows, null);
  assert.is(refused.action, 'refuse');
  assert.match(refused.message, /^out\.jsonl is not empty \(12,345 bytes\)/);
  assert.match(refused.message, '--if-exists append');
  assert.match(refused.message, '--if-exists overwrite');
});

test('policy: a file whose progress file records this job is resumed whatever was said but overwrite; another job\'s only overwritten', () => {
  const job = { input: 'kafka:clicks', group: 'demo', clock: 'event', windowMs: 10_000, slideMs: 5_000 };
  const rows = { kind: 'non-empty', bytes: 12_345 };
  for (const state of [rows, { kind: 'empty' }, { kind: 'absent' }]) {
    for (const ifExists of [null, 'append']) {
      assert.equal(jsonlOpeningOf('out.jsonl', state, ifExists, job, { ...job }), { action: 'resume' }, `${state.kind}, ${ifExists}`);
    }
  }
  // Overwrite is the user's word against the progress file too: the job starts the file over.
  assert.equal(jsonlOpeningOf('out.jsonl', rows, 'overwrite', job, job), { action: 'truncate' });
  assert.equal(jsonlOpeningOf('out.jsonl', { kind: 'absent' }, 'overwrite', job, job), { action: 'append' });

  const wider = jsonlOpeningOf('out.jsonl', rows, 'append', job, { ...job, windowMs: 20_000, slideMs: 10_000 });
  assert.equal(wider, {
    action: 'refuse',
    message:
      'out.jsonl holds the windows of another job (window 10s in the store, 20s in this run; slide 5s in the store, 10s in this run), as its ' +
      'progress file records: give --if-exists overwrite to replace it (a Kafka job also needs --reset), or another path',
  });
  const fromFile = jsonlOpeningOf('out.jsonl', rows, null, job, { ...job, input: 'file:/data/in.ndjson', group: null });
  assert.is(fromFile.action, 'refuse');
  assert.match(fromFile.message, '(input kafka:clicks in the store, file:/data/in.ndjson in this run; group demo in the store, (none) in this run)');
  const unknown = jsonlOpeningOf('out.jsonl', rows, null, job, null);
  assert.is(unknown.action, 'refuse');
  assert.match(unknown.message, 'out.jsonl holds the windows of another job (a job whose progress this run keeps none of)');
  assert.equal(jsonlOpeningOf('out.jsonl', rows, 'overwrite', job, null), { action: 'truncate' });
});

test('file state: absent, empty, its size, or not a regular file', () => {
  const empty = join(dir, 'empty.jsonl');
  writeFileSync(empty, '');
  const full = join(dir, 'full.jsonl');
  writeFileSync(full, '{"table":"windows"}\n');
  const folder = join(dir, 'folder');
  mkdirSync(folder);
  assert.equal(jsonlFileStateOf(join(dir, 'absent.jsonl')), { kind: 'absent' });
  assert.equal(jsonlFileStateOf(empty), { kind: 'empty' });
  assert.equal(jsonlFileStateOf(full), { kind: 'non-empty', bytes: 20 });
  assert.equal(jsonlFileStateOf('/dev/null'), { kind: 'not-a-file' });
  assert.equal(jsonlFileStateOf(folder), { kind: 'not-a-file' });
});

test('a re-run into a JSONL file with rows is refused with exit 2 before anything is read or written; the file is byte-identical', async () => {
  const out = join(dir, 'rerun.jsonl');
  const once = await job(first, out);
  assert.is(once.code, 0, once.stderr);
  assert.equal(sortRows(readJsonl(out)), first.rows);
  const before = readFileSync(out);
  const deadLetters = join(dir, 'rerun-dead.jsonl');
  const again = await runCli('main.js', ['--source', `file:${first.path}`, '--sink', `jsonl:${out}`, '--dead-letter', deadLetters, ...WINDOW_FLAGS], { timeoutMs: 60_000 });
  assert.is(again.code, 2, again.stderr);
  assert.match(again.stderr, `--sink jsonl:${out} is not empty (${before.length.toLocaleString('en')} bytes)`);
  assert.match(again.stderr, 'Give --if-exists append to add them after those rows, --if-exists overwrite to replace the file, or another path');
  assert.is(again.stdout, '');
  assert.not.match(again.stderr, 'clickstream: file:', 'the job did not start');
  assert.not.ok(existsSync(deadLetters), 'nothing was opened for writing');
  assert.ok(readFileSync(out).equals(before), 'the file is untouched');
});

test('--if-exists append adds the run\'s rows after the file\'s; --if-exists overwrite replaces them', async () => {
  const out = join(dir, 'choices.jsonl');
  assert.is((await job(first, out)).code, 0);
  const firstBytes = readFileSync(out);
  const appended = await job(second, out, '--if-exists', 'append');
  assert.is(appended.code, 0, appended.stderr);
  const bytes = readFileSync(out);
  assert.ok(bytes.subarray(0, firstBytes.length).equals(firstBytes), 'the earlier rows stay as they were, first');
  assert.equal(sortRows(readJsonl(out)), sortRows([...first.rows, ...second.rows]));

  const overwritten = await job(second, out, '--if-exists', 'overwrite');
  assert.is(overwritten.code, 0, overwritten.stderr);
  assert.equal(sortRows(readJsonl(out)), second.rows);
  // An absent file needs no choice, and a choice does no harm there.
  const fresh = join(dir, 'fresh.jsonl');
  assert.is((await job(first, fresh, '--if-exists', 'overwrite')).code, 0);
  assert.equal(sortRows(readJsonl(fresh)), first.rows);
});

test('--if-exists is refused where it would do nothing, and takes only append or overwrite', async () => {
  const cases = [
    [['--sink', 'jsonl:-', '--if-exists', 'append'], '--if-exists applies only to --sink jsonl:PATH with a file PATH'],
    [['--sink', `sqlite:${join(dir, 'x.db')}`, '--if-exists', 'overwrite'], '--if-exists applies only to --sink jsonl:PATH'],
    [['--sink', 'none', '--if-exists', 'append'], '--if-exists applies only to --sink jsonl:PATH'],
    [['--sink', `jsonl:${join(dir, 'y.jsonl')}`, '--if-exists', 'replace'], '--if-exists must be append or overwrite, not "replace"'],
  ];
  for (const [args, message] of cases) {
    const run = await runCli('main.js', ['--source', 'synthetic:dev', '--events', '10', ...args], { timeoutMs: 30_000 });
    assert.is(run.code, 2, args.join(' '));
    assert.match(run.stderr, message);
  }
});

test.run();
