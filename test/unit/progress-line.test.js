'use strict';
// The live progress line on a terminal: one line redrawn in place, so it must never be wider than
// the terminal (a wrapped line leaves its first rows behind at every redraw).
const { test } = require('uvu');
const assert = require('uvu/assert');
const { fitLine } = require('../../dist/cli/terminal-line');
const { ProgressDisplay } = require('../../dist/cli/display');
const { EngineMetrics } = require('../../dist/pipeline/metrics');
const { waitFor } = require('../helpers/wait');

test('fitLine keeps the leading parts that fit in the width less one cell', () => {
  const parts = ['1,234 ev/s', '56,789 events', '0 rejected', '12 windows'];
  assert.is(fitLine(parts, undefined), '1,234 ev/s | 56,789 events | 0 rejected | 12 windows');
  assert.is(fitLine(parts, 200), '1,234 ev/s | 56,789 events | 0 rejected | 12 windows');
  assert.is(fitLine(parts, 53), '1,234 ev/s | 56,789 events | 0 rejected | 12 windows', '52 characters in 53 columns');
  assert.is(fitLine(parts, 52), '1,234 ev/s | 56,789 events | 0 rejected');
  assert.is(fitLine(parts, 30), '1,234 ev/s | 56,789 events');
  assert.is(fitLine(parts, 8), '1,234 e', 'a first part wider than the terminal is cut');
});

/** A terminal `columns` wide that keeps what is written to it. */
function fakeTerminal(columns) {
  const writes = [];
  return { isTTY: true, columns, writes, write: (text) => (writes.push(text), true) };
}

/** The lines redrawn so far: each write that starts with carriage return and erase-line. */
const redraws = (terminal) => terminal.writes.filter((w) => w.startsWith('\r\x1b[K') && !w.endsWith('\n')).map((w) => w.slice(4));

test('on an 80-column terminal each redraw of a busy job\'s progress fits in 79 characters, on one line', async () => {
  const metrics = new EngineMetrics();
  metrics.received = 123_456_789;
  metrics.reject('invalid_json');
  metrics.windowsEmitted = 12_345;
  metrics.lastWindowEnd = Date.UTC(2017, 0, 25, 14, 3);
  metrics.kafkaLag = 9_876_543;
  metrics.misplaced = 42;
  metrics.recordLatency(123);
  const terminal = fakeTerminal(80);
  const display = new ProgressDisplay(metrics, 'pretty', terminal);
  display.start();
  try {
    await waitFor('a redraw', () => redraws(terminal).length >= 1, { timeoutMs: 5000 });
    const [line] = redraws(terminal);
    assert.ok(line.length <= 79, `${line.length}: ${line}`);
    assert.not.match(line, '\n');
    assert.match(line, /^[\d,]+ ev\/s \| 123,456,789 events \| 1 rejected \| 12,345 windows/);
    // Resized wider: everything fits, the warning and the last window end too.
    terminal.columns = 250;
    await waitFor('a wider redraw', () => redraws(terminal).length >= 2, { timeoutMs: 5000 });
    const wide = redraws(terminal).at(-1);
    assert.match(wide, 'misplaced');
    assert.match(wide, 'last window end 2017-01-25T14:03:00.000Z');
    terminal.columns = 40;
    await waitFor('a narrower redraw', () => redraws(terminal).length >= 3, { timeoutMs: 5000 });
    assert.ok(redraws(terminal).at(-1).length <= 39, redraws(terminal).at(-1));
  } finally {
    display.stop();
  }
});

test('one window and one event are singular on the progress line', async () => {
  const metrics = new EngineMetrics();
  metrics.received = 1;
  metrics.windowsEmitted = 1;
  const terminal = fakeTerminal(120);
  const display = new ProgressDisplay(metrics, 'pretty', terminal);
  display.start();
  try {
    await waitFor('a redraw', () => redraws(terminal).length >= 1, { timeoutMs: 5000 });
    assert.match(redraws(terminal)[0], '1 event | 0 rejected | 1 window');
  } finally {
    display.stop();
  }
});

test.run();
