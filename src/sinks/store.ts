import type { SinkConfig } from './config';

/**
 * What can be read back of a store the job writes (SQLite, Cassandra): the recommender's reads, each a
 * single-partition query in Cassandra, and the latest windows the dashboard lists. One interface, one
 * implementation per store, beside that store's schema and writer.
 */
export interface RankedPage {
  readonly page: string;
  readonly visitors: number;
}

/** A window as the store holds it, with its most visited pages per topic. */
export interface WrittenWindow {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly windowTs: number;
  readonly events: number;
  /** Rows over the three tables, as the writer counts them. */
  readonly rows: number;
  /** Each topic of the window (code-point order) with its top pages by visitors. */
  readonly topics: readonly { readonly topic: string; readonly pages: readonly RankedPage[] }[];
}

export interface StoreReader {
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
  /** The `limit` latest windows, newest first, with each topic's `pagesPerTopic` top pages. */
  latestWindows(limit: number, pagesPerTopic: number): Promise<WrittenWindow[]>;
  close(): Promise<void>;
}

/** The stores that can be read back: where the recommender and the dashboard read what a sink wrote. */
export type StoreChoice = Extract<SinkConfig, { kind: 'sqlite' | 'cassandra' }>;

/** A path where no database is: not an empty store but most likely a mistyped path, so it is an error. */
export class MissingStoreError extends Error {}
