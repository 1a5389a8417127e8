/**
 * Shard of a client_id: FNV-1a over its UTF-16 code units, modulo the shard count. Every event of a
 * client lands in one shard, so per-shard distinct-client counts of a page simply add up.
 */
export function shardOf(clientId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < clientId.length; i++) {
    hash ^= clientId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}
