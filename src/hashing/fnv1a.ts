/**
 * FNV-1a (32-bit), the one hash of the job's own keys: a client's shard (`shardOf`), the interning of
 * client and page keys (the main thread computes it while it reads the bytes, and it travels with the
 * batch, so a worker looks a key up without hashing again), and a client's Cassandra bucket. A key's
 * `tag` (a page key's topic length) is folded into the seed. For ASCII text, hashing the UTF-8 bytes
 * and hashing the UTF-16 code units give the same value.
 */
export const KEY_HASH_SEED = 0x811c9dc5;

/** One byte (or UTF-16 code unit) more of a hash; it is a uint32 once `>>> 0` is applied. */
export function keyHashStep(hash: number, unit: number): number {
  return Math.imul(hash ^ unit, 0x01000193);
}

/** The hash of the key bytes[start, end) with `tag`, as a uint32. */
export function keyHashOf(bytes: Uint8Array, start: number, end: number, tag: number): number {
  let hash = KEY_HASH_SEED ^ tag;
  for (let i = start; i < end; i++) hash = keyHashStep(hash, bytes[i]);
  return hash >>> 0;
}

/** The hash of a string's UTF-16 code units, as a uint32. */
export function textHashOf(text: string): number {
  let hash = KEY_HASH_SEED;
  for (let i = 0; i < text.length; i++) hash = keyHashStep(hash, text.charCodeAt(i));
  return hash >>> 0;
}
