'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, pathsOf } = require('./paths');
const { ensureJars } = require('./maven');
const { isAlive, runningPid, startJava, stopProcess, excerptOf, sleep } = require('./processes');

const READY_TIMEOUT_MS = 180_000;

const relative = (file) => path.relative(ROOT, file);
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const sayer = (service) => (message) => console.log(`${service.name}: ${message}`);

function failure(service, paths, message) {
  return new Error(`${service.name}: ${message}\n--- from ${relative(paths.log)} ---\n${excerptOf(paths.log)}`);
}

async function waitUntilReady(service, paths, pid) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) throw failure(service, paths, `process ${pid} exited before ${service.endpoint} answered`);
    if (await service.isAnswering()) return;
    await sleep(1000);
  }
  throw failure(service, paths,
    `not answering on ${service.endpoint} after ${READY_TIMEOUT_MS / 1000} s (pid ${pid} left running; \`npm run services -- down\` stops it)`);
}

async function start(service, paths, say) {
  const { resolved, jars } = await ensureJars(paths);
  say(resolved ? `resolved ${jars} jars into ${relative(paths.lib)}` : `${jars} jars cached in ${relative(paths.lib)}`);
  fs.mkdirSync(paths.data, { recursive: true });
  await service.prepare(paths);
  const pid = startJava(service.name, paths, service.javaArgs(paths));
  say(`started (pid ${pid}, log ${relative(paths.log)}), waiting for ${service.endpoint}`);
  return pid;
}

/** Starts the service unless it runs already, then waits until it really answers. */
async function up(service) {
  const paths = pathsOf(service.name, service.distribution);
  const say = sayer(service);
  const since = Date.now();
  let pid = runningPid(service.name, paths);
  if (pid) {
    say(`already running (pid ${pid})`);
  } else if (await service.isAnswering()) {
    say(`something not started by this script already answers on ${service.endpoint}; leaving it alone`);
    return;
  } else {
    pid = await start(service, paths, say);
  }
  await waitUntilReady(service, paths, pid);
  // What a server needs once it answers (its users), and a check that a running one has it.
  await service.afterReady?.(paths, say);
  say(`ready on ${service.endpoint} (${seconds(since)})`);
}

function wipe(paths, say) {
  for (const dir of [paths.data, paths.conf]) fs.rmSync(dir, { recursive: true, force: true });
  for (const log of [paths.log, `${paths.log}.1`]) fs.rmSync(log, { force: true });
  say(`wiped ${relative(paths.data)} and its logs (jars kept)`);
}

/** Stops only the process this script started, and keeps its data unless asked to wipe it. */
async function down(service, { wipe: shouldWipe }) {
  const paths = pathsOf(service.name, service.distribution);
  const say = sayer(service);
  const since = Date.now();
  const pid = runningPid(service.name, paths);
  if (pid) {
    const signal = await stopProcess(pid);
    fs.rmSync(paths.pid, { force: true });
    say(`stopped pid ${pid} with ${signal} (${seconds(since)})`);
  } else {
    say('not running');
  }
  if (shouldWipe) wipe(paths, say);
}

function describeState(pid, answering, endpoint) {
  if (pid && answering) return `running (pid ${pid}), answering on ${endpoint}`;
  if (pid) return `running (pid ${pid}) but not answering on ${endpoint} yet`;
  if (answering) return `not started by this script, but something answers on ${endpoint}`;
  return 'stopped';
}

async function status(service) {
  const paths = pathsOf(service.name, service.distribution);
  const pid = runningPid(service.name, paths);
  const answering = await service.isAnswering();
  const jars = fs.existsSync(paths.lib) ? 'jars cached' : 'jars not resolved yet';
  const data = fs.existsSync(paths.data) ? `data in ${relative(paths.data)}` : 'no data';
  sayer(service)(`${describeState(pid, answering, service.endpoint)}; ${jars}; ${data}`);
}

module.exports = { up, down, status };
