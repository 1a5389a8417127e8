'use strict';
const { test } = require('uvu');
const assert = require('uvu/assert');
const { runCli } = require('../helpers/cli');

const BAD = [
  [['--batch', '7s'], '--window'],
  [['--window', '2m', '--slide', '3m'], '--slide'],
  [['--batch', 'fast'], '--batch'],
  [['--clock', 'sundial'], '--clock'],
  [['--threads', '0'], '--threads'],
  [['--rate', 'lots'], '--rate'],
  [['--source', 'kafkaesque'], '--source'],
  [['--sink', 'postgres:x'], '--sink'],
  [['--frobnicate'], '--frobnicate'],
  [['--window'], '--window'],
  [['--source', 'file:x.ndjson', '--seed', '3'], '--seed'],
  [['--sink', 'none', '--keyspace', 'ks'], 'Cassandra'],
  [['--sink', 'cassandra', '--keyspace', 'drop table'], '--keyspace'],
  [['--lateness', '-1s'], '--lateness'],
  [['--kafka-sasl', 'plain', '--kafka-user', 'u', '--kafka-password', 'p'], '--kafka-sasl'],
  [['--source', 'synthetic:production', '--topic', 'production'], '--topic'],
  [['--source', 'kafka', '--topic', 't', '--rate', '5'], '--rate'],
];

for (const [args, named] of BAD) {
  test(`bad flags ${args.join(' ')} exit 2 naming ${named}`, async () => {
    const run = await runCli('main.js', args, { timeoutMs: 20_000 });
    assert.is(run.code, 2, run.stderr);
    assert.match(run.stderr, named);
    assert.is(run.stdout, '');
  });
}

test('--help lists every flag and exits 0', async () => {
  const run = await runCli('main.js', ['--help'], { timeoutMs: 20_000 });
  assert.is(run.code, 0);
  for (const flag of ['--source', '--sink', '--batch', '--window', '--slide', '--clock', '--lateness', '--idle-timeout', '--threads', '--rate', '--events', '--seed', '--dead-letter', '--if-exists', '--cassandra']) {
    assert.match(run.stdout, flag);
  }
});

test('a missing input file is a clear error, not a crash', async () => {
  const run = await runCli('main.js', ['--source', 'file:/nonexistent/events.ndjson', '--sink', 'none'], { timeoutMs: 20_000 });
  assert.is.not(run.code, 0);
  assert.match(run.stderr, '/nonexistent/events.ndjson');
  assert.not.match(run.stderr, '    at ');
});

test.run();
