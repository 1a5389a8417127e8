import { AssignerProtocol, type GroupMember, type PartitionAssigner } from 'kafkajs';

const { MemberMetadata, MemberAssignment } = AssignerProtocol;

/**
 * The assignor's name is the group protocol the broker matches members on: a member of a build that
 * assigns partitions otherwise shares no protocol with this one, and the broker refuses whichever
 * joins second (INCONSISTENT_GROUP_PROTOCOL) rather than letting the two split the topic.
 */
export const SINGLE_OWNER_PROTOCOL = 'clickstream-single-owner-1';
const VERSION = 1;

/** What a member tells the group leader about itself, in its subscription's user data. */
export interface OwnershipClaim {
  readonly memberId: string;
  /** When the member's process started (ms). */
  readonly startedAt: number;
  /** When it last received the partitions (ms), or -1 when it holds none. */
  readonly ownedSince: number;
}

/**
 * The job keeps one window state over all of a topic's partitions, so one member of the group
 * consumes them all. The member that received them most recently keeps them — an owner that was
 * dropped from the group and comes back finds its successor preferred — and with no owner, the
 * one started first. Ties go to the smaller member id, so every leader decides alike.
 */
export function ownerOf(claims: readonly OwnershipClaim[]): string {
  const ranked = [...claims].sort(
    (a, b) => b.ownedSince - a.ownedSince || a.startedAt - b.startedAt || (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0),
  );
  return ranked[0].memberId;
}

/** A kafkajs assignor that gives every partition to `ownerOf` the members and none to the rest. */
export function singleOwnerAssigner(claim: () => Omit<OwnershipClaim, 'memberId'>): PartitionAssigner {
  return ({ cluster }) => ({
    name: SINGLE_OWNER_PROTOCOL,
    version: VERSION,
    async assign({ members, topics }) {
      const owner = ownerOf(members.map(claimOf));
      const everything = Object.fromEntries(
        topics.map((topic) => [topic, cluster.findTopicPartitionMetadata(topic).map(({ partitionId }) => partitionId)]),
      );
      return members.map(({ memberId }) => ({
        memberId,
        memberAssignment: MemberAssignment.encode({ version: VERSION, assignment: memberId === owner ? everything : {}, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      const { startedAt, ownedSince } = claim();
      const userData = Buffer.alloc(16);
      userData.writeDoubleBE(startedAt, 0);
      userData.writeDoubleBE(ownedSince, 8);
      return { name: SINGLE_OWNER_PROTOCOL, metadata: MemberMetadata.encode({ version: VERSION, topics, userData }) };
    },
  });
}

function claimOf({ memberId, memberMetadata }: GroupMember): OwnershipClaim {
  const userData = MemberMetadata.decode(memberMetadata)?.userData;
  // A member without a readable claim ranks last: it can still be chosen when it is alone.
  if (userData === undefined || userData.length < 16) return { memberId, startedAt: Infinity, ownedSince: -1 };
  return { memberId, startedAt: userData.readDoubleBE(0), ownedSince: userData.readDoubleBE(8) };
}

/**
 * This member's claim to the partitions, as singleOwnerAssigner sends it: kept by whoever consumes with
 * the single-owner protocol (the job's source, the re-keying stage).
 */
export class OwnerClaim {
  private readonly startedAt = Date.now();
  private ownedSince = -1;

  /** The assignor that sends this claim. */
  assigner(): PartitionAssigner {
    return singleOwnerAssigner(() => ({ startedAt: this.startedAt, ownedSince: this.ownedSince }));
  }

  /** A (re)join gave the member these partitions: it has held them since the first join that gave it any. */
  received(partitions: readonly number[]): void {
    this.ownedSince = partitions.length === 0 ? -1 : this.ownedSince === -1 ? Date.now() : this.ownedSince;
  }
}
