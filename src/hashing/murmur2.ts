/**
 * Kafka's murmur2 (Java's Utils.murmur2, kafkajs's DefaultPartitioner): the hash a keyed producer
 * places a message by. The job checks each event's client against the partition it came from, so
 * this must agree bit for bit. All arithmetic is 32-bit (Math.imul, `| 0`, `>>>`), as Java's int is,
 * and nothing is allocated: it runs once per event.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** The signed 32-bit hash Java's Utils.murmur2 returns for `bytes[start, end)` (a view would allocate). */
export function murmur2(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const length = end - start;
  const tail = start + (length & ~3);
  let h = SEED ^ length;
  for (let i = start; i < tail; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // Java's switch falls through 3 -> 2 -> 1; the compiler forbids fallthrough, hence the ifs.
  const rest = length & 3;
  if (rest === 3) h ^= bytes[tail + 2] << 16;
  if (rest >= 2) h ^= bytes[tail + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ bytes[tail], M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  return h ^ (h >>> 15);
}

/** The partition Kafka's default partitioner gives a message keyed by `bytes[start, end)` (its toPositive, then modulo). */
export function partitionOfKey(bytes: Uint8Array, partitionCount: number, start = 0, end = bytes.length): number {
  return (murmur2(bytes, start, end) & 0x7fffffff) % partitionCount;
}
