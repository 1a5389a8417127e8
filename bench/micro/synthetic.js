'use strict';
// Synthetic generator throughput: at --rate max it must not be what limits the engine.
// Reported per second of this process's CPU time as well as of wall time: on a shared machine
// the wall clock also counts time the process was not running.
const { createGenerator, createSyntheticSource } = require('../../dist/sources/synthetic');

const BATCH = 4096;

/** Messages per wall second and per CPU second of `pull`, which yields one batch of BATCH messages. */
async function measure(pull, batches) {
  for (let i = 0; i < batches / 10; i++) await pull(); // warm-up: JIT and caches
  const wallStart = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < batches; i++) await pull();
  const cpu = process.cpuUsage(cpuStart);
  const wallSeconds = Number(process.hrtime.bigint() - wallStart) / 1e9;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const messages = batches * BATCH;
  return { wall: Math.round(messages / wallSeconds), cpu: Math.round(messages / cpuSeconds) };
}

async function run({ batches = 1000 } = {}) {
  const dev = createGenerator('dev', 1);
  const production = createGenerator('production', 1);
  const source = createSyntheticSource({ profile: 'production', seed: 2, rate: 'max' });
  const iterator = source.batches()[Symbol.asyncIterator]();
  const pulls = {
    'generator dev next(4096)': () => dev.next(BATCH),
    'generator production next(4096)': () => production.next(BATCH),
    'source synthetic:production --rate max': () => iterator.next(),
  };
  const results = [];
  for (const [name, pull] of Object.entries(pulls)) {
    const { wall, cpu } = await measure(pull, batches);
    results.push({ name, messagesPerWallSecond: wall, messagesPerCpuSecond: cpu });
  }
  source.stop();
  return { batch: BATCH, batches, results };
}

module.exports = { run };

if (require.main === module) {
  run().then(({ results }) => {
    for (const { name, messagesPerWallSecond, messagesPerCpuSecond } of results) {
      const wall = messagesPerWallSecond.toLocaleString('en').padStart(11);
      const cpu = messagesPerCpuSecond.toLocaleString('en').padStart(11);
      console.log(`${name.padEnd(40)} ${wall} messages/s wall ${cpu} messages/s CPU`);
    }
  });
}
