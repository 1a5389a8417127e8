'use strict';
// The partitioned assignor: how a group's members share a topic's partitions, decided alike by any leader.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { AssignerProtocol } = require('kafkajs');
const { dealPartitions, partitionedAssigner, PARTITIONED_PROTOCOL } = require('../../dist/kafka/partitioned-assignor');

const range = (n) => Array.from({ length: n }, (_, i) => i);
const shuffled = (list) => [...list].sort(() => Math.random() - 0.5);

test('every partition goes to exactly one member, and counts differ by at most one', () => {
  for (let members = 1; members <= 9; members++) {
    for (let partitions = 0; partitions <= 12; partitions++) {
      const dealt = dealPartitions(range(members).map((i) => `m${i}`), range(partitions));
      assert.is(dealt.size, members);
      const all = [...dealt.values()].flat().sort((a, b) => a - b);
      assert.equal(all, range(partitions), `${members} members, ${partitions} partitions`);
      const counts = [...dealt.values()].map((list) => list.length);
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `balanced: ${counts}`);
    }
  }
});

test('dealt round-robin in member-id order, whatever order members and partitions come in', () => {
  const expected = { a: [0, 3, 6], b: [1, 4], c: [2, 5] };
  for (let i = 0; i < 20; i++) {
    assert.equal(Object.fromEntries(dealPartitions(shuffled(['c', 'a', 'b']), shuffled(range(7)))), expected);
  }
});

test('members beyond the partition count get none', () => {
  const dealt = dealPartitions(['m4', 'm1', 'm3', 'm2', 'm5'], [0, 1, 2]);
  assert.equal(Object.fromEntries(dealt), { m1: [0], m2: [1], m3: [2], m4: [], m5: [] });
});

test('the assignor deals each topic over all members under its own protocol name (no entry for a topic a member gets none of)', async () => {
  const cluster = { findTopicPartitionMetadata: (topic) => range(topic === 't' ? 5 : 1).map((partitionId) => ({ partitionId })) };
  const assigner = partitionedAssigner()({ cluster });
  assert.is(assigner.name, PARTITIONED_PROTOCOL);
  assert.is(PARTITIONED_PROTOCOL, 'clickstream-partitioned-1');
  const { name, metadata } = assigner.protocol({ topics: ['t', 'u'] });
  assert.is(name, PARTITIONED_PROTOCOL);
  assert.equal(AssignerProtocol.MemberMetadata.decode(metadata).topics, ['t', 'u']);
  const members = ['y', 'x'].map((memberId) => ({ memberId, memberMetadata: metadata }));
  const result = await assigner.assign({ members, topics: ['t', 'u'] });
  const byMember = Object.fromEntries(result.map(({ memberId, memberAssignment }) => [memberId, AssignerProtocol.MemberAssignment.decode(memberAssignment).assignment]));
  assert.equal(byMember, { x: { t: [0, 2, 4], u: [0] }, y: { t: [1, 3] } });
});

test.run();
