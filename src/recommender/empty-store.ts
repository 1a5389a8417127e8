import type { RecommenderStore } from './store';

/** A store with no windows: what a missing database reads as, so the CLI reports it and exits 0. */
export const EMPTY_STORE: RecommenderStore = {
  latestWindowOfTopic: async () => null,
  topPages: async () => [],
  windowsBefore: async () => [],
  visitedPages: async () => new Set(),
  close: async () => undefined,
};
