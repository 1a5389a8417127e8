import type { Source } from '../sources/source';
import type { Partitioning } from './partitioning';
import type { Sender } from './sender';

/**
 * Message bytes per produce request at most. kafkajs puts a request's messages for one partition
 * into one record batch, which the broker refuses above message.max.bytes (1 MiB by default);
 * this leaves room for keys and record overhead.
 */
const REQUEST_BYTES = 512 * 1024;
/** Messages per produce request at most: kafkajs groups a request's messages by partition in time quadratic in their number. */
const REQUEST_MESSAGES = 2048;

/** Produces the source's messages, `limit` at most, each source batch at once (so a paced source is not held back). */
export async function produceEvents(source: Source, partitioning: Partitioning, sender: Sender, limit: number): Promise<number> {
  let produced = 0;
  for await (const batch of source.events()) {
    if (batch.kind !== 'batch') continue;
    const values = batch.messages.slice(0, limit - produced);
    for (const request of requestsOf(values)) await sender.send(partitioning.messagesOf(request));
    produced += values.length;
    if (produced >= limit) break;
  }
  await sender.flush();
  return produced;
}

/** Splits messages into requests of at most REQUEST_MESSAGES and REQUEST_BYTES (a longer message goes alone, and the broker judges it). */
function* requestsOf(values: readonly Buffer[]): Generator<readonly Buffer[]> {
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < values.length; i++) {
    if (i - start === REQUEST_MESSAGES || (i > start && bytes + values[i].byteLength > REQUEST_BYTES)) {
      yield values.slice(start, i);
      start = i;
      bytes = 0;
    }
    bytes += values[i].byteLength;
  }
  if (start < values.length) yield values.slice(start);
}
