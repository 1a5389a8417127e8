'use strict';
// parseEvent against bare JSON.parse (of the decoded bytes) over the same 10k realistic messages.
const { parseEvent, createParsedEvent } = require('../../dist/parsing/event');

const MESSAGES = 10_000;
const TOPICS = ['Action', 'Comedy', 'Drama', 'Documentary', 'Sci-Fi', 'Animation', 'Thriller', 'Romance'];

function makeMessages(count) {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  let time = Date.UTC(2017, 0, 25, 14, 0, 0);
  const messages = [];
  for (let i = 0; i < count; i++) {
    time += Math.floor(random() * 200);
    const clientId = String(4_000_000_000_000_000 + Math.floor(random() * 999_999_999_999_999));
    const topic = TOPICS[Math.floor(random() * TOPICS.length)];
    const event = {
      client_id: clientId,
      timestamp: new Date(time).toISOString().slice(0, 19),
      url: { topic, page: `${topic} Feature ${Math.floor(random() * 500)}` },
    };
    messages.push(Buffer.from(JSON.stringify(event)));
  }
  return messages;
}

async function run({ time = 2000 } = {}) {
  const { Bench } = await import('tinybench');
  const messages = makeMessages(MESSAGES);
  const out = createParsedEvent();
  for (const message of messages) {
    if (parseEvent(message, out) !== null) throw new Error(`bench message rejected: ${out.detail}`);
  }
  let sink = 0;
  const bench = new Bench({ time, warmupTime: 500 });
  bench.add('JSON.parse(bytes.toString())', () => {
    for (let i = 0; i < messages.length; i++) sink += JSON.parse(messages[i].toString()).url.page.length;
  });
  bench.add('parseEvent', () => {
    for (let i = 0; i < messages.length; i++) sink += parseEvent(messages[i], out) === null ? 1 : 0;
  });
  await bench.run();
  if (sink === 0) throw new Error('nothing was parsed');
  const results = bench.tasks.map((task) => ({
    name: task.name,
    eventsPerSecond: Math.round(task.result.throughput.mean * MESSAGES),
    rme: task.result.latency.rme,
  }));
  const [jsonParse, parse] = results;
  return { messages: MESSAGES, results, ratio: parse.eventsPerSecond / jsonParse.eventsPerSecond };
}

module.exports = { run };

if (require.main === module) {
  run().then(({ results, ratio }) => {
    for (const { name, eventsPerSecond, rme } of results) {
      console.log(`${name.padEnd(30)} ${eventsPerSecond.toLocaleString('en').padStart(12)} events/s  ±${rme.toFixed(1)}%`);
    }
    console.log(`parseEvent / JSON.parse: ${ratio.toFixed(3)}`);
  });
}
