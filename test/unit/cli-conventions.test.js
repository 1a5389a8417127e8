'use strict';
// What every command shares (--version, usage names, flags from the environment, secrets, typo
// suggestions, the help hint once, -n3), the job's log lines and summary, its default clock, its
// refusals of flags that would do nothing, dead-letter run markers, dead letters on stderr, the
// all-rejected warning, and the recommender's missing-store and unknown-topic messages.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { createSqliteSink } = require('../../dist/sinks/sqlite/sqlite-sink');
const { ROOT, runCli, readJsonl } = require('../helpers/cli');
const { windowRows } = require('../helpers/window-rows');
const { WHOLE, TEST_IDENTITY } = require('../helpers/scopes');

const dir = mkdtempSync(join(tmpdir(), 'clickstream-cli-'));
const VERSION = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
const HINT = 'Run with --help for usage.';
const COMMANDS = { 'main.js': 'clickstream', 'recommend.js': 'clickstream-recommend', 'produce.js': 'clickstream-produce' };
const run = (script, args, options = {}) => runCli(script, args, { timeoutMs: 30_000, ...options });
const stdoutRows = (stdout) => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
const logLines = (stderr) => stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
const event = (client, page, second) =>
  JSON.stringify({ client_id: client, timestamp: `2017-01-25T14:03:${String(second).padStart(2, '0')}`, url: { topic: 'Action', page } });

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('--version on every command prints its installed name and the package version', async () => {
  for (const [script, name] of Object.entries(COMMANDS)) {
    const result = await run(script, ['--version']);
    assert.is(result.code, 0, result.stderr);
    assert.is(result.stdout, `${name} ${VERSION}\n`);
  }
});

test('usage shows the installed name and says flags may come from the environment', async () => {
  for (const [script, name] of Object.entries(COMMANDS)) {
    const result = await run(script, ['--help']);
    assert.is(result.code, 0);
    assert.ok(result.stdout.startsWith(`usage: ${name} [flags]\n`), result.stdout.slice(0, 80));
    assert.match(result.stdout, 'CLICKSTREAM_<FLAG>');
  }
  const main = await run('main.js', ['--help']);
  for (const text of ['--kafka-password-file', '--cassandra-password-file', 'CLICKSTREAM_KAFKA_PASSWORD', 'CLICKSTREAM_CASSANDRA_PASSWORD', 'CLICKSTREAM_HTTP_TOKEN', '--http', '--log-format', '--version']) {
    assert.match(main.stdout, text);
  }
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
  assert.equal(pkg.bin, { clickstream: 'dist/main.js', 'clickstream-recommend': 'dist/recommend.js', 'clickstream-produce': 'dist/produce.js' });
});

test('a mistyped flag suggests the nearest one; the help hint is printed once', async () => {
  const cases = [
    ['main.js', ['--windw', '1m'], '--window'],
    ['main.js', ['--thread', '2'], '--threads'],
    ['recommend.js', ['--clinet', 'c', '--topic', 't', '-n', '1'], '--client'],
    ['produce.js', ['--topik', 't'], '--topic'],
  ];
  for (const [script, args, nearest] of cases) {
    const result = await run(script, args);
    assert.is(result.code, 2, result.stderr);
    assert.match(result.stderr, `did you mean ${nearest}?`);
    assert.is(result.stderr.split(HINT).length - 1, 1, `one hint: ${result.stderr}`);
  }
  const far = await run('main.js', ['--frobnicate']);
  assert.not.match(far.stderr, 'did you mean');
  assert.is(far.stderr.split(HINT).length - 1, 1);
});

test('errors that depend on a default name it; --batch 0s must be positive', async () => {
  const window = await run('main.js', ['--window', '7s']);
  assert.is(window.code, 2);
  assert.match(window.stderr, '--window must be a positive multiple of --batch (5s by default)');
  const batch = await run('main.js', ['--batch', '7s']);
  assert.match(batch.stderr, '--window (2m by default) must be a positive multiple of --batch');
  const zero = await run('main.js', ['--batch', '0s']);
  assert.is(zero.code, 2);
  assert.match(zero.stderr, '--batch must be positive');
});

