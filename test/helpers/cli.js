'use strict';
// The one way tests run the built CLI (dist/main.js, dist/produce.js, dist/recommend.js) as a child
// process, the way a user does: from the repository root, with the test's environment plus `env`,
// stdout and stderr collected, a deadline after which the process is SIGKILLed and the wait fails.
// Unit tests mostly want runCli (start, wait for the exit); fault tests want startCli/startMain
// (a handle to signal, pause or kill the process while it runs, and to wait for it later).
const { spawn, spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');

/** The command line of `node dist/SCRIPT ARGS`. */
function commandOf(script, args) {
  return [join(ROOT, 'dist', script), ...args];
}

/**
 * Starts `node dist/SCRIPT ARGS` without waiting for it. Returns { child, pid, exited, result, output }:
 * - `exited` resolves with { code, signal, stdout, stderr } once the process has ended and closed its
 *   streams; it rejects if the process cannot be spawned, or after `timeoutMs`, having SIGKILLed it
 *   (the message ends with the last 4000 characters of stderr);
 * - `result` is that same object once the process has ended (null before);
 * - `output()` is { stdout, stderr } as collected so far.
 * stdin is a pipe that receives `input` (string or Buffer) when given and is then closed, so a
 * `--source file:-` run reads `input` and then its end; without `input` it is closed at once, unless
 * `keepStdin` (the test writes to `child.stdin` as it goes, and ends it). It runs in `cwd`, the
 * repository's root unless given.
 */
function startCli(script, args, { input, env, timeoutMs = 240_000, keepStdin = false, cwd = ROOT } = {}) {
  const child = spawn(process.execPath, commandOf(script, args), {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // A process that exits without reading all of `input` closes the pipe under us: not an error here.
  child.stdin.on('error', () => undefined);
  const { ended, output } = collect(child, `${script} ${args.join(' ')}`, timeoutMs);
  const run = { child, pid: child.pid, result: null, exited: null, output };
  run.exited = ended.then((result) => (run.result = result));
  if (input !== undefined) child.stdin.end(input);
  else if (!keepStdin) child.stdin.end();
  return run;
}

/** startCli for dist/main.js, the job. */
function startMain(args, options) {
  return startCli('main.js', args, options);
}

/**
 * startMain for a test file that leaves no job running when a case fails half-way: `start` remembers each
 * run, and `killRunning` (for test.after) SIGKILLs those still running and waits until they have ended.
 */
function mainRuns() {
  const runs = [];
  return {
    start(args, options) {
      const run = startMain(args, options);
      runs.push(run);
      return run;
    },
    async killRunning() {
      for (const run of runs) if (run.result === null) run.child.kill('SIGKILL');
      await Promise.all(runs.map((run) => run.exited.catch(() => undefined)));
    },
  };
}

/**
 * Runs `node dist/SCRIPT ARGS` to its end: resolves with { code, signal, stdout, stderr, child }, rejects
 * as startCli's `exited` does (the default deadline here is 120 s).
 */
async function runCli(script, args, { input, env, timeoutMs = 120_000, cwd } = {}) {
  const run = startCli(script, args, { input, env, timeoutMs, cwd });
  return { ...(await run.exited), child: run.child };
}

/**
 * runCli, blocking: { code, signal, stdout, stderr }. Throws when the process cannot be spawned or
 * did not finish in `timeoutMs` (it is SIGKILLed then).
 */
function runCliSync(script, args, { input, env, timeoutMs = 120_000 } = {}) {
  const result = spawnSync(process.execPath, commandOf(script, args), {
    cwd: ROOT,
    env: { ...process.env, ...env },
    input: input ?? '',
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error?.code === 'ETIMEDOUT') {
    throw new Error(`${script} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${(result.stderr ?? '').slice(-4000)}`);
  }
  if (result.error) throw result.error;
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs a bash command line, as a user types one, from the repository root: a real shell pipeline
 * (`clickstream --sink jsonl:- | head -n 3`), whose pipes are pipes, not the socket pairs Node gives a
 * child. `clickstream` is `node dist/main.js`; `env` adds variables (paths, so nothing needs quoting).
 * Resolves with { code, signal, stdout, stderr } of bash; rejects as startCli's `exited` does.
 */
function runShell(command, { env, timeoutMs = 120_000 } = {}) {
  const script = `clickstream() { "$TEST_NODE_BIN" "$TEST_MAIN_JS" "$@"; }\n${command}`;
  const paths = { TEST_NODE_BIN: process.execPath, TEST_MAIN_JS: join(ROOT, 'dist', 'main.js') };
  const child = spawn('bash', ['-c', script], { cwd: ROOT, env: { ...process.env, ...paths, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child, `bash -c ${JSON.stringify(command)}`, timeoutMs).ended;
}

/**
 * A child's stdout and stderr as text: `output()` is what came so far; `ended` resolves with
 * { code, signal, stdout, stderr } once it has ended and closed its streams, and rejects if it cannot be
 * spawned, or after `timeoutMs`, having SIGKILLed it (the message names `what` and ends with the last
 * 4000 characters of stderr).
 */
function collect(child, what, timeoutMs) {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const ended = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not finish in ${timeoutMs} ms\n${stderr.slice(-4000)}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { ended, output: () => ({ stdout, stderr }) };
}

/** For waitFor's stopIf: why waiting on `run` (from startCli) is pointless (it ended), or null. */
function endedFirst(run) {
  return () => run.result && `the run ended first (code ${run.result.code}): ${run.result.stderr.slice(-1500)}`;
}

/** A process's resident set in KiB (Linux), or null once it is gone. */
function rssKiB(pid) {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? null : Number(match[1]);
  } catch {
    return null;
  }
}

/** The structured 'done' or 'clickstream failed' log line's fields (non-TTY stderr is JSON lines), or null. */
function finalLogOf(stderr) {
  const lines = stderr.split('\n').filter((line) => line.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    const entry = JSON.parse(lines[i]);
    if (entry.msg === 'done' || String(entry.msg).startsWith('clickstream failed')) return entry;
  }
  return null;
}

/** The objects of a JSON-lines file (a jsonl sink's output, a dead-letter file). */
function readJsonl(path) {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** The dead letters of a dead-letter file, without the {"run": …} line that comes before each run's letters. */
function readDeadLetters(path) {
  return readJsonl(path).filter((entry) => !('run' in entry));
}

module.exports = { ROOT, startCli, startMain, mainRuns, runCli, runCliSync, runShell, endedFirst, rssKiB, finalLogOf, readJsonl, readDeadLetters };
