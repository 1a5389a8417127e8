'use strict';
// State per key (issue 21, SPEC §8 memory): the job on input where every event has its own client, so
// every event is a distinct (client, page) key, with peak RSS and bytes of state per key. Printed as one
// table and saved as bench/results/state-<date>.json. Needs no services.
//
//   npm run bench:state [-- --keys 1000000,4000000,16000000 --minutes 2 --rounds 1 --threads 2 --compare DIR --work DIR]
//
// Input, per size K: K events, each from its own client (16 digits, as the original stream's) to one of
// 10 topics x 1,000 pages (in turn), spread evenly over `--minutes` minutes of event time from a whole minute on.
// With the default 2 minutes (the issue's "2,000,000 events, each from a different client, within
// 2 minutes") the window covering both minutes holds all K keys and the two windows beside it K/2 each;
// with more minutes every full window holds K (K/2 new clients a minute). Files are made once under
// --work (default: the OS's temp dir) and reused.
//
// Each run: node dist/main.js --source file:EVENTS --clock event --sink none --threads N. Peak RSS is
// the kernel's high-water mark of the process, VmHWM in /proc/PID/status, read every 20 ms until it
// exits (and checked against the job's own getrusage maxRSS in its summary line; the larger is kept).
// "Idle" is the same command on 1,000 events of the same shape: the process with its threads, V8 heaps
// and code, but next to no state.
//
//   bytes per key      = (peak RSS - idle peak RSS) / K, K = distinct keys of the largest window, all
//                        of them held in open panes when that window closes
//   bytes per row      = (peak RSS - idle peak RSS) / client_page_visits rows of the whole run (SPEC §8's
//                        "state per output row"; 2K rows), with 2 minutes only
//   marginal per key   = (peak RSS(K) - peak RSS(previous K)) / (K - previous K): what one more key costs,
//                        without the fixed part (V8's heaps grown under load, buffers awaiting collection)
//
// --compare DIR runs DIR/dist/main.js (another build, e.g. a worktree of the main branch) in turns with
// this one, each size and round, so their rates and memory are compared in the same session.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const { join, resolve } = require('node:path');
const { formatNumber, median, printTable } = require('./table');

const ROOT = join(__dirname, '..');
const IDLE_EVENTS = 1000;
const TOPICS = 10;
const PAGES_PER_TOPIC = 1000;
const START_MS = Date.UTC(2017, 0, 25, 14, 0, 0);

