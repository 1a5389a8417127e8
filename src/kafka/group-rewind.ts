import type { Admin } from 'kafkajs';

/**
 * --reset's part in Kafka: refuses a group with live members (their offsets would be committed over
 * the rewind), then moves the group's committed offsets on the topic to each partition's earliest
 * (its log start offset), so the job's next run reads everything the broker still holds.
 */

/** The group's live members, by client id and host, as the broker knows them (none for an empty or unknown group). */
export async function liveMembersOf(admin: Admin, group: string): Promise<string[]> {
  const [described] = (await admin.describeGroups([group])).groups;
  return (described?.members ?? []).map((member) => `${member.clientId} on ${member.clientHost.replace(/^\//, '')}`);
}

/** The topic's partition count, or 0 when it does not exist (yet). */
export async function partitionCountOf(admin: Admin, topic: string): Promise<number> {
  if (!(await admin.listTopics()).includes(topic)) return 0;
  return (await admin.fetchTopicOffsets(topic)).length;
}

/** Moves the group's offsets on `topic` to the earliest; returns what it did, in words. */
export async function rewindGroup(admin: Admin, group: string, topic: string): Promise<string> {
  if (!(await admin.listTopics()).includes(topic)) return `Kafka group ${group}: topic ${topic} does not exist yet, nothing to move`;
  const offsets = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
  await admin.setOffsets({ groupId: group, topic, partitions: offsets.map(({ partition, low }) => ({ partition, offset: low })) });
  const earliest = offsets.map(({ partition, low }) => `${partition}:${low}`).join(', ');
  return `Kafka group ${group}: offsets on ${topic} moved back to the earliest (partition:offset ${earliest})`;
}
