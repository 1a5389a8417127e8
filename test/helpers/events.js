// A small deterministic event generator for tests, independent of src/sources.
'use strict';

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOPICS = ['Action', 'Comedy', 'Drama ✨'];
const PAGES = ['Die Hard', 'Amélie', 'Heat', 'Alien', 'مرحبا', 'Up'];

/** Events at `stepMs` apart on average with ±jitterMs disorder, plus `lateEvery`-th events far in the past. */
function makeEvents({ count, seed = 1, clients = 40, start = Date.UTC(2017, 0, 25, 14), stepMs = 50, jitterMs = 3000, lateEvery = 0 }) {
  const random = rng(seed);
  const events = [];
  for (let i = 0; i < count; i++) {
    let ts = start + i * stepMs + Math.round((random() * 2 - 1) * jitterMs);
    if (lateEvery > 0 && i % lateEvery === lateEvery - 1) ts -= 60_000;
    events.push({
      client: String(4149719179064208 + Math.floor(random() * clients)),
      topic: TOPICS[Math.floor(random() * TOPICS.length)],
      page: PAGES[Math.floor(random() * PAGES.length)],
      ts,
    });
  }
  return events;
}

function isoSeconds(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.' + String(ms % 1000).padStart(3, '0') + 'Z');
}

function toLine(e) {
  return JSON.stringify({ client_id: e.client, timestamp: isoSeconds(e.ts), url: { topic: e.topic, page: e.page } });
}

module.exports = { makeEvents, toLine, rng };