function optionsOf(argv) {
  const options = { keys: [1_000_000, 4_000_000, 16_000_000], minutes: 2, rounds: 1, threads: 2, compare: null, work: join(os.tmpdir(), 'clickstream-state-bench') };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${argv[i]} needs a value`);
    if (argv[i] === '--keys') options.keys = value.split(',').map((n) => positive('--keys', n.replace(/_/g, '')));
    else if (argv[i] === '--minutes') options.minutes = positive('--minutes', value);
    else if (argv[i] === '--rounds') options.rounds = positive('--rounds', value);
    else if (argv[i] === '--threads') options.threads = positive('--threads', value);
    else if (argv[i] === '--compare') options.compare = resolve(value);
    else if (argv[i] === '--work') options.work = resolve(value);
    else throw new Error(`unknown flag ${argv[i]}`);
    i++;
  }
  if (options.minutes < 2) throw new Error('--minutes must be at least 2 (one whole 2-minute window)');
  return options;
}

function positive(flag, text) {
  const n = Number(text);
  if (!(Number.isSafeInteger(n) && n > 0)) throw new Error(`${flag} takes positive integers, got ${text}`);
  return n;
}

/** Keys of the largest window: all events within 2 minutes, else two minutes' worth. */
function keysPerWindow(events, minutes) {
  return minutes === 2 ? events : Math.round((2 * events) / minutes);
}

/** The input for `events` events over `minutes` minutes, made once (a marker file says it is whole). */
function inputFile(work, events, minutes) {
  fs.mkdirSync(work, { recursive: true });
  const path = join(work, `distinct-clients-${events}-${minutes}m.ndjson`);
  if (fs.existsSync(`${path}.done`)) return path;
  process.stderr.write(`writing ${path}\n`);
  const fd = fs.openSync(path, 'w');
  const spanMs = minutes * 60_000;
  let lines = [];
  let second = -1;
  let timestamp = '';
  for (let i = 0; i < events; i++) {
    const at = START_MS + Math.floor((i * spanMs) / events);
    if (Math.floor(at / 1000) !== second) {
      second = Math.floor(at / 1000);
      timestamp = new Date(second * 1000).toISOString().slice(0, 19);
    }
    // 16 digits, distinct for every i below 10^15 / 7919.
    const client = 1_000_000_000_000_000 + i * 7919;
    lines.push(`{"client_id":"${client}","timestamp":"${timestamp}","url":{"topic":"Topic ${i % TOPICS}","page":"Page ${(Math.floor(i / TOPICS) * 31) % PAGES_PER_TOPIC}"}}\n`);
    if (lines.length === 65_536) {
      fs.writeSync(fd, lines.join(''));
      lines = [];
    }
  }
  fs.writeSync(fd, lines.join(''));
  fs.closeSync(fd);
  fs.writeFileSync(`${path}.done`, '');
  return path;
}

/** VmHWM of a live process, in kB (null once it is gone). */
function highWaterKb(pid) {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Runs one build on one input; resolves with its summary line and peak RSS. */
function runJob(build, events, threads, work) {
  const args = ['dist/main.js', '--source', `file:${events}`, '--clock', 'event', '--sink', 'none',
    '--threads', String(threads), '--dead-letter', join(work, 'dead-letters.jsonl')];
  // As run in the build's directory; the input as a path under --work (the same for every machine).
  const command = `node ${args.join(' ')}`.split(work).join('$WORK');
  process.stderr.write(`$ (in ${build}) node ${args.join(' ')}\n`);
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: build, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let peakKb = 0;
    child.stderr.on('data', (data) => (stderr += data));
    const sampler = setInterval(() => (peakKb = Math.max(peakKb, highWaterKb(child.pid) ?? 0)), 20);
    child.on('close', (code) => {
      clearInterval(sampler);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`${command} exited ${code}\n${stderr.slice(-2000)}`));
      const done = stderr.split('\n').filter((line) => line.includes('"done"')).map((line) => JSON.parse(line)).pop();
      if (!done) return reject(new Error(`${command} printed no summary line`));
      resolvePromise({ command, seconds, summary: done, peakMb: Math.max(peakKb / 1024, done.maxRssMb) });
    });
  });
}

/** The commit a checkout is at, marked if its sources differ from it. */
function commitOf(dir) {
  const git = (...args) => spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return 'unknown';
  const dirty = git('status', '--porcelain', '--', 'src', 'bench').stdout.trim().length > 0;
  return `${head.stdout.trim()}${dirty ? ' with uncommitted changes' : ''}`;
}

/** Every size for every build, in turns; a row per build and size with its medians and every round. */
async function measure(options) {
  const builds = [{ name: 'this build', dir: ROOT }];
  if (options.compare !== null) builds.push({ name: 'compared build', dir: options.compare });
  for (const build of builds) build.commit = commitOf(build.dir);
  const idleInput = inputFile(options.work, IDLE_EVENTS, options.minutes);
  const inputs = options.keys.map((keys) => {
    const events = options.minutes === 2 ? keys : Math.round((keys / 2) * options.minutes);
    return { keys: keysPerWindow(events, options.minutes), events, path: inputFile(options.work, events, options.minutes) };
  });
  const runs = new Map(builds.map((build) => [build.name, { idle: [], sizes: inputs.map(() => []) }]));
  for (let round = 0; round < options.rounds; round++) {
    // The order of the builds flips each round, so neither always runs on a machine the other warmed.
    const ordered = round % 2 === 0 ? builds : [...builds].reverse();
    for (const build of ordered) runs.get(build.name).idle.push(await runJob(build.dir, idleInput, options.threads, options.work));
    for (let s = 0; s < inputs.length; s++) {
      for (const build of ordered) runs.get(build.name).sizes[s].push(await runJob(build.dir, inputs[s].path, options.threads, options.work));
    }
  }
  const rows = [];
  for (const build of builds) {
    const { idle, sizes } = runs.get(build.name);
    const idleMb = median(idle.map((run) => run.peakMb));
    let previous = null;
    inputs.forEach((input, s) => {
      const peakMb = median(sizes[s].map((run) => run.peakMb));
      const stateBytes = (peakMb - idleMb) * 1024 * 1024;
      // Each event is a key of its own in both windows that hold it.
      const visitRows = 2 * input.events;
      rows.push({
        build: build.name,
        commit: build.commit,
        keys: input.keys,
        events: input.events,
        minutes: options.minutes,
        threads: options.threads,
        eventsPerSecond: Math.round(median(sizes[s].map((run) => run.summary.eventsPerSecond))),
        peakRssMb: Math.round(peakMb),
        idlePeakRssMb: Math.round(idleMb),
        bytesPerKey: Math.round(stateBytes / input.keys),
        // Only with 2 minutes are the rows of the run those of the windows open at the peak.
        bytesPerRow: options.minutes === 2 ? Math.round(stateBytes / visitRows) : null,
        marginalBytesPerKey: previous === null ? null : Math.round(((peakMb - previous.peakMb) * 1024 * 1024) / (input.keys - previous.keys)),
        command: sizes[s][0].command,
        rounds: sizes[s].map((run) => ({ eventsPerSecond: run.summary.eventsPerSecond, peakRssMb: Math.round(run.peakMb), seconds: Number(run.seconds.toFixed(2)) })),
        idleRounds: idle.map((run) => Math.round(run.peakMb)),
      });
      previous = { peakMb, keys: input.keys };
    });
  }
  return rows;
}

function printRows(rows) {
  const fmt = formatNumber;
  const header = ['build (commit)', 'keys/window', 'events', 'events/s', 'peak RSS MB', 'idle MB', 'B/key', 'B/row', 'marginal B/key'];
  printTable(header, rows.map((r) => [`${r.build} (${r.commit})`, fmt(r.keys), fmt(r.events), fmt(r.eventsPerSecond), fmt(r.peakRssMb), fmt(r.idlePeakRssMb), fmt(r.bytesPerKey), fmt(r.bytesPerRow), fmt(r.marginalBytesPerKey)]));
}

async function main() {
  const options = optionsOf(process.argv.slice(2));
  const rows = await measure(options);
  printRows(rows);
  console.log('\npeak RSS: VmHWM of /proc/PID/status every 20 ms (and the job\'s getrusage maxRSS), idle: the same command on 1,000 events');
  const result = { date: new Date().toISOString(), machine: { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version }, rows };
  fs.mkdirSync(join(__dirname, 'results'), { recursive: true });
  const file = join(__dirname, 'results', `state-${result.date.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`saved ${file}`);
}

module.exports = { measure, optionsOf };

if (require.main === module) {
  main().catch((error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}
