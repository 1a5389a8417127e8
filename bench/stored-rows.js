'use strict';
// The rows a job writes, read back from its JSONL output, for the store baselines: they write exactly
// these rows, with no engine in front. Each window's rows are held in key order (client_id, topic,
// page; topic, visitors descending, page), the order both stores take them in fastest, as compact
// columns: client ids back to back in one buffer, topics and pages as ids into one list of names.
const { createReadStream } = require('node:fs');
const { createInterface } = require('node:readline');

class Names {
  constructor() {
    this.ids = new Map();
    this.names = [];
  }

  idOf(name) {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }
}

const compare = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** A window's rows as parsed, in key order and packed. */
function packed(open, names) {
  const { visits, visitors } = open;
  const byKey = visits.map((_, i) => i).sort((a, b) =>
    compare(visits[a][0], visits[b][0]) || compare(names[visits[a][1]], names[visits[b][1]]) || compare(names[visits[a][2]], names[visits[b][2]]));
  const clients = Buffer.from(byKey.map((i) => visits[i][0]).join(''), 'utf8');
  const clientEnds = new Uint32Array(byKey.length);
  let end = 0;
  byKey.forEach((i, k) => (clientEnds[k] = end += Buffer.byteLength(visits[i][0], 'utf8')));
  const ranked = visitors.map((_, i) => i).sort((a, b) =>
    compare(names[visitors[a][0]], names[visitors[b][0]]) || visitors[b][2] - visitors[a][2] || compare(names[visitors[a][1]], names[visitors[b][1]]));
  return {
    windowStart: open.windowStart, windowEnd: open.windowEnd, windowTs: open.windowTs, events: open.events,
    visits: {
      count: byKey.length, clients, clientEnds,
      topics: Uint32Array.from(byKey, (i) => visits[i][1]), pages: Uint32Array.from(byKey, (i) => visits[i][2]), counts: Uint32Array.from(byKey, (i) => visits[i][3]),
    },
    visitors: {
      count: ranked.length,
      topics: Uint32Array.from(ranked, (i) => visitors[i][0]), pages: Uint32Array.from(ranked, (i) => visitors[i][1]), counts: Uint32Array.from(ranked, (i) => visitors[i][2]),
    },
  };
}

/** The client_id of row k of a packed window's client_page_visits, as its UTF-8 bytes (a view). */
function clientOf(visits, k) {
  return visits.clients.subarray(k === 0 ? 0 : visits.clientEnds[k - 1], visits.clientEnds[k]);
}

/**
 * Every window of a JSONL file (the sink writes a window's rows together, its `windows` row last), in
 * the order written: `{ names, windows, rows }`, `names[id]` the topic or page of an id.
 */
async function readStoredRows(file) {
  const names = new Names();
  const windows = [];
  let open = null;
  let rows = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const row = JSON.parse(line);
    if (open === null) {
      open = { windowStart: row.window_start, windowEnd: row.window_end, windowTs: row.window_ts, events: 0, visits: [], visitors: [] };
    } else if (open.windowEnd !== row.window_end) {
      throw new Error(`${file}: the window ending ${open.windowEnd} has no windows row before the next window`);
    }
    rows++;
    if (row.table === 'client_page_visits') open.visits.push([row.client_id, names.idOf(row.topic), names.idOf(row.page), row.visits]);
    else if (row.table === 'page_unique_visitors') open.visitors.push([names.idOf(row.topic), names.idOf(row.page), row.visitors]);
    else if (row.table === 'windows') {
      open.events = row.events;
      windows.push(packed(open, names.names));
      open = null;
    } else throw new Error(`${file}: a row of table ${row.table}`);
  }
  if (open !== null) throw new Error(`${file}: the last window has no windows row`);
  return { names: names.names, windows, rows };
}

/** The distinct topics with rows in the window, as the sink lists them. */
function topicsOf(stored, window) {
  return [...new Set(Array.from(window.visitors.topics, (id) => stored.names[id]))];
}

module.exports = { readStoredRows, clientOf, topicsOf };
