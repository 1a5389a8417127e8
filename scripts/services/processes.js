'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { javaCommand } = require('./tools');

const STOP_GRACE_MS = 60_000;

/** The JVM flag that marks a process as the one this script started for a service. */
function markerOf(name) {
  return `-Dclickstream.service=${name}`;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** True when PID is still the java process started for this service, not a recycled PID. */
function isServiceProcess(pid, name) {
  let argv;
  try {
    argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return false;
  }
  return path.basename(argv[0]) === 'java' && argv.includes(markerOf(name));
}

/** The PID of the service's running process, or null; a stale pid file is removed. */
function runningPid(name, paths) {
  let pid;
  try {
    pid = Number(fs.readFileSync(paths.pid, 'utf8').trim());
  } catch {
    return null;
  }
  if (Number.isInteger(pid) && pid > 0 && isServiceProcess(pid, name)) return pid;
  fs.rmSync(paths.pid, { force: true });
  return null;
}

/** Keeps the previous run's log beside the new one, so a crash before a restart can still be read. */
function rotateLog(log) {
  fs.mkdirSync(path.dirname(log), { recursive: true });
  if (fs.existsSync(log)) fs.renameSync(log, `${log}.1`);
}

/** Starts `java ARGS` detached from this script, output to the service's log, and records its PID. */
function startJava(name, paths, args) {
  rotateLog(paths.log);
  const out = fs.openSync(paths.log, 'a');
  const [command, commandArgs] = javaCommand([markerOf(name), ...args]);
  const child = spawn(command, commandArgs, {
    cwd: paths.data,
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.unref();
  fs.writeFileSync(paths.pid, `${child.pid}\n`);
  return child.pid;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function hasExitedWithin(pid, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(200);
  }
  return !isAlive(pid);
}

// A process that exits on its own between our check and the signal is what we wanted anyway.
function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
  }
}

/** SIGTERM (the servers shut down cleanly on it), then SIGKILL if it is still there after the grace period. */
async function stopProcess(pid) {
  signal(pid, 'SIGTERM');
  if (await hasExitedWithin(pid, STOP_GRACE_MS)) return 'SIGTERM';
  signal(pid, 'SIGKILL');
  await hasExitedWithin(pid, 10_000);
  return 'SIGKILL';
}

const TROUBLE = /\b(ERROR|FATAL|Exception|Caused by)\b/;

/** The log's first error lines (the cause, before any shutdown noise) and its last lines. */
function excerptOf(file, { errors = 8, last = 15 } = {}) {
  let lines;
  try {
    lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  } catch {
    return `(no log at ${file})`;
  }
  const trouble = lines.filter((line) => TROUBLE.test(line)).slice(0, errors);
  const tail = lines.slice(-last).join('\n');
  return trouble.length ? `${trouble.join('\n')}\n...\n${tail}` : tail;
}

module.exports = { isAlive, runningPid, startJava, stopProcess, excerptOf, sleep };