test('flags that would do nothing are refused: --lateness and --idle-timeout with the wall clock, --idle-timeout without Kafka', async () => {
  const cases = [
    [['--lateness', '5s'], '--lateness applies only to --clock event'],
    [['--clock', 'wall', '--source', 'file:x', '--lateness', '5s'], '--lateness applies only to --clock event'],
    [['--idle-timeout', '5s'], '--idle-timeout applies only to --clock event'],
    [['--source', 'file:x', '--idle-timeout', '5s'], '--idle-timeout applies only to --source kafka'],
  ];
  for (const [args, message] of cases) {
    const result = await run('main.js', [...args, '--sink', 'none']);
    assert.is(result.code, 2, args.join(' '));
    assert.match(result.stderr, message);
  }
});

test('every flag may come from CLICKSTREAM_<FLAG>; the command line wins; errors name the variable', async () => {
  const out = join(dir, 'env.jsonl');
  const fromEnv = await run('main.js', ['--rate', 'max'], {
    env: { CLICKSTREAM_SOURCE: 'synthetic:dev', CLICKSTREAM_EVENTS: '40', CLICKSTREAM_SINK: `jsonl:${out}`, CLICKSTREAM_CLOCK: 'event', CLICKSTREAM_RATE: 'lots' },
  });
  assert.is(fromEnv.code, 0, fromEnv.stderr);
  assert.is(logLines(fromEnv.stderr).at(-1).events, 40);
  assert.ok(readJsonl(out).length > 0);
  const bad = await run('main.js', [], { env: { CLICKSTREAM_BATCH: 'fast' } });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, '--batch came from CLICKSTREAM_BATCH');
  const badSwitch = await run('main.js', [], { env: { CLICKSTREAM_FROM_BEGINNING: 'maybe' } });
  assert.is(badSwitch.code, 2);
  assert.match(badSwitch.stderr, 'CLICKSTREAM_FROM_BEGINNING must be true or false');
  const recommend = await run('recommend.js', ['--store', `sqlite:${join(dir, 'none.db')}`], { env: { CLICKSTREAM_CLIENT: 'c1', CLICKSTREAM_TOPIC: 'Action', CLICKSTREAM_N: '3' } });
  assert.is(recommend.code, 1, 'the flags came from the environment; the store is what is missing');
  assert.match(recommend.stderr, 'no SQLite database at');
});

test('passwords come from files or the environment and appear in no output', async () => {
  const secret = 'pa55-word-never-printed';
  const file = join(dir, 'kafka-password');
  writeFileSync(file, `${secret}\n`);
  const kafka = ['--source', 'kafka', '--topic', 't', '--brokers', '127.0.0.1:1', '--kafka-sasl', 'plain', '--kafka-user', 'u', '--sink', 'none'];
  const both = await run('main.js', [...kafka, '--kafka-password', secret, '--kafka-password-file', file]);
  assert.is(both.code, 2);
  assert.match(both.stderr, 'not both');
  const missing = await run('main.js', [...kafka, '--kafka-password-file', join(dir, 'nothing-here')]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, '--kafka-password-file: cannot read');
  // With the password in the environment, the file on the command line wins, and nothing prints either.
  const cassandra = ['--source', 'file:-', '--sink', 'cassandra', '--cassandra', '127.0.0.1:1', '--cassandra-user', 'u', '--cassandra-password-file', file, '--dead-letter', join(dir, 'pw-dead.jsonl')];
  const result = await run('main.js', cassandra, { input: 'not json\n', env: { CLICKSTREAM_CASSANDRA_PASSWORD: 'other-secret' } });
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, 'cannot connect to Cassandra at 127.0.0.1:1');
  for (const text of [result.stdout, result.stderr, readFileSync(join(dir, 'pw-dead.jsonl'), 'utf8')]) {
    assert.not.match(text, secret);
    assert.not.match(text, 'other-secret');
  }
});

