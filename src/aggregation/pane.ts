/**
 * The partial aggregate of one pane of one shard, built like Spark's combineByKey: createCombiner and
 * mergeValue fold events in, mergeCombiners folds panes into a window. Visits are nested
 * topic → page → client → count, so a page's distinct visitors are its inner map's size.
 */
export type PageVisits = Map<string, number>;
export type TopicPages = Map<string, PageVisits>;

export interface Combiner {
  events: number;
  minEventTime: number;
  readonly topics: Map<string, TopicPages>;
}

export function createCombiner(): Combiner {
  return { events: 0, minEventTime: Infinity, topics: new Map() };
}

export function mergeValue(into: Combiner, clientId: string, topic: string, page: string, eventTime: number): void {
  into.events++;
  if (eventTime < into.minEventTime) into.minEventTime = eventTime;
  addVisits(pageVisitsOf(into, topic, page), clientId, 1);
}

export function mergeCombiners(into: Combiner, from: Combiner): void {
  into.events += from.events;
  if (from.minEventTime < into.minEventTime) into.minEventTime = from.minEventTime;
  for (const [topic, pages] of from.topics) {
    for (const [page, clients] of pages) {
      const target = pageVisitsOf(into, topic, page);
      for (const [clientId, visits] of clients) addVisits(target, clientId, visits);
    }
  }
}

function pageVisitsOf(combiner: Combiner, topic: string, page: string): PageVisits {
  let pages = combiner.topics.get(topic);
  if (pages === undefined) combiner.topics.set(topic, (pages = new Map()));
  let clients = pages.get(page);
  if (clients === undefined) pages.set(page, (clients = new Map()));
  return clients;
}

function addVisits(clients: PageVisits, clientId: string, visits: number): void {
  clients.set(clientId, (clients.get(clientId) ?? 0) + visits);
}
