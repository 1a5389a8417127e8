import { textHashOf } from '../hashing/fnv1a';

/**
 * Shard of a client_id: FNV-1a over its UTF-16 code units, modulo the shard count. Every event of a
 * client lands in one shard, so per-shard distinct-client counts of a page simply add up. The scanning
 * fast path takes ASCII ids only and hashes their bytes, which gives the same value.
 */
export function shardOf(clientId: string, shards: number): number {
  return textHashOf(clientId) % shards;
}