test('-n3 works like -n 3', async () => {
  const db = join(dir, 'small.db');
  const sink = createSqliteSink(db, TEST_IDENTITY);
  await sink.open();
  await sink.write([windowRows({ end: 120_000, visitors: [['Action', 'A', 3], ['Action', 'B', 2], ['Action', 'C', 1], ['Drama', 'D', 1]], visits: [] })], WHOLE, Infinity);
  await sink.close();
  const spaced = await run('recommend.js', ['--store', `sqlite:${db}`, '--client', 'c', '--topic', 'Action', '-n', '2']);
  const attached = await run('recommend.js', ['--store', `sqlite:${db}`, '--client', 'c', '--topic', 'Action', '-n2']);
  assert.is(attached.code, 0, attached.stderr);
  assert.is(attached.stdout, spaced.stdout);
  assert.is(attached.stdout, '1. A (3 visitors)\n2. B (2 visitors)\n');
  // An unknown topic lists those there are.
  const unknown = await run('recommend.js', ['--store', `sqlite:${db}`, '--client', 'c', '--topic', 'Horror', '-n3', '--json']);
  assert.is(unknown.code, 0);
  assert.is(unknown.stdout, '[]\n');
  assert.match(unknown.stderr, 'no windows with topic "Horror"');
  assert.match(unknown.stderr, 'its topics: "Action", "Drama"');
});

test('the recommender with a SQLite path that does not exist says so and exits 1', async () => {
  const missing = join(dir, 'nowhere', 'missing.db');
  const result = await run('recommend.js', ['--store', `sqlite:${missing}`, '--client', 'c', '--topic', 'Action', '-n', '3']);
  assert.is(result.code, 1);
  assert.is(result.stdout, '');
  assert.match(result.stderr, `no SQLite database at ${missing}`);
  assert.not.match(result.stderr, 'unknown topic');
});

test('a file source defaults to the event clock and the start line says why; JSON lines carry level, time and msg', async () => {
  const input = [event('a', 'X', 1), event('b', 'Y', 2)].join('\n') + '\n';
  const result = await run('main.js', ['--source', 'file:-', '--sink', 'jsonl:-', '--log-format', 'json'], { input });
  assert.is(result.code, 0, result.stderr);
  const lines = logLines(result.stderr);
  assert.ok(lines.length > 0 && lines.length === result.stderr.trim().split('\n').length, 'every line is JSON');
  for (const line of lines) {
    assert.ok(['info', 'warn', 'error'].includes(line.level), JSON.stringify(line));
    assert.ok(!Number.isNaN(Date.parse(line.time)));
    assert.type(line.msg, 'string');
    assert.not.ok('message' in line);
  }
  assert.match(lines[0].msg, 'event clock (default for file sources)');
  assert.is(lines.at(-1).msg, 'done');
  // By timestamp: 14:03:01 and 14:03:02 count in the 2m windows ending 14:04 and 14:05 of that day.
  const ends = stdoutRows(result.stdout).filter((row) => row.table === 'windows').map((row) => row.window_end);
  assert.equal(ends, [Date.parse('2017-01-25T14:04:00Z'), Date.parse('2017-01-25T14:05:00Z')]);
  const wall = await run('main.js', ['--source', 'synthetic:dev', '--events', '5', '--rate', 'max', '--sink', 'none', '--log-format', 'json']);
  assert.match(logLines(wall.stderr)[0].msg, 'wall clock (default for synthetic sources)');
  const given = await run('main.js', ['--source', 'file:-', '--clock', 'wall', '--sink', 'none', '--log-format', 'json'], { input });
  assert.match(logLines(given.stderr)[0].msg, 'wall clock (--clock)');
});

test('the summary rounds its latencies; as text it is one readable line', async () => {
  const json = await run('main.js', ['--source', 'synthetic:dev', '--rate', '200', '--events', '300', '--batch', '500ms', '--window', '1s', '--slide', '500ms', '--clock', 'wall', '--sink', 'none', '--log-format', 'json']);
  const summary = logLines(json.stderr).at(-1);
  assert.ok(summary.latencyMs !== null, json.stderr);
  for (const value of Object.values(summary.latencyMs)) assert.ok(Number.isInteger(value), `${value} is rounded`);
  const pretty = await run('main.js', ['--source', 'synthetic:dev', '--rate', 'max', '--events', '300', '--sink', 'none', '--log-format', 'pretty']);
  assert.is(pretty.code, 0, pretty.stderr);
  const last = pretty.stderr.trim().split('\n').at(-1);
  assert.match(last, /^done: 300 events in [\d.]+ s \([\d,]+\/s\); 300 accepted, 0 rejected; \d+ windows? and [\d,]+ rows written/);
  assert.not.match(pretty.stderr, '{"');
});

