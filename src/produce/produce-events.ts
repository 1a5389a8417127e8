import type { Source } from '../sources/source';

/** A run's progress, read once a second: the messages its target has taken so far. */
export interface Progress {
  readonly taken: () => number;
}

/** What a run produced, and where, for its closing line. */
export interface Produced {
  readonly produced: number;
  readonly where: string;
}

/**
 * Hands the source's messages to `send`, `limit` at most, each source batch at once (so a paced source
 * is not held back), and waits for each send before reading on: that is the backpressure.
 */
export async function produceEvents(source: Source, limit: number, send: (values: readonly Buffer[]) => Promise<void>): Promise<number> {
  let produced = 0;
  for await (const batch of source.events()) {
    if (batch.kind !== 'batch') continue;
    const values = batch.messages.slice(0, limit - produced);
    await send(values);
    produced += values.length;
    if (produced >= limit) break;
  }
  return produced;
}
