'use strict';
// `--sink jsonl:-` as a Unix stream, through real shell pipes: a reader slower than the job gets every
// row (the job waits for it), and a reader that goes away (`| head`) ends the job quietly with 141.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { makeEvents, toLine } = require('../helpers/events');
const { referenceRows, sortRows } = require('../helpers/reference');
const { runShell, readJsonl } = require('../helpers/cli');

const dir = mkdtempSync(join(tmpdir(), 'clickstream-jsonl-stdout-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const logLines = (stderr) => stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line));

/**
 * A reader slower than the job: it waits a second before its first read (the job meets a full pipe at
 * once) and sleeps 2 ms after each read of at most 16 KiB, copying what it reads to its stdout. Sleeping
 * is this reader's whole point; the test itself waits for the pipeline to end.
 */
const SLOW_READER = `
const { readSync, writeSync } = require('node:fs');
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const buffer = Buffer.alloc(16 * 1024);
sleep(1000);
for (;;) {
  let n;
  try { n = readSync(0, buffer, 0, buffer.length, null); } catch (error) { if (error.code === 'EAGAIN') { sleep(2); continue; } throw error; }
  if (n === 0) break;
  let at = 0;
  while (at < n) at += writeSync(1, buffer, at, n - at);
  sleep(2);
}
`;

test('jsonl:- through a pipe to a slow reader: every row of 200,000 events arrives, equal to the reference', async () => {
  const events = makeEvents({ count: 200_000, seed: 19, clients: 200, stepMs: 20, jitterMs: 3_000 });
  const input = join(dir, 'events.ndjson');
  writeFileSync(input, events.map(toLine).join('\n') + '\n');
  const reader = join(dir, 'slow-reader.js');
  writeFileSync(reader, SLOW_READER);
  const env = { INPUT: input, READER: reader, OUT: join(dir, 'slow.jsonl'), ERR: join(dir, 'slow.err') };
  const shell = await runShell(
    'clickstream --source "file:$INPUT" --sink jsonl:- --threads 2 --log-format json 2>"$ERR" | "$TEST_NODE_BIN" "$READER" >"$OUT"; echo "${PIPESTATUS[*]}"',
    { env, timeoutMs: 300_000 },
  );
  const stderr = readFileSync(env.ERR, 'utf8');
  assert.is(shell.stdout.trim(), '0 0', stderr.slice(-2000));
  assert.is(logLines(stderr).at(-1).msg, 'done');
  assert.not.match(stderr, 'EAGAIN');
  const expected = referenceRows(events, { windowMs: 120_000, slideMs: 60_000, latenessMs: 10_000 });
  assert.is(expected.late, 0);
  const rows = sortRows(readJsonl(env.OUT));
  // Much more than a pipe holds (64 KiB): the job had to wait for the reader many times over.
  assert.ok(readFileSync(env.OUT).length > 100 * 65_536, 'many pipefuls of rows');
  assert.is(rows.length, expected.rows.length);
  assert.equal(rows, expected.rows);
});

test('jsonl:- | head -n 3: the job stops reading once head is gone, within 5 s, quietly, with exit code 141', async () => {
  const events = 50_000_000;
  const env = { OUT: join(dir, 'head.out'), ERR: join(dir, 'head.err'), GONE: join(dir, 'head.gone') };
  // The job runs until its next write fails: when head has exited (the subshell's `date` is the last
  // holder of the pipe's reading end, and it records the moment). bash then echoes both statuses.
  const shell = await runShell(
    `clickstream --source synthetic:production --rate max --events ${events} --clock event --sink jsonl:- --threads 2 --log-format json 2>"$ERR" ` +
      '| { head -n 3 >"$OUT"; date +%s%3N >"$GONE"; }; statuses="${PIPESTATUS[*]}"; date +%s%3N; echo "$statuses"',
    { env, timeoutMs: 120_000 },
  );
  const [ended, statuses] = shell.stdout.trim().split('\n');
  const stderr = readFileSync(env.ERR, 'utf8');
  assert.is(statuses, '141 0', stderr.slice(-2000));
  const afterHead = Number(ended) - Number(readFileSync(env.GONE, 'utf8'));
  assert.ok(afterHead < 5_000, `the job ended ${afterHead} ms after head`);
  assert.is(readFileSync(env.OUT, 'utf8').split('\n').filter(Boolean).length, 3);
  // Quiet: log lines only, none of them a warning or an error, no stack trace; the last says why it stopped.
  const lines = logLines(stderr);
  for (const line of lines) assert.is(line.level, 'info', JSON.stringify(line));
  assert.not.match(stderr, /EPIPE|    at /);
  const summary = lines.at(-1);
  assert.is(summary.msg, 'stopped: standard output was closed by its reader');
  assert.ok(summary.events < events, `it stopped reading (${summary.events} of ${events} events read)`);
});

test.run();