test('errors go out at level error', async () => {
  const result = await run('main.js', ['--events', '5', '--rate', 'max', '--sink', 'sqlite:/proc/clickstream.db', '--dead-letter', join(dir, 'errors-dead.jsonl'), '--log-format', 'json']);
  assert.is(result.code, 1);
  const failure = logLines(result.stderr).at(-1);
  assert.is(failure.level, 'error');
  assert.match(failure.msg, 'clickstream failed');
});

test('a run whose every message is rejected warns with the dead-letter path; each run marks its dead letters', async () => {
  const deadLetters = join(dir, 'all-rejected.jsonl');
  const args = ['--source', 'file:-', '--sink', 'none', '--dead-letter', deadLetters, '--log-format', 'json', '--http-token', 'tok-3c9-never-printed', '--http', '127.0.0.1:0'];
  for (let runs = 1; runs <= 2; runs++) {
    const result = await run('main.js', args, { input: 'not json\n{"client_id": 5}\n' });
    assert.is(result.code, 0, result.stderr);
    const lines = logLines(result.stderr);
    const warning = lines.find((line) => line.level === 'warn');
    assert.ok(warning !== undefined, result.stderr);
    assert.match(warning.msg, 'every one of the 2 messages read was rejected');
    assert.match(warning.msg, deadLetters);
    assert.is(lines.at(-1).msg, 'done', 'the summary stays the last line');
    const entries = readJsonl(deadLetters);
    assert.is(entries.length, 3 * runs, 'a marker and two letters per run');
    const markers = entries.filter((entry) => 'run' in entry);
    assert.is(markers.length, runs);
    const marker = markers.at(-1).run;
    assert.ok(!Number.isNaN(Date.parse(marker.time)));
    assert.match(marker.command, /^clickstream --source file:- --sink none/);
    assert.match(marker.command, "--http-token '***'");
    assert.not.match(marker.command, 'tok-3c9-never-printed');
    assert.equal(entries.filter((entry) => !('run' in entry)).map((letter) => letter.reason).slice(-2), ['invalid_json', 'wrong_type']);
  }
  const fine = await run('main.js', ['--source', 'file:-', '--sink', 'none', '--dead-letter', join(dir, 'none-rejected.jsonl'), '--log-format', 'json'], { input: `${event('a', 'X', 1)}\n` });
  assert.not.ok(logLines(fine.stderr).some((line) => line.level === 'warn'));
  assert.is(readFileSync(join(dir, 'none-rejected.jsonl'), 'utf8'), '', 'no marker without dead letters');
});

test('--dead-letter - writes the dead letters to standard error as JSON lines among the log lines, and no file', async () => {
  const input = ['not json', event('a', 'X', 1), '{"client_id": 5}'].join('\n') + '\n';
  const result = await run('main.js', ['--source', 'file:-', '--sink', 'none', '--dead-letter', '-', '--log-format', 'json'], { input });
  assert.is(result.code, 0, result.stderr);
  const lines = logLines(result.stderr);
  const letters = lines.filter((line) => 'reason' in line);
  assert.equal(letters.map((letter) => [letter.reason, letter.position, letter.raw]), [
    ['invalid_json', { kind: 'line', line: 1 }, 'not json'],
    ['wrong_type', { kind: 'line', line: 3 }, '{"client_id": 5}'],
  ]);
  assert.ok(lines.filter((line) => !('reason' in line)).every((line) => line.level === 'info' && 'msg' in line), 'the rest are log lines');
  assert.not.ok(lines.some((line) => 'run' in line), 'a stream belongs to one run: no run marker');
  assert.not.ok(existsSync(join(ROOT, '-')), 'no file named -');
  const pretty = await run('main.js', ['--source', 'file:-', '--sink', 'none', '--dead-letter', '-', '--log-format', 'pretty'], { input });
  assert.is(pretty.stderr.split('\n').filter((line) => line.startsWith('{"reason":"invalid_json"')).length, 1, pretty.stderr);
});

test.run();
