import type { StoreReader } from '../sinks/store';

/** The largest N a recommendation may ask for. */
export const MAX_N = 1000;

/** The window of the recommendation plus the two emitted just before it: a client's recent visits. */
const EXCLUSION_WINDOWS = 3;

export interface RecommendQuery {
  readonly clientId: string;
  readonly topic: string;
  readonly n: number;
}

export interface Recommendation {
  readonly rank: number;
  readonly page: string;
  readonly visitors: number;
}

export interface RecommendResult {
  /** window_end of the window the ranking comes from; null for an unknown topic or empty store. */
  readonly windowEnd: number | null;
  readonly pages: Recommendation[];
}

/**
 * The top `n` pages of the topic in its latest window, minus the pages of that topic the
 * client visited in that window or the two windows emitted just before it (by window_end, whatever
 * their topics). Ties in visitors are ordered by the store: page ascending in code-point order
 * (SQLite's BINARY collation on UTF-8, Cassandra's text clustering order).
 */
export async function recommend(store: StoreReader, query: RecommendQuery): Promise<RecommendResult> {
  const { clientId, topic, n } = query;
  const windowEnd = await store.latestWindowOfTopic(topic);
  if (windowEnd === null) return { windowEnd, pages: [] };
  const [top, earlier] = await Promise.all([
    store.topPages(topic, windowEnd, n),
    store.windowsBefore(windowEnd, EXCLUSION_WINDOWS - 1),
  ]);
  const visited = await store.visitedPages(clientId, topic, [windowEnd, ...earlier]);
  // Ranks are renumbered 1..k over what remains, so the output reads as a list with no gaps.
  const pages = top
    .filter(({ page }) => !visited.has(page))
    .map(({ page, visitors }, index) => ({ rank: index + 1, page, visitors }));
  return { windowEnd, pages };
}

/** Topics an unknown topic's message lists at most. */
const LISTED_TOPICS = 20;

/**
 * What to tell the user beside the list, or null: an unknown topic with the topics there are, or a
 * client who visited every top page. `storeName` names the store in the message.
 */
export async function noteOf(store: StoreReader, query: RecommendQuery, result: RecommendResult, storeName: string): Promise<string | null> {
  if (result.windowEnd === null) {
    const topics = await store.topics(LISTED_TOPICS + 1);
    if (topics.length === 0) return `no windows with topic "${query.topic}" in ${storeName}: the store has no windows`;
    const listed = topics.slice(0, LISTED_TOPICS).map((topic) => JSON.stringify(topic)).join(', ');
    const more = topics.length > LISTED_TOPICS ? `, … (first ${LISTED_TOPICS})` : '';
    return `no windows with topic "${query.topic}" in ${storeName}; its topics: ${listed}${more}`;
  }
  if (result.pages.length === 0) {
    return `nothing to recommend: client "${query.clientId}" visited every top page of "${query.topic}" in the last 3 windows`;
  }
  return null;
}
