/** The reads the recommender needs; each is a single-partition query in Cassandra. */
export interface RankedPage {
  readonly page: string;
  readonly visitors: number;
}

export interface RecommenderStore {
  /** window_end of the most recent window with rows for the topic, or null. */
  latestWindowOfTopic(topic: string): Promise<number | null>;
  /** Top `n` pages of the topic in that window by visitors desc, ties by page ascending. */
  topPages(topic: string, windowEnd: number, n: number): Promise<RankedPage[]>;
  /** window_end of the `count` windows emitted just before `windowEnd`, most recent first. */
  windowsBefore(windowEnd: number, count: number): Promise<number[]>;
  /** Pages of the topic the client visited in any of the given windows. */
  visitedPages(clientId: string, topic: string, windowEnds: readonly number[]): Promise<Set<string>>;
  /** Up to `limit` topics that have rows, in code-point order. */
  topics(limit: number): Promise<string[]>;
  close(): Promise<void>;
}
