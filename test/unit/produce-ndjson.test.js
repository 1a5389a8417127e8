'use strict';
// clickstream-produce --to file:PATH and --to -: the generator's events as NDJSON, for --source file:.
// (The same events as the Kafka path: test/integration/produce.test.js.)
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { runCli, startCli, finalLogOf } = require('../helpers/cli');

const dir = mkdtempSync(join(tmpdir(), 'clickstream-produce-ndjson-'));
const run = (args, options = {}) => runCli('produce.js', args, { timeoutMs: 30_000, ...options });

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('--to - writes one event a line; the same seed gives the same bytes, another seed others', async () => {
  const first = await run(['--to', '-', '--source', 'synthetic:production', '--events', '500', '--seed', '7']);
  assert.is(first.code, 0, first.stderr);
  const lines = first.stdout.split('\n');
  assert.is(lines.pop(), '', 'the last line ends with a newline');
  assert.is(lines.length, 500);
  for (const line of lines) {
    const event = JSON.parse(line);
    assert.type(event.client_id, 'string');
    assert.type(event.url.page, 'string');
  }
  assert.match(first.stderr, /^produced to stdout: 500 events in [\d.]+ s/m, 'the closing line goes to stderr, beside the events');
  const again = await run(['--to', '-', '--source', 'synthetic:production', '--events', '500', '--seed', '7']);
  assert.is(again.stdout, first.stdout);
  const other = await run(['--to', '-', '--source', 'synthetic:production', '--events', '500', '--seed', '8']);
  assert.is.not(other.stdout, first.stdout);
});

test('--to file:PATH writes the same bytes, and the job reads them back', async () => {
  const path = join(dir, 'events.ndjson');
  const written = await run(['--to', `file:${path}`, '--events', '300', '--seed', '3']);
  assert.is(written.code, 0, written.stderr);
  assert.match(written.stdout, `produced to ${path}: 300 events in`);
  const stdout = await run(['--to', '-', '--events', '300', '--seed', '3']);
  assert.is(readFileSync(path, 'utf8'), stdout.stdout);
  const job = await runCli('main.js', ['--source', `file:${path}`, '--sink', 'none', '--dead-letter', join(dir, 'dead.jsonl')], { timeoutMs: 30_000 });
  assert.is(job.code, 0, job.stderr);
  const summary = finalLogOf(job.stderr);
  assert.is(summary.events, 300);
  assert.is(summary.accepted, 300);
});

test('a file with events in it is never replaced; flags of Kafka are refused with a file', async () => {
  const kept = join(dir, 'kept.ndjson');
  writeFileSync(kept, '{"keep": "me"}\n');
  const refused = await run(['--to', `file:${kept}`, '--events', '3']);
  assert.is(refused.code, 2);
  assert.match(refused.stderr, 'exists and is not empty');
  assert.is(readFileSync(kept, 'utf8'), '{"keep": "me"}\n');
  const empty = join(dir, 'empty.ndjson');
  writeFileSync(empty, '');
  assert.is((await run(['--to', `file:${empty}`, '--events', '3'])).code, 0);
  for (const [args, named] of [[['--topic', 't'], '--topic'], [['--partitions', '2'], '--partitions'], [['--brokers', 'h:1'], '--brokers']]) {
    const result = await run(['--to', '-', '--events', '3', ...args]);
    assert.is(result.code, 2, result.stderr);
    assert.match(result.stderr, `${named} applies only to --to kafka`);
  }
  const bad = await run(['--to', 's3://bucket']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, '--to must be kafka, file:PATH or -');
});

test('a reader of stdout that goes away ends an endless run quietly', async () => {
  const producer = startCli('produce.js', ['--to', '-', '--rate', '200'], { timeoutMs: 30_000 });
  await new Promise((resolve) => producer.child.stdout.once('data', resolve));
  producer.child.stdout.destroy();
  const { code, stderr } = await producer.exited;
  assert.is(code, 0, stderr);
  assert.not.match(stderr, /EPIPE|error/i);
});

test.run();
