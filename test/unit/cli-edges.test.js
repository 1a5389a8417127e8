'use strict';
// Rough edges a new user hit, each as they met it: -v, --help beside a bad flag, a misspelt
// CLICKSTREAM_ variable, a missing input file, SQLite stores that cannot be opened, where the dead
// letters went, and "1 windows".
const { test } = require('uvu');
const assert = require('uvu/assert');
const { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { runCli } = require('../helpers/cli');

const dir = mkdtempSync(join(tmpdir(), 'clickstream-edges-'));
const run = (script, args, options = {}) => runCli(script, args, { timeoutMs: 30_000, ...options });
const logLines = (stderr) => stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
const event = (client, page, second) =>
  JSON.stringify({ client_id: client, timestamp: `2017-01-25T14:03:${String(second).padStart(2, '0')}`, url: { topic: 'Action', page } });

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('-v suggests --version, not -h', async () => {
  for (const script of ['main.js', 'recommend.js', 'produce.js']) {
    const result = await run(script, ['-v']);
    assert.is(result.code, 2);
    assert.match(result.stderr, 'unknown flag -v; did you mean --version?');
  }
});

test('--help beside a bad flag prints the help, and names the bad flag on stderr', async () => {
  for (const args of [['--help', '--bogus'], ['--bogus', '-h'], ['--threads', '--help'], ['--window=7s', 'extra', '--help']]) {
    const result = await run('main.js', args);
    assert.is(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    assert.ok(result.stdout.startsWith('usage: clickstream [flags]\n'), args.join(' '));
    assert.match(result.stderr, /^clickstream: note: /);
    assert.not.match(result.stderr, 'Run with --help');
  }
  // A value that looks like the help flag is a value: --topic -h is no request for help.
  const value = await run('main.js', ['--source', 'kafka', '--topic', '-h', '--bogus']);
  assert.is(value.code, 2);
  assert.is(value.stdout, '');
});

test('a CLICKSTREAM_ variable that sets no flag is warned about, with the nearest name', async () => {
  const env = { CLICKSTREAM_THREDS: '2', CLICKSTREAM_WHATEVER_THIS_IS: 'x', CLICKSTREAM_PARTITIONS: '3' };
  const job = await run('main.js', ['--source', 'synthetic:dev', '--events', '3', '--rate', 'max', '--sink', 'none', '--log-format', 'json'], { env });
  assert.is(job.code, 0, job.stderr);
  const warnings = logLines(job.stderr).filter((line) => line.level === 'warn').map((line) => line.msg);
  assert.ok(warnings.some((msg) => msg.startsWith('CLICKSTREAM_THREDS is set but sets no flag') && msg.endsWith('did you mean CLICKSTREAM_THREADS?')), warnings.join('\n'));
  assert.ok(warnings.some((msg) => msg.startsWith('CLICKSTREAM_WHATEVER_THIS_IS') && !msg.includes('did you mean')), warnings.join('\n'));
  // The producer's variable is no mistake in the job's environment: the commands share it.
  assert.not.ok(warnings.some((msg) => msg.includes('CLICKSTREAM_PARTITIONS')));
  const recommend = await run('recommend.js', ['--version'], { env: { CLICKSTREAM_TOPC: 'Action' } });
  assert.match(recommend.stderr, 'clickstream-recommend: warning: CLICKSTREAM_TOPC is set but sets no flag');
  assert.match(recommend.stderr, 'did you mean CLICKSTREAM_TOPIC?');
});

test('a missing input file is refused with the flags: exit 2, nothing created', async () => {
  const cwd = join(dir, 'empty');
  mkdirSync(cwd);
  for (const source of ['file:nope.ndjson', `file:${cwd}`]) {
    const result = await run('main.js', ['--source', source], { cwd });
    assert.is(result.code, 2, result.stderr);
    assert.match(result.stderr, `--source ${source}: `);
    assert.equal(readdirSync(cwd), [], `${source}: no store, no dead letters`);
  }
  const producer = await run('produce.js', ['--to', '-', '--source', 'file:nope.ndjson'], { cwd });
  assert.is(producer.code, 2);
  assert.match(producer.stderr, 'no such file');
});

test('a SQLite store that cannot be opened is named, with the cause', async () => {
  const folder = join(dir, 'a-folder.db');
  mkdirSync(folder);
  const job = (sink) => run('main.js', ['--events', '3', '--rate', 'max', '--sink', sink, '--dead-letter', join(dir, 'dead.jsonl'), '--log-format', 'json']);
  const proc = await job('sqlite:/proc/clickstream.db');
  assert.is(proc.code, 1);
  assert.match(logLines(proc.stderr).at(-1).msg, 'cannot open the SQLite store /proc/clickstream.db: no file can be created in /proc (');
  const directory = await job(`sqlite:${folder}`);
  assert.is(directory.code, 1);
  assert.match(logLines(directory.stderr).at(-1).msg, `cannot open the SQLite store ${folder}: it is a directory; give a file in it, e.g. sqlite:${join(folder, 'clickstream.db')}`);
  const reader = await run('recommend.js', ['--store', `sqlite:${folder}`, '--client', 'c', '--topic', 'Action', '-n', '3']);
  assert.is(reader.code, 1);
  assert.match(reader.stderr, `cannot open the SQLite store ${folder}: it is a directory`);
  const notSqlite = join(dir, 'notes.txt');
  writeFileSync(notSqlite, 'not a database, but long enough to be read as one: '.repeat(4));
  const text = await run('recommend.js', ['--store', `sqlite:${notSqlite}`, '--client', 'c', '--topic', 'Action', '-n', '3']);
  assert.is(text.code, 1);
  assert.match(text.stderr, `cannot open the SQLite store ${notSqlite}: the file is not a SQLite database`);
  assert.not.ok(existsSync('/proc/clickstream.db'));
});

test('the summary says where the dead letters went whenever there were any', async () => {
  const deadLetters = join(dir, 'some-rejected.jsonl');
  const input = [event('a', 'X', 1), 'not json', event('b', 'Y', 2)].join('\n') + '\n';
  const result = await run('main.js', ['--source', 'file:-', '--sink', 'none', '--dead-letter', deadLetters, '--log-format', 'json'], { input });
  assert.is(result.code, 0, result.stderr);
  const lines = logLines(result.stderr);
  const note = lines.find((line) => line.deadLetters === deadLetters);
  assert.ok(note !== undefined, result.stderr);
  assert.is(note.level, 'info', 'some rejected is no warning; all rejected is');
  assert.is(note.msg, `1 message of 3 rejected; see the dead letters in ${deadLetters}`);
  assert.is(lines.at(-1).msg, 'done');
});

test('one of a thing is singular: 1 event, 1 window, 1 visitor', async () => {
  const input = `${event('a', 'X', 1)}\n`;
  const result = await run('main.js', ['--source', 'file:-', '--window', '1m', '--slide', '1m', '--sink', 'none', '--threads', '1', '--log-format', 'pretty'], { input });
  assert.is(result.code, 0, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.match(lines.find((line) => line.startsWith('window ending')), /written: 3 rows in \d+ ms; top page Action \/ X \(1 visitor\)$/);
  assert.match(lines.at(-1), /^done: 1 event in [\d.]+ s \(\d+\/s\); 1 accepted, 0 rejected; 1 window and 3 rows written/);
  assert.not.match(result.stderr, /\b1 (events|windows|visitors|threads)\b/);
});

test.run();
