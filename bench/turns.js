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

/** The bench's baseline: a bare kafkajs consumer (eachBatch, a fresh group) reads the whole topic; events/s. */
async function bareConsumer(kafka, topic) {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const end = new Map(offsets.map((p) => [p.partition, Number(p.high)]));
  const consumer = kafka.consumer({ groupId: `turns-bare-${Date.now()}` });
  let messages = 0;
  const started = process.hrtime.bigint();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise((resolve, reject) => {
    const done = new Set();
    consumer.run({
      eachBatch: async ({ batch }) => {
        messages += batch.messages.length;
        if (Number(batch.lastOffset()) + 1 >= end.get(batch.partition)) done.add(batch.partition);
        if (done.size === end.size) resolve();
      },
    }).catch(reject);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await consumer.disconnect();
  return Math.round(messages / seconds);
}

/** A run of the build's job; its events/s from its summary line. */
function jobRate(dir, args) {
  const run = spawnSync(process.execPath, ['dist/main.js', ...args], { cwd: dir, encoding: 'utf8' });
  const rate = /"eventsPerSecond":(\d+)/.exec(run.stderr);
  if (rate === null) throw new Error(`${dir}: no summary (exit ${run.status}): ${run.stderr.slice(-500)}`);
  return Number(rate[1]);
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function main() {
  const { rounds, topic, builds } = optionsOf(process.argv.slice(2));
  const kafka = new Kafka({ clientId: 'clickstream-turns', brokers: [BROKERS], logLevel: logLevel.NOTHING });
  const results = [];
  for (let round = 0; round < rounds; round++) {
    const result = { round, bare: await bareConsumer(kafka, topic) };
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
