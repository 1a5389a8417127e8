import type { PartialWindow } from '../windows/partial';
import type { WindowRows } from '../windows/window';

/**
 * Combines every shard's partial of each window into one window. Shards own disjoint clients, so
 * client rows concatenate and a page's distinct visitors are the sum over shards.
 */
export function mergePartials(shards: readonly (readonly PartialWindow[])[]): WindowRows[] {
  const byEnd = new Map<number, PartialWindow[]>();
  for (const partials of shards) {
    for (const partial of partials) {
      const group = byEnd.get(partial.windowEnd);
      if (group === undefined) byEnd.set(partial.windowEnd, [partial]);
      else group.push(partial);
    }
  }
  return [...byEnd.keys()].sort((a, b) => a - b).map((end) => mergeWindow(byEnd.get(end)!));
}

function mergeWindow(partials: readonly PartialWindow[]): WindowRows {
  if (partials.length === 1) return rowsOf(partials[0]);
  const visitors = new Map<string, Map<string, number>>();
  for (const partial of partials) {
    for (let i = 0; i < partial.pages.length; i++) {
      let pages = visitors.get(partial.pageTopics[i]);
      if (pages === undefined) visitors.set(partial.pageTopics[i], (pages = new Map()));
      pages.set(partial.pages[i], (pages.get(partial.pages[i]) ?? 0) + partial.visitors[i]);
    }
  }
  const pageUniqueVisitors = { topics: [] as string[], pages: [] as string[], visitors: [] as number[] };
  for (const [topic, byPage] of visitors) {
    for (const [page, count] of byPage) {
      pageUniqueVisitors.topics.push(topic);
      pageUniqueVisitors.pages.push(page);
      pageUniqueVisitors.visitors.push(count);
    }
  }
  return {
    windowStart: partials[0].windowStart,
    windowEnd: partials[0].windowEnd,
    windowTs: Math.min(...partials.map((p) => p.minEventTime)),
    events: partials.reduce((sum, p) => sum + p.events, 0),
    clientPageVisits: {
      clientIds: partials.flatMap((p) => p.clientIds),
      topics: partials.flatMap((p) => p.visitTopics),
      pages: partials.flatMap((p) => p.visitPages),
      visits: partials.flatMap((p) => p.visits),
    },
    pageUniqueVisitors,
  };
}

function rowsOf(partial: PartialWindow): WindowRows {
  return {
    windowStart: partial.windowStart,
    windowEnd: partial.windowEnd,
    windowTs: partial.minEventTime,
    events: partial.events,
    clientPageVisits: {
      clientIds: partial.clientIds,
      topics: partial.visitTopics,
      pages: partial.visitPages,
      visits: partial.visits,
    },
    pageUniqueVisitors: { topics: partial.pageTopics, pages: partial.pages, visitors: partial.visitors },
  };
}
