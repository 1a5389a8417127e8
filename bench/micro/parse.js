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

/** Best of several short rounds per task: the machine may be shared, and interference only slows. */
async function run({ rounds = 5, time = 400 } = {}) {
  const { Bench } = await import('tinybench');
  const messages = makeMessages(MESSAGES);
  const out = createParsedEvent();
  for (const message of messages) {
    if (parseEvent(message, out) !== null) throw new Error(`bench message rejected: ${out.detail}`);
  }
  let sink = 0;
  const tasks = {
    'JSON.parse(bytes.toString())': () => {
      for (let i = 0; i < messages.length; i++) sink += JSON.parse(messages[i].toString()).url.page.length;
    },
    parseEvent: () => {
      for (let i = 0; i < messages.length; i++) sink += parseEvent(messages[i], out) === null ? 1 : 0;
    },
  };
  const best = new Map(Object.keys(tasks).map((name) => [name, 0]));
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time, warmupTime: 200 });
    for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
    await bench.run();
    for (const task of bench.tasks) {
      best.set(task.name, Math.max(best.get(task.name), task.result.throughput.mean * MESSAGES));
    }
  }
  if (sink === 0) throw new Error('nothing was parsed');
  const results = [...best].map(([name, eventsPerSecond]) => ({ name, eventsPerSecond: Math.round(eventsPerSecond) }));
  const [jsonParse, parse] = results;
  return { messages: MESSAGES, rounds, results, ratio: parse.eventsPerSecond / jsonParse.eventsPerSecond };
}

module.exports = { run };

if (require.main === module) {
  run().then(({ results, ratio }) => {
    for (const { name, eventsPerSecond } of results) {
      console.log(`${name.padEnd(30)} ${eventsPerSecond.toLocaleString('en').padStart(12)} events/s (best round)`);
    }
    console.log(`parseEvent / JSON.parse: ${ratio.toFixed(3)}`);
  });
}
