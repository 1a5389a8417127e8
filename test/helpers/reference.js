// A straightforward single-threaded reference of SPEC §3 in event clock, written independently of src/:
// one pass over the events in input order, every event added to every open window that holds it.
'use strict';

function referenceRows(events, { windowMs, slideMs, latenessMs }) {
  const windows = new Map(); // end -> { events, minTs, visits: Map(key -> n), visitors: Map(page -> Set) }
  let highest = -Infinity;
  let closed = -Infinity; // every window ending at or before this is emitted
  let late = 0;
  for (const e of events) {
    highest = Math.max(highest, e.ts);
    closed = Math.max(closed, Math.floor((highest - latenessMs) / slideMs) * slideMs);
    let counted = false;
    for (let end = Math.floor(e.ts / slideMs) * slideMs + slideMs; end <= e.ts + windowMs; end += slideMs) {
      if (end <= closed) continue;
      counted = true;
      let w = windows.get(end);
      if (!w) windows.set(end, (w = { events: 0, minTs: Infinity, visits: new Map(), visitors: new Map() }));
      w.events++;
      w.minTs = Math.min(w.minTs, e.ts);
      const visitKey = JSON.stringify([e.client, e.topic, e.page]);
      w.visits.set(visitKey, (w.visits.get(visitKey) || 0) + 1);
      const pageKey = JSON.stringify([e.topic, e.page]);
      if (!w.visitors.has(pageKey)) w.visitors.set(pageKey, new Set());
      w.visitors.get(pageKey).add(e.client);
    }
    if (!counted) late++;
  }
  const rows = [];
  for (const [end, w] of windows) {
    const time = { window_start: end - windowMs, window_end: end, window_ts: w.minTs };
    rows.push({ table: 'windows', ...time, events: w.events });
    for (const [key, visits] of w.visits) {
      const [client_id, topic, page] = JSON.parse(key);
      rows.push({ table: 'client_page_visits', ...time, client_id, topic, page, visits });
    }
    for (const [key, clients] of w.visitors) {
      const [topic, page] = JSON.parse(key);
      rows.push({ table: 'page_unique_visitors', ...time, topic, page, visitors: clients.size });
    }
  }
  return { rows: sortRows(rows), late };
}

function sortRows(rows) {
  return rows.map((r) => JSON.stringify(r)).sort().map((s) => JSON.parse(s));
}

module.exports = { referenceRows, sortRows };
