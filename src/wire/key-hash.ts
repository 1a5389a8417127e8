/**
 * FNV-1a over bytes: the hash a shard key is sharded and interned by. The main thread computes it
 * while it reads or copies the bytes anyway, and it travels with the batch, so a worker looks a key
 * up without hashing it again. A key's `tag` (a page key's topic length) is folded into the seed.
 */
export const KEY_HASH_SEED = 0x811c9dc5;

/** One byte more of a hash; it is a uint32 once `>>> 0` is applied. */
export function keyHashStep(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, 0x01000193);
}

/** The hash of the key bytes[start, end) with `tag`, as a uint32. */
export function keyHashOf(bytes: Uint8Array, start: number, end: number, tag: number): number {
  let hash = KEY_HASH_SEED ^ tag;
  for (let i = start; i < end; i++) hash = keyHashStep(hash, bytes[i]);
  return hash >>> 0;
}
