/**
 * The partial aggregate of one pane of one shard, built like Spark's combineByKey: createCombiner and
 * mergeValue fold events in, mergeCombiners folds panes into a window. Visits are keyed
 * page id → client id → count (ids from the shard's dictionary), so a page's distinct visitors are its
 * inner map's size.
 */
export type PageVisits = Map<number, number>;

export interface Combiner {
  events: number;
  minEventTime: number;
  readonly pages: Map<number, PageVisits>;
}

export function createCombiner(): Combiner {
  return { events: 0, minEventTime: Infinity, pages: new Map() };
}

export function mergeValue(into: Combiner, clientId: number, pageId: number, eventTime: number): void {
  into.events++;
  if (eventTime < into.minEventTime) into.minEventTime = eventTime;
  const clients = visitsOf(into, pageId);
  clients.set(clientId, (clients.get(clientId) ?? 0) + 1);
}

export function mergeCombiners(into: Combiner, from: Combiner): void {
  into.events += from.events;
  if (from.minEventTime < into.minEventTime) into.minEventTime = from.minEventTime;
  for (const [pageId, clients] of from.pages) {
    const target = visitsOf(into, pageId);
    for (const [clientId, visits] of clients) target.set(clientId, (target.get(clientId) ?? 0) + visits);
  }
}

function visitsOf(combiner: Combiner, pageId: number): PageVisits {
  let clients = combiner.pages.get(pageId);
  if (clients === undefined) combiner.pages.set(pageId, (clients = new Map()));
  return clients;
}
