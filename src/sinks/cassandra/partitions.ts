import { keyHashOf } from '../../hashing/fnv1a';

/**
 * How rows map to Cassandra partitions. The sink and the recommender must derive keys the same way,
 * and so must any other client, so these are part of the schema: changing them orphans stored rows.
 */

/** client_page_visits splits each window into this many partitions by client. */
export const CLIENT_BUCKETS = 16;

export const DAY_MS = 86_400_000;

/**
 * The recommender walks day partitions back at most this far (from the day of the window it starts
 * at), so a lookup costs a bounded number of reads: a gap of more than a week without windows reads
 * as "nothing earlier".
 */
export const WALK_BACK_DAYS = 7;

/** Unix ms of the UTC midnight that starts the day holding `ms`. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/**
 * Up to `want` values read from day partitions, starting at the day of `fromMs` and stepping back a
 * day at a time, at most WALK_BACK_DAYS; `readDay` returns its day's values newest first.
 */
export async function walkBackDays(
  fromMs: number,
  want: number,
  readDay: (day: number, limit: number) => Promise<number[]>,
): Promise<number[]> {
  const found: number[] = [];
  for (let back = 0; back <= WALK_BACK_DAYS && found.length < want; back++) {
    found.push(...(await readDay(dayOf(fromMs) - back * DAY_MS, want - found.length)));
  }
  return found;
}

/** FNV-1a (32-bit) of the UTF-8 bytes, mod CLIENT_BUCKETS: stable across runs, hosts and languages. */
export function bucketOf(clientId: string): number {
  return bucketOfBytes(Buffer.from(clientId, 'utf8'));
}

/** bucketOf, given the client_id's UTF-8 bytes. */
export function bucketOfBytes(clientId: Uint8Array): number {
  return keyHashOf(clientId, 0, clientId.length, 0) % CLIENT_BUCKETS;
}
