import type { StoreReader } from './store';

/** A store with no windows: what a store without our tables reads as, so the CLI reports it and exits 0. */
export const EMPTY_STORE: StoreReader = {
  latestWindowOfTopic: async () => null,
  topPages: async () => [],
  windowsBefore: async () => [],
  visitedPages: async () => new Set(),
  topics: async () => [],
  latestWindows: async () => [],
  close: async () => undefined,
};
