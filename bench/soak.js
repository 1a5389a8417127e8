'use strict';
// Memory soak (SPEC §8): the job at a steady rate for a long time; its RSS, sampled every 10 s, must
// stay flat after warm-up (state follows the distinct keys of the open windows, not the events).
//
//   npm run bench:soak [-- --seconds 600 --rate 20000 --warmup 180 --distinct-clients 0|1]
//
// With --distinct-clients 1 every event has its own client (the state bench's input, in wall time):
// this process writes the events, stamped now, to the job's stdin (--source file:- --clock wall), so
// the dictionary is rebuilt as its clients leave the windows, close after close.
const { spawn } = require('node:child_process');
const { readFileSync, mkdirSync, writeFileSync } = require('node:fs');
const { availableParallelism } = require('node:os');
const { join } = require('node:path');
const { median } = require('./table');

function optionsOf(argv) {
  const options = { seconds: 600, rate: 20_000, warmup: 180, 'distinct-clients': 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!(name in options)) throw new Error(`unknown flag ${argv[i]}`);
    options[name] = Number(argv[i + 1]);
  }
  return options;
}

function rssMbOf(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Writes `rate` events a second, each from a client of its own and stamped now, until the stream closes. */
function feedDistinctClients(stream, rate) {
  const started = Date.now();
  let sent = 0;
  let stopped = false;
  stream.on('error', () => (stopped = true));
  const tick = () => {
    if (stopped || stream.destroyed) return;
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    const timestamp = new Date().toISOString().slice(0, 19);
    let chunk = '';
    for (; sent < due; sent++) {
      const client = 2_000_000_000_000_000 + sent * 7919;
      chunk += `{"client_id":"${client}","timestamp":"${timestamp}","url":{"topic":"Topic ${sent % 10}","page":"Page ${(Math.floor(sent / 10) * 31) % 1000}"}}\n`;
    }
    if (chunk.length === 0 || stream.write(chunk)) setTimeout(tick, 20);
    else stream.once('drain', () => setTimeout(tick, 20));
  };
  tick();
}

async function main() {
  const { seconds, rate, warmup, 'distinct-clients': distinct } = optionsOf(process.argv.slice(2));
  const source = distinct ? ['--source', 'file:-'] : ['--source', 'synthetic:production', '--rate', String(rate)];
  const args = ['dist/main.js', ...source, '--clock', 'wall', '--sink', 'none', '--threads', '2'];
  const fed = distinct ? `, fed ${rate} events/s each from a client of its own` : '';
  console.log(`$ node ${args.join(' ')}   (${seconds} s${fed}, RSS every 10 s, warm-up ${warmup} s)`);
  const child = spawn(process.execPath, args, { cwd: join(__dirname, '..'), stdio: [distinct ? 'pipe' : 'ignore', 'ignore', 'pipe'] });
  if (distinct) feedDistinctClients(child.stdin, rate);
  let stderr = '';
  child.stderr.on('data', (data) => (stderr = (stderr + data).slice(-4000)));
  const exited = new Promise((resolve) => child.on('close', resolve));
  const samples = [];
  const started = Date.now();
  while (Date.now() - started < seconds * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    if (child.exitCode !== null) throw new Error(`the job ended early:\n${stderr}`);
    samples.push({ second: Math.round((Date.now() - started) / 1000), rssMb: Math.round(rssMbOf(child.pid)) });
    process.stdout.write(`${samples.at(-1).second} s: ${samples.at(-1).rssMb} MB\n`);
  }
  child.kill('SIGTERM');
  const code = await exited;
  const steady = samples.filter((s) => s.second >= warmup).map((s) => s.rssMb);
  const low = Math.min(...steady);
  const high = Math.max(...steady);
  const result = {
    date: new Date().toISOString(),
    cores: availableParallelism(),
    command: `node ${args.join(' ')}${fed}`,
    seconds,
    warmupSeconds: warmup,
    exitCode: code,
    steadyRssMb: { min: low, max: high, spreadPercent: Number((((high - low) / low) * 100).toFixed(1)) },
    // Garbage collection saws RSS up and down; growth shows as the later half's median above the earlier's.
    halfMediansMb: [median(steady.slice(0, steady.length >> 1)), median(steady.slice(steady.length >> 1))],
    samples,
  };
  const [before, after] = result.halfMediansMb;
  console.log(`after warm-up: RSS ${low}–${high} MB; median ${before} MB in the first half, ${after} MB in the second; exit ${code}`);
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', `soak-${result.date.replace(/[:.]/g, '-')}.json`), JSON.stringify(result, null, 2) + '\n');
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 1;
});
