'use strict';
// Tests that need something outside the project (a server, a browser) say so through guardedTest,
// so a machine without it reports them truthfully: uvu counts each as skipped, never as passed, and
// its name is listed; with CI=true each one fails instead (CI must never pass by skipping).
const { relative } = require('node:path');
const { test } = require('uvu');

const IN_CI = process.env.CI === 'true';

/** The test file that registered a test (the first frame outside the helpers), relative to test/. */
function callerFile() {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  const frame = frames.find((line) => !line.includes(__dirname)) ?? '';
  const match = /\(?([^\s()]+\.js):\d+:\d+\)?$/.exec(frame.trim());
  return match === null ? '?' : relative(`${__dirname}/..`, match[1]);
}

/**
 * uvu's `test` for the `kind` of tests (e.g. 'server') that need something: `missing` says what is
 * absent ('' when nothing is), `hint` how to provide it. When something is missing, the reason is
 * printed once; hooks (`.before`, `.after`) are not registered, so nothing tries to reach it.
 */
function guardedTest(kind, missing, hint) {
  const reason = `${missing} not available`;
  if (missing !== '') {
    console.log(IN_CI ? `${kind} tests FAIL (CI=true): ${reason}; ${hint}` : `${kind} tests skipped: ${reason}; ${hint} (CI=true makes this a failure)`);
  }
  const guarded = (name, handler) => {
    if (missing === '') return test(name, handler);
    if (IN_CI) {
      return test(name, () => {
        throw new Error(`${reason}: with CI=true this test may not skip`);
      });
    }
    console.log(`  SKIPPED ${callerFile()} › ${name}`);
    return test.skip(name, handler);
  };
  /** Whether what these tests need is there. */
  guarded.available = missing === '';
  guarded.before = (hook) => (missing === '' ? test.before(hook) : undefined);
  guarded.after = (hook) => (missing === '' ? test.after(hook) : undefined);
  return guarded;
}

module.exports = { guardedTest };
