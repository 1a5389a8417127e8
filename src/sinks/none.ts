import type { Sink } from './sink';

/** Computes and discards (`--sink none`, for benchmarks). */
export function createNoneSink(): Sink {
  return {
    keepsProgress: false,
    open: async () => {},
    readPartitions: async () => new Map(),
    write: async () => {},
    follow: async () => -Infinity,
    async reset(_job, _partitionCount, rewind) {
      await rewind();
      return [];
    },
    close: async () => {},
  };
}
