'use strict';
/**
 * The JSONL sink's lines as it formatted them before it wrote bytes itself (2026-11-30): template
 * strings with JSON.stringify for every name, the fields in the order of the rows' columns, each line
 * ending in a newline. Its output must stay byte for byte the same (jsonl-sink test); bench/micro.js
 * times it beside the sink's formatter.
 */
function referenceLines(window) {
  const { windowStart, windowEnd, windowTs } = window;
  const time = `"window_start":${windowStart},"window_end":${windowEnd},"window_ts":${windowTs}`;
  const lines = [];
  const visits = window.clientPageVisits;
  for (let i = 0; i < visits.clientIds.length; i++) {
    lines.push(
      `{"table":"client_page_visits",${time},"client_id":${JSON.stringify(visits.clientIds[i])},` +
        `"topic":${JSON.stringify(visits.topics[i])},"page":${JSON.stringify(visits.pages[i])},"visits":${visits.visits[i]}}`,
    );
  }
  const pages = window.pageUniqueVisitors;
  for (let i = 0; i < pages.topics.length; i++) {
    lines.push(
      `{"table":"page_unique_visitors",${time},"topic":${JSON.stringify(pages.topics[i])},` +
        `"page":${JSON.stringify(pages.pages[i])},"visitors":${pages.visitors[i]}}`,
    );
  }
  lines.push(`{"table":"windows",${time},"events":${window.events}}`);
  return lines.join('\n') + '\n';
}

module.exports = { referenceLines };
