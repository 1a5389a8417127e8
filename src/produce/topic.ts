import type { Admin } from 'kafkajs';

/** Creates the topic with `partitions` partitions unless it exists; returns how many partitions it has. */
export async function ensureTopic(admin: Admin, topic: string, partitions: number): Promise<{ created: boolean; partitions: number }> {
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  return { created, partitions: topics[0].partitions.length };
}
