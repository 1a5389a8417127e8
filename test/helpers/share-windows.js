// Windows as the writer hands them to a sink (WindowRows), built from reference rows, and the input
// partition of a client as Kafka's default partitioner places it: for the tests of shared mode.
'use strict';
const { partitionOfKey } = require('../../dist/hashing/murmur2');

/** The partition murmur2 gives the client_id's UTF-8 bytes. */
function partitionOf(client, partitionCount) {
  return partitionOfKey(Buffer.from(client, 'utf8'), partitionCount);
}

/** referenceRows' rows as WindowRows, in window_end order. */
function windowsOf(rows) {
  const byEnd = new Map();
  for (const row of rows) {
    let window = byEnd.get(row.window_end);
    if (window === undefined) {
      window = {
        windowStart: row.window_start,
        windowEnd: row.window_end,
        windowTs: row.window_ts,
        events: 0,
        clientPageVisits: { clientIds: [], topics: [], pages: [], visits: [] },
        pageUniqueVisitors: { topics: [], pages: [], visitors: [] },
      };
      byEnd.set(row.window_end, window);
    }
    if (row.table === 'windows') window.events = row.events;
    else if (row.table === 'client_page_visits') {
      const visits = window.clientPageVisits;
      visits.clientIds.push(row.client_id);
      visits.topics.push(row.topic);
      visits.pages.push(row.page);
      visits.visits.push(row.visits);
    } else {
      const visitors = window.pageUniqueVisitors;
      visitors.topics.push(row.topic);
      visitors.pages.push(row.page);
      visitors.visitors.push(row.visitors);
    }
  }
  return [...byEnd.values()].sort((a, b) => a.windowEnd - b.windowEnd);
}

module.exports = { partitionOf, windowsOf };
