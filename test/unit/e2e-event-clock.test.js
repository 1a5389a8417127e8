'use strict';
const { test } = require('uvu');
const assert = require('uvu/assert');
const { mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { makeEvents, toLine } = require('../helpers/events');
const { referenceRows, sortRows } = require('../helpers/reference');
const { runCli, readJsonl, readDeadLetters } = require('../helpers/cli');

const dir = mkdtempSync(join(tmpdir(), 'clickstream-e2e-'));
const WINDOW = { windowMs: 10_000, slideMs: 5_000, latenessMs: 4_000 };
// 30k events over ~25 min of event time, disorder within and beyond lateness, some very late ones.
const events = makeEvents({ count: 30_000, seed: 7, stepMs: 50, jitterMs: 5_000, lateEvery: 997 });
const bad = ['not json', '{"client_id":1,"timestamp":"2017-01-25T14:00:00","url":{"topic":"A","page":"B"}}', '[]'];
const lines = events.map(toLine);
for (let i = 0; i < bad.length; i++) lines.splice(1000 * (i + 1), 0, bad[i]);
const input = join(dir, 'events.ndjson');
writeFileSync(input, lines.join('\n') + '\n');
const expected = referenceRows(events, WINDOW);

for (const threads of [1, 2, 4]) {
  for (const batch of ['1s', '5s']) {
    test(`event clock, --threads ${threads} --batch ${batch}: rows equal the single-threaded reference`, async () => {
      const out = join(dir, `out-${threads}-${batch}.jsonl`);
      const deadLetters = join(dir, `dead-${threads}-${batch}.jsonl`);
      const run = await runCli('main.js', [
        '--source', `file:${input}`, '--sink', `jsonl:${out}`, '--clock', 'event', '--threads', String(threads),
        '--batch', batch, '--window', '10s', '--slide', '5s', '--lateness', '4s', '--dead-letter', deadLetters,
      ]);
      assert.is(run.code, 0, run.stderr);
      const rows = sortRows(readJsonl(out));
      assert.ok(expected.rows.length > 1000, 'the reference has many rows');
      assert.ok(expected.late > 0, 'some events are entirely late');
      assert.is(rows.length, expected.rows.length);
      assert.equal(rows, expected.rows);
      const dead = readDeadLetters(deadLetters);
      assert.is(dead.filter((d) => d.reason === 'late').length, expected.late);
      assert.equal(dead.filter((d) => d.reason !== 'late').map((d) => d.reason).sort(), ['invalid_json', 'not_an_object', 'wrong_type']);
      assert.equal(dead.find((d) => d.reason === 'invalid_json').position, { kind: 'line', line: 1001 });
    });
  }
}

test.run();
