// Builds a WindowRows (src/windows/window.ts) from readable row lists, for sink and recommender tests.
const SLIDE = 60_000;
const WINDOW = 2 * SLIDE;

/**
 * end: window_end in ms; visits: [clientId, topic, page, visits][]; visitors: [topic, page, visitors][].
 * window_ts defaults to window_start + 1 s, events to the sum of visits.
 */
function windowRows({ end, visits = [], visitors = [], ts = end - WINDOW + 1000, events }) {
  return {
    windowStart: end - WINDOW,
    windowEnd: end,
    windowTs: ts,
    events: events ?? visits.reduce((sum, row) => sum + row[3], 0),
    clientPageVisits: {
      clientIds: visits.map((row) => row[0]),
      topics: visits.map((row) => row[1]),
      pages: visits.map((row) => row[2]),
      visits: Float64Array.from(visits, (row) => row[3]),
    },
    pageUniqueVisitors: {
      topics: visitors.map((row) => row[0]),
      pages: visitors.map((row) => row[1]),
      visitors: Uint32Array.from(visitors, (row) => row[2]),
    },
  };
}

module.exports = { windowRows, SLIDE, WINDOW };
