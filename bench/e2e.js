'use strict';
// End-to-end benchmark (SPEC §8), all measured in one run on this machine, printed as one table and
// saved under bench/results/. Needs the local services: `npm run services -- up`.
//
//   npm run bench [-- --events 5000000 --threads 1,2 --batch 1s,5s --latency-seconds 240 --rounds 3 --skip-cassandra
//                     --skip-sqlite --topic production --cassandra 127.0.0.1:9042 --cassandra-pid PID
//                     --state-keys 1000000,4000000,16000000|none]
//
// 1. a bare kafkajs consumer reads the whole `production` topic (the baseline of 2 and of 4 from the topic);
// 2. the pipeline reads the same topic with --sink none --stop-at-end (1 and 2 alternate for --rounds);
// 3. engine only: synthetic production at --rate max, event clock, --sink none, for each --threads and
//    --batch given (--rounds runs each), each run after one core of bare JSON.parse over the same messages;
// 3b. state per key (bench/state.js): a file where every event has its own client, --state-keys distinct
//    keys per window (default 1M, 4M and 16M), sink none: peak RSS, bytes per key and per output row;
// 4. the store baselines: the rows the job writes for the topic (one run into JSONL, read back), written
//    straight through cassandra-driver, alternating with the pipeline writing the topic into Cassandra
//    (rows/s against the baseline's; the node's CPU per 1,000 rows of both, from /proc of its process);
//    the same for SQLite (bare better-sqlite3 against the SQLite sink);
// 5. the pipeline writes into Cassandra as two instances in one group, each with one worker thread,
//    against the one-instance row, and from the generator at the production rate (wall clock) for
//    window-end → durable latency.
const { spawn } = require('node:child_process');
const { mkdirSync, writeFileSync } = require('node:fs');
const { availableParallelism, cpus } = require('node:os');
const { join } = require('node:path');
const { Kafka, logLevel } = require('kafkajs');
const { createGenerator } = require('../dist/sources/synthetic/generator');
const { formatNumber, median, printTable: printMarkdownTable } = require('./table');
const state = require('./state');
const { cassandraPid } = require('./server-cpu');
const { bareConsumer } = require('./bare-consumer');
const { cassandraRounds, dropKeyspace, sqliteRounds, storedRowsOf } = require('./store-rounds');

const ROOT = join(__dirname, '..');
const BROKERS = '127.0.0.1:9092';
/** The topic the bench reads (`--topic`); the name is shared with whoever else fills it with the same events. */
let TOPIC = 'production';

function optionsOf(argv) {
  const options = {
    events: 5_000_000, threads: [2], batch: ['5s'], latencySeconds: 240, skipCassandra: false, skipSqlite: false, rounds: 3,
    cassandra: '127.0.0.1:9042', cassandraPid: undefined, stateKeys: state.optionsOf([]).keys,
  };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--events') options.events = Number(value);
    else if (argv[i] === '--topic') TOPIC = value;
    else if (argv[i] === '--cassandra') options.cassandra = value;
    else if (argv[i] === '--cassandra-pid') options.cassandraPid = Number(value);
    else if (argv[i] === '--threads') options.threads = value.split(',').map(Number);
    else if (argv[i] === '--batch') options.batch = value.split(',');
    else if (argv[i] === '--latency-seconds') options.latencySeconds = Number(value);
    else if (argv[i] === '--rounds') options.rounds = Number(value);
    else if (argv[i] === '--state-keys') options.stateKeys = value === 'none' ? [] : state.optionsOf(['--keys', value]).keys;
    else if (argv[i] === '--skip-cassandra' || argv[i] === '--skip-sqlite') {
      options[argv[i] === '--skip-sqlite' ? 'skipSqlite' : 'skipCassandra'] = true;
      continue;
    } else throw new Error(`unknown flag ${argv[i]}`);
    i++;
  }
  return options;
}

/** Runs a command of this project; resolves with its last JSON log line (the run's summary). */
function run(script, args) {
  const command = `node ${script} ${args.join(' ')}`;
  process.stderr.write(`$ ${command}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, script), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data) => (stderr += data));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${command} exited ${code}\n${stderr.slice(-2000)}`));
      const lines = stderr.trim().split('\n').filter((line) => line.startsWith('{'));
      resolve({ command, summary: lines.length > 0 ? JSON.parse(lines[lines.length - 1]) : null });
    });
  });
}

