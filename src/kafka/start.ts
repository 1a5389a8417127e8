import type { Admin } from 'kafkajs';

/** Where one partition of the topic stands when the run starts. */
export interface PartitionStart {
  readonly partition: number;
  /** The offset the group's consumer will read first. */
  readonly start: bigint;
  /** The group's committed offset, or null when it has none. */
  readonly committed: bigint | null;
  /** The high watermark: the offset the next produced message gets (the end offset for --stop-at-end). */
  readonly end: bigint;
}

/**
 * Asks the brokers, before consuming, for every partition of the topic: its offsets, and the
 * group's committed offset. Partition numbers of a topic are dense from 0 (Kafka numbers them so).
 */
export async function partitionStartsOf(admin: Admin, topic: string, group: string, fromBeginning: boolean): Promise<PartitionStart[]> {
  if (!(await admin.listTopics()).includes(topic)) throw new Error(`Kafka topic "${topic}" does not exist`);
  const [offsets, committed] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId: group, topics: [topic] }),
  ]);
  const committedOf = new Map(committed[0]?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
  return offsets
    .map(({ partition, low, high }) => {
      const range = { low: BigInt(low), high: BigInt(high) };
      const committed = committedOf.get(partition) ?? -1n;
      return { partition, start: startOf(committed, range, fromBeginning), committed: committed >= 0n ? committed : null, end: range.high };
    })
    .sort((a, b) => a.partition - b.partition);
}

/**
 * The committed offset when the broker still holds it; otherwise the reset policy, as kafkajs
 * applies it (auto.offset.reset: earliest with --from-beginning, else latest).
 */
function startOf(committed: bigint, range: { low: bigint; high: bigint }, fromBeginning: boolean): bigint {
  if (committed >= range.low && committed <= range.high) return committed;
  return fromBeginning ? range.low : range.high;
}
