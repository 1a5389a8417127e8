import type { Consumer, Kafka, PartitionAssigner } from 'kafkajs';

/**
 * How long a fetch waits on the broker for new messages, and how long kafkajs sleeps while every
 * partition is paused; it bounds how long a stop waits for the fetch loop.
 */
const MAX_FETCH_WAIT_MS = 500;

export interface GroupConsumerOptions {
  readonly group: string;
  /** How long the group waits for a silent member before handing its partitions to others. */
  readonly sessionTimeoutMs: number;
  /** The group protocol: how the group leader deals the partitions. */
  readonly assigner: PartitionAssigner;
}

/** A consumer of one of the job's groups (the job's own, the re-keying stage's): no topic created by reading it. */
export function groupConsumerOf(kafka: Kafka, { group, sessionTimeoutMs, assigner }: GroupConsumerOptions): Consumer {
  return kafka.consumer({
    groupId: group,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: MAX_FETCH_WAIT_MS,
    sessionTimeout: sessionTimeoutMs,
    // kafkajs's default heartbeat (3 s) against the session: a third of it, as Kafka's own default.
    heartbeatInterval: Math.min(3000, Math.floor(sessionTimeoutMs / 3)),
    partitionAssigners: [assigner],
  });
}