/**
 * Runs commands at once; the rate is `messages` over the wall time until the last exits, since each
 * reads only its share. Peak RSS is the largest of them.
 */
async function runTogether(commands, messages) {
  const started = process.hrtime.bigint();
  const results = await Promise.all(commands.map(([script, args]) => run(script, args)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    command: results.map((r) => r.command).join(' & '),
    summary: null,
    messages,
    seconds,
    eventsPerSecond: messages / seconds,
    peakRssMb: Math.max(...results.map((r) => r.summary?.maxRssMb ?? 0)),
  };
}

function kafka() {
  return new Kafka({ clientId: 'clickstream-bench', brokers: [BROKERS], logLevel: logLevel.NOTHING });
}

async function topicSize(admin) {
  const topics = await admin.listTopics();
  if (!topics.includes(TOPIC)) return { messages: 0, partitions: [] };
  const offsets = await admin.fetchTopicOffsets(TOPIC);
  return { messages: offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0), partitions: offsets };
}

async function deleteTopic(admin) {
  await admin.deleteTopics({ topics: [TOPIC] });
  const deadline = Date.now() + 60_000;
  while ((await admin.listTopics()).includes(TOPIC)) {
    if (Date.now() > deadline) throw new Error(`topic ${TOPIC} is still there a minute after its deletion`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Fills the production topic with `events` synthetic production events if it has fewer — from
 * scratch, in one run, so its event time is one continuous stream and no event is late.
 */
async function ensureTopic(events) {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const { messages } = await topicSize(admin);
    if (messages < events) {
      if (messages > 0) await deleteTopic(admin);
      await run('dist/produce.js', ['--brokers', BROKERS, '--topic', TOPIC, '--source', 'synthetic:production',
        '--events', String(events), '--seed', '1', '--partitions', '3']);
    }
    return await topicSize(admin);
  } finally {
    await admin.disconnect();
  }
}

/** One core of bare JSON.parse over the same synthetic messages the engine run generates. */
function jsonParseBaseline(events) {
  const generator = createGenerator('production', 1);
  let parsed = 0;
  let nanos = 0n;
  for (let done = 0; done < events; done += 65_536) {
    const messages = generator.next(Math.min(65_536, events - done));
    const started = process.hrtime.bigint();
    for (const message of messages) parsed += JSON.parse(message.toString()).url ? 1 : 0;
    nanos += process.hrtime.bigint() - started;
  }
  return { command: 'JSON.parse(message.toString()) in a loop, one core', messages: parsed, seconds: Number(nanos) / 1e9, eventsPerSecond: parsed / (Number(nanos) / 1e9) };
}

function row(name, result, baseline, extra = {}) {
  const s = result.summary;
  return {
    name,
    command: result.command,
    eventsPerSecond: Math.round(rateOf(result)),
    ratio: baseline ? rateOf(result) / baseline.eventsPerSecond : null,
    baseline: baseline ? baseline.name : null,
    latencyMs: s ? s.latencyMs : null,
    peakRssMb: s ? s.maxRssMb : (result.peakRssMb ?? null),
    events: s ? s.events : result.messages,
    ...extra,
  };
}

/** A run's rate: from its summary line, or measured here (the bare consumer). */
function rateOf(result) {
  return result.summary ? result.summary.eventsPerSecond : result.eventsPerSecond;
}

function ratesOf(results) {
  return results.map((result) => Math.round(rateOf(result)));
}

/** The median run by rate (the upper one of an even count). */
function medianOf(results) {
  return [...results].sort((a, b) => rateOf(a) - rateOf(b))[results.length >> 1];
}

/**
 * A store row: the median round by rows/s, the median of the node's CPU per 1,000 rows over the rounds,
 * and the rows/s against `baseline`'s. A job's round carries its run; a baseline's, `command`.
 */
function storeRow(name, rounds, baseline, command) {
  const rowsPerSecond = median(rounds.map((r) => r.rowsPerSecond));
  const cpus = rounds.map((r) => r.serverCpuPer1000Rows).filter((cpu) => cpu !== null);
  const job = rounds.find((r) => r.rowsPerSecond === rowsPerSecond).result;
  return {
    ...(job ? row(name, job, null, { threads: 2, batch: '5s' }) : { name, command, eventsPerSecond: null, latencyMs: null, peakRssMb: null, events: null }),
    rowsPerSecond: Math.round(rowsPerSecond),
    rows: rounds[0].rows,
    ratio: baseline ? rowsPerSecond / baseline.rowsPerSecond : null,
    baseline: baseline ? baseline.name : null,
    serverCpuPer1000Rows: cpus.length > 0 ? median(cpus) : null,
    rounds: rounds.map(({ rowsPerSecond: rate, serverCpuPer1000Rows: cpu, seconds }) => ({ rowsPerSecond: Math.round(rate), serverCpuPer1000Rows: cpu, seconds })),
  };
}

function printTable(rows) {
  const fmt = formatNumber;
  const header = ['run', 'events/s', 'rows/s', 'ratio', 'server CPU s / 1,000 rows', 'p50 ms', 'p99 ms', 'max ms', 'peak RSS MB', 'threads', 'batch'];
  printMarkdownTable(header, rows.map((r) => [
    r.name, fmt(r.eventsPerSecond), fmt(r.rowsPerSecond), r.ratio === null ? '—' : `${r.ratio.toFixed(2)}× ${r.baseline}`,
    r.serverCpuPer1000Rows == null ? '—' : r.serverCpuPer1000Rows.toFixed(4), fmt(r.latencyMs?.p50), fmt(r.latencyMs?.p99), fmt(r.latencyMs?.max), fmt(r.peakRssMb),
    r.threads ?? '—', r.batch ?? '—',
  ]));
}

async function main() {
  const options = optionsOf(process.argv.slice(2));
  const rows = [];
  const size = await ensureTopic(options.events);
  const stamp = Date.now();

  // Rates vary by a fifth from run to run on this machine, so the baseline and the pipeline alternate
  // for some rounds, and each row is its median round (every round's rate is kept in `rounds`).
  const bares = [];
  const fromKafkas = [];
  for (let round = 0; round < options.rounds; round++) {
    bares.push(await bareConsumer(kafka(), TOPIC, size.partitions));
    fromKafkas.push(await run('dist/main.js', ['--source', 'kafka', '--brokers', BROKERS, '--topic', TOPIC,
      '--group', `bench-none-${stamp}-${round}`, '--from-beginning', '--stop-at-end', '--clock', 'event', '--sink', 'none', '--threads', '2']));
  }
  const bare = { name: 'kafkajs bare consumer', ...medianOf(bares) };
  rows.push(row(bare.name, bare, null, { rounds: ratesOf(bares) }));
  rows.push(row('pipeline from Kafka, sink none', medianOf(fromKafkas), bare, { threads: 2, batch: '5s', rounds: ratesOf(fromKafkas) }));

  // CPU-bound runs before Cassandra's: after a heavy write load the node compacts for minutes, on these same cores.
  // One core of JSON.parse alternates with the engine runs too, so a drift in the machine's speed
  // moves the baseline with them.
  const engineEvents = 2_000_000;
  const jsonParses = [];
  const engineRows = [];
  for (const threads of options.threads) {
    for (const batch of options.batch) {
      const engines = [];
      for (let round = 0; round < options.rounds; round++) {
        jsonParses.push(jsonParseBaseline(engineEvents));
        engines.push(await run('dist/main.js', ['--source', 'synthetic:production', '--rate', 'max', '--events', String(engineEvents),
          '--clock', 'event', '--sink', 'none', '--threads', String(threads), '--batch', batch]));
      }
      engineRows.push({ engines, threads, batch });
    }
  }
  const jsonParse = { name: 'bare JSON.parse, 1 core', ...medianOf(jsonParses) };
  rows.push(row(jsonParse.name, jsonParse, null, { rounds: ratesOf(jsonParses) }));
  for (const { engines, threads, batch } of engineRows) {
    rows.push(row('engine only: synthetic production, rate max, sink none', medianOf(engines), jsonParse, { threads, batch, rounds: ratesOf(engines) }));
  }
  if (options.stateKeys.length > 0) {
    for (const r of await state.measure({ ...state.optionsOf([]), keys: options.stateKeys })) {
      const name = `state: ${formatNumber(r.keys)} keys per window, each event its own client, sink none ` +
        `(${r.bytesPerKey} B/key, ${r.bytesPerRow} B/output row beyond idle ${r.idlePeakRssMb} MB)`;
      rows.push(row(name, { summary: null, command: r.command, eventsPerSecond: r.eventsPerSecond, peakRssMb: r.peakRssMb, messages: r.events },
        null, { threads: r.threads, batch: '5s', state: r }));
    }
  }

  const kafkaArgs = (group) => ['--source', 'kafka', '--brokers', BROKERS, '--topic', TOPIC, '--group', `${group}-${stamp}`,
    '--from-beginning', '--stop-at-end', '--clock', 'event'];
  const stored = options.skipCassandra && options.skipSqlite ? null : await storedRowsOf(run, kafkaArgs);
  if (!options.skipCassandra) {
    const keyspace = 'clickstream_bench';
    const cassandra = ['--sink', 'cassandra', '--cassandra', options.cassandra, '--keyspace', keyspace];
    const pid = cassandraPid(ROOT, options.cassandraPid);
    const { baselines, jobs } = await cassandraRounds({
      run, stored, rounds: options.rounds, contact: options.cassandra, pid, keyspace,
      jobArgs: (round) => [...kafkaArgs(`bench-cassandra-${round}`), ...cassandra, '--threads', '2'],
    });
    const storeBaseline = storeRow('Cassandra store baseline (the same rows, bare cassandra-driver)', baselines, null,
      'cassandra-driver 4.8, prepared INSERTs in unlogged batches of one partition (up to 4,000 rows, clustering order), 32 in flight, LOCAL_QUORUM, no engine');
    rows.push(storeBaseline);
    const intoCassandra = storeRow('Kafka → Cassandra, as fast as it goes (latency: close → durable)', jobs, storeBaseline);
    rows.push(intoCassandra);
    // The same job as two instances in one group (each --threads 1: two cores in all), sharing the partitions.
    await dropKeyspace(options.cassandra, keyspace);
    const pair = await runTogether(['a', 'b'].map(() => ['dist/main.js', [...kafkaArgs('bench-cassandra-pair'), ...cassandra, '--threads', '1']]), size.messages);
    const oneInstance = { name: 'one instance', eventsPerSecond: intoCassandra.eventsPerSecond };
    rows.push(row('Kafka → Cassandra, two instances in one group (rate: all events / wall time)', pair, oneInstance, { threads: '1 each', batch: '5s' }));
    // Window-end → durable at the production rate: the brief's windows, and short ones for more samples.
    for (const [window, slide] of [['2m', '1m'], ['10s', '5s']]) {
      await dropKeyspace(options.cassandra, keyspace);
      const productionRate = await run('dist/main.js', ['--source', 'synthetic:production', '--rate', '500',
        '--events', String(500 * options.latencySeconds), '--clock', 'wall', '--batch', '1s', '--window', window, '--slide', slide,
        ...cassandra, '--threads', '2']);
      rows.push(row(`production rate 500/s → Cassandra, ${window}/${slide} windows (latency: window end → durable)`, productionRate, null, { threads: 2, batch: '1s' }));
    }
  }
  if (!options.skipSqlite) {
    const { baselines, jobs } = await sqliteRounds({
      run, stored, rounds: options.rounds,
      jobArgs: (round, path, deadLetters) => [...kafkaArgs(`bench-sqlite-${round}`), '--sink', `sqlite:${path}`, '--dead-letter', deadLetters, '--threads', '2'],
    });
    const storeBaseline = storeRow('SQLite store baseline (the same rows, bare better-sqlite3)', baselines, null,
      'better-sqlite3, WAL, synchronous = FULL, a transaction a window, 64-row INSERTs in primary-key order, no engine');
    rows.push(storeBaseline);
    rows.push(storeRow('Kafka → SQLite, as fast as it goes (latency: close → durable)', jobs, storeBaseline));
  }

  printTable(rows);
  const result = {
    date: new Date().toISOString(),
    machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    topic: { name: TOPIC, messages: size.messages, partitions: size.partitions.length },
    rows,
  };
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  const file = join(__dirname, 'results', `e2e-${result.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nsaved ${file}`);
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 1;
});
