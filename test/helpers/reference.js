// A straightforward single-threaded reference of the window rules, written independently of src/: one
// pass over the events in input order. Windows end at multiples of the slide from the epoch and the one
// ending at E covers [E - window, E). The watermark is the highest time seen minus the lateness; every
// window ending at or before it is closed. An event counts in each of its windows still open and is
// late when none is; a window with no counted event is not emitted; at the end every open window is.
'use strict';

/**
 * The rows of `events` ({ client, topic, page, ts }) in input order, sorted, and how many were late.
 * `timeOf(e)` is the time windows are assigned by (default: the event's own ts, the event clock; the
 * wall clock's is its arrival); `window_ts` is always the smallest own ts among a window's events.
 */
function referenceRows(events, { windowMs, slideMs, latenessMs, timeOf = (e) => e.ts }) {
  const windows = new Map(); // end -> { events, minTs, visits: Map(key -> n), visitors: Map(page -> Set) }
  let highest = -Infinity;
  let closed = -Infinity; // every window ending at or before this is emitted
  let late = 0;
  for (const e of events) {
    const t = timeOf(e);
    highest = Math.max(highest, t);
    closed = Math.max(closed, Math.floor((highest - latenessMs) / slideMs) * slideMs);
    let counted = false;
    for (let end = Math.floor(t / slideMs) * slideMs + slideMs; end <= t + windowMs; end += slideMs) {
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
