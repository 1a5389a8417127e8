'use strict';
// A Kafka job writing `jsonl:-` into `| head -n 3`: when head is gone the job exits 141 and commits no
// offset for the window it could not write, so a rerun of the group loses nothing.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { serverTest, KAFKA_BROKERS } = require('../helpers/services');
const { committedOffsets, deleteTopic, withAdmin } = require('../helpers/faults');
const { sortRows } = require('../helpers/reference');
const { runCli, runShell, readJsonl } = require('../helpers/cli');

const RUN = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'clickstream-jsonl-pipe-kafka-'));
const topic = `jsonl-pipe-${RUN}`;
const group = `jsonl-pipe-${RUN}`;
const WINDOW_FLAGS = ['--window', '20s', '--slide', '10s', '--batch', '1s'];
const SYNTHETIC = ['--source', 'synthetic:production', '--events', '20000', '--seed', '19'];
let produced = false;

test.after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!produced) return;
  await withAdmin((admin) => admin.deleteGroups([group])).catch(() => undefined);
  await deleteTopic(topic);
});

serverTest('Kafka → jsonl:- | head -n 3: exit 141, no offset committed for the unwritten window; a rerun writes every row', async () => {
  const produce = await runCli('produce.js', ['--brokers', KAFKA_BROKERS, '--topic', topic, '--partitions', '3', ...SYNTHETIC]);
  assert.is(produce.code, 0, produce.stderr);
  produced = true;
  const kafkaFlags = [
    '--source', 'kafka', '--brokers', KAFKA_BROKERS, '--topic', topic, '--group', group, '--from-beginning', '--stop-at-end',
    '--clock', 'event', '--threads', '2', ...WINDOW_FLAGS, '--dead-letter', join(dir, 'dead.jsonl'),
  ];

  const env = { OUT: join(dir, 'head.out'), ERR: join(dir, 'head.err') };
  const shell = await runShell(`clickstream ${kafkaFlags.join(' ')} --sink jsonl:- --log-format json 2>"$ERR" | head -n 3 >"$OUT"; echo "\${PIPESTATUS[*]}"`, { env });
  const stderr = readFileSync(env.ERR, 'utf8');
  assert.is(shell.stdout.trim(), '141 0', stderr.slice(-2000));
  assert.is(readFileSync(env.OUT, 'utf8').split('\n').filter(Boolean).length, 3);
  // The first close's rows are more than the pipe holds, so its write failed: no window was written.
  const summary = JSON.parse(stderr.trim().split('\n').at(-1));
  assert.is(summary.msg, 'stopped: standard output was closed by its reader');
  assert.is(summary.windows, 0);
  assert.equal(await committedOffsets(topic, group), [-1, -1, -1], 'nothing committed');

  const rerunOut = join(dir, 'rerun.jsonl');
  const rerun = await runCli('main.js', [...kafkaFlags, '--sink', `jsonl:${rerunOut}`]);
  assert.is(rerun.code, 0, rerun.stderr);
  const directOut = join(dir, 'direct.jsonl');
  const direct = await runCli('main.js', [
    ...SYNTHETIC, '--rate', 'max', '--clock', 'event', '--threads', '2', ...WINDOW_FLAGS, '--dead-letter', join(dir, 'dead.jsonl'), '--sink', `jsonl:${directOut}`,
  ]);
  assert.is(direct.code, 0, direct.stderr);
  const expected = sortRows(readJsonl(directOut));
  assert.ok(expected.length > 1000, 'many rows');
  assert.equal(sortRows(readJsonl(rerunOut)), expected);
});

test.run();
