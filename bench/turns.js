'use strict';
// Builds in turns on the Kafka path: each round, a bare kafkajs consumer reads the whole topic, then
// each build's pipeline reads it (sink none, --threads 2), then each build's engine runs on its own
// (synthetic production, rate max, 2,000,000 events), the builds' order alternating from round to
// round. Prints each round, then the medians and each build's pipeline ÷ bare consumer per round.
// The topic must be filled already (`npm run bench` fills `production`). Needs `npm run services -- up`.
//
//   node bench/turns.js [--rounds 5] [--topic production] NAME=BUILD_DIR [NAME=BUILD_DIR …]
const { spawnSync } = require('node:child_process');
const { Kafka, logLevel } = require('kafkajs');
const { bareConsumer } = require('./bare-consumer');
const { median } = require('./table');

const BROKERS = '127.0.0.1:9092';

function optionsOf(argv) {
  const options = { rounds: 5, topic: 'production', builds: {} };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounds') options.rounds = Number(argv[++i]);
    else if (argv[i] === '--topic') options.topic = argv[++i];
    else if (/^[^=]+=.+$/.test(argv[i])) {
      const [name, dir] = argv[i].split('=');
      options.builds[name] = dir;
    } else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (Object.keys(options.builds).length === 0) throw new Error('name at least one build: NAME=BUILD_DIR');
  return options;
}

/** The topic's partitions with their high watermarks, where the bare consumer stops. */
async function highWatermarks(kafka, topic) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
}

/** A run of the build's job; its events/s from its summary line. */
function jobRate(dir, args) {
  const run = spawnSync(process.execPath, ['dist/main.js', ...args], { cwd: dir, encoding: 'utf8' });
  const rate = /"eventsPerSecond":(\d+)/.exec(run.stderr);
  if (rate === null) throw new Error(`${dir}: no summary (exit ${run.status}): ${run.stderr.slice(-500)}`);
  return Number(rate[1]);
}

async function main() {
  const { rounds, topic, builds } = optionsOf(process.argv.slice(2));
  const kafka = new Kafka({ clientId: 'clickstream-turns', brokers: [BROKERS], logLevel: logLevel.NOTHING });
  const results = [];
  for (let round = 0; round < rounds; round++) {
    const result = { round, bare: Math.round((await bareConsumer(kafka, topic, await highWatermarks(kafka, topic))).eventsPerSecond) };
    const names = round % 2 === 0 ? Object.keys(builds) : Object.keys(builds).reverse();
    for (const name of names) {
      result[`kafka ${name}`] = jobRate(builds[name], ['--source', 'kafka', '--brokers', BROKERS, '--topic', topic,
        '--group', `turns-${name}-${Date.now()}`, '--from-beginning', '--stop-at-end', '--clock', 'event', '--sink', 'none', '--threads', '2']);
    }
    for (const name of names) {
      result[`engine ${name}`] = jobRate(builds[name], ['--source', 'synthetic:production', '--rate', 'max', '--events', '2000000',
        '--clock', 'event', '--sink', 'none', '--threads', '2', '--batch', '5s']);
    }
    console.log(JSON.stringify(result));
    results.push(result);
  }
  const bare = median(results.map((r) => r.bare));
  console.log(`bare consumer: median ${bare} events/s`);
  for (const name of Object.keys(builds)) {
    const kafkaRate = median(results.map((r) => r[`kafka ${name}`]));
    console.log(`${name}: from Kafka median ${kafkaRate} events/s, ${(kafkaRate / bare).toFixed(2)}× the bare consumer's median ` +
      `(per round ${results.map((r) => (r[`kafka ${name}`] / r.bare).toFixed(2)).join(' ')}); engine median ${median(results.map((r) => r[`engine ${name}`]))} events/s`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
