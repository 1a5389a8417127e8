import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

const { MemberMetadata, MemberAssignment } = AssignerProtocol;

/**
 * The assignor's name is the group protocol the broker matches members on. A build that keeps
 * the single-owner assignor (one instance holding every partition) shares no protocol with this
 * one, so the broker refuses whichever joins second (INCONSISTENT_GROUP_PROTOCOL) instead of
 * letting an old instance consume the whole topic beside instances that split it.
 */
export const PARTITIONED_PROTOCOL = 'clickstream-partitioned-1';
const VERSION = 1;

/**
 * Deals `partitions` round-robin over the members in member-id order: each partition to exactly one
 * member, counts within one of each other, and the same result whatever order the members come in,
 * so every leader decides alike. Members beyond the partition count get none (an idle standby).
 */
export function dealPartitions(memberIds: readonly string[], partitions: readonly number[]): Map<string, number[]> {
  const members = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const dealt = new Map(members.map((memberId) => [memberId, [] as number[]]));
  [...partitions].sort((a, b) => a - b).forEach((partition, i) => dealt.get(members[i % members.length])!.push(partition));
  return dealt;
}

/**
 * A kafkajs assignor that deals each subscribed topic's partitions over the group's members (every
 * member of a job's group subscribes the job's one topic). Nothing is sticky: kafkajs rebalances
 * eagerly (every member gives up all its partitions at each new generation), and the job drops
 * its window state then and rebuilds each owned partition from Cassandra and the committed
 * offsets, so keeping a partition with its previous owner would save nothing.
 */
export function partitionedAssigner(): PartitionAssigner {
  return ({ cluster }) => ({
    name: PARTITIONED_PROTOCOL,
    version: VERSION,
    async assign({ members, topics }) {
      const memberIds = members.map(({ memberId }) => memberId);
      const byMember = new Map(memberIds.map((memberId) => [memberId, {} as Record<string, number[]>]));
      for (const topic of topics) {
        const partitions = cluster.findTopicPartitionMetadata(topic).map(({ partitionId }) => partitionId);
        // A member with none of a topic gets no entry for it, as an idle single-owner member gets `{}`.
        for (const [memberId, dealt] of dealPartitions(memberIds, partitions)) if (dealt.length > 0) byMember.get(memberId)![topic] = dealt;
      }
      return members.map(({ memberId }) => ({
        memberId,
        memberAssignment: MemberAssignment.encode({ version: VERSION, assignment: byMember.get(memberId)!, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: PARTITIONED_PROTOCOL, metadata: MemberMetadata.encode({ version: VERSION, topics, userData: Buffer.alloc(0) }) };
    },
  });
}
