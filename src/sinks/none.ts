import type { Sink } from './sink';

/** Computes and discards (`--sink none`, for benchmarks). */
export function createNoneSink(): Sink {
  return {
    open: async () => {},
    writeWindows: async () => {},
    readProgress: async () => -Infinity,
    close: async () => {},
  };
}
