'use strict';
// The single-owner assignor: which member of a group consumes the topic, decided alike by any leader.
const { test } = require('uvu');
const assert = require('uvu/assert');
const { AssignerProtocol } = require('kafkajs');
const { ownerOf, singleOwnerAssigner, SINGLE_OWNER_PROTOCOL } = require('../../dist/kafka/single-owner');

const claim = (memberId, startedAt, ownedSince = -1) => ({ memberId, startedAt, ownedSince });

test('with no owner, the member started first consumes; ties go to the smaller member id', () => {
  assert.is(ownerOf([claim('b', 200), claim('a', 300), claim('c', 100)]), 'c');
  assert.is(ownerOf([claim('m2', 100), claim('m1', 100)]), 'm1');
});

test('the member holding the partitions keeps them against an older newcomer', () => {
  assert.is(ownerOf([claim('old', 100), claim('owner', 500, 600)]), 'owner');
});

test('an owner dropped from the group that comes back yields to the member that took over after it', () => {
  assert.is(ownerOf([claim('stale', 100, 150), claim('successor', 400, 900)]), 'successor');
});

test('the order members are listed in does not change the choice', () => {
  const claims = [claim('x', 5, 50), claim('y', 1), claim('z', 3, 70), claim('w', 2, 70)];
  const chosen = ownerOf(claims);
  for (let i = 0; i < 20; i++) assert.is(ownerOf([...claims].sort(() => Math.random() - 0.5)), chosen);
  assert.is(chosen, 'w');
});

test('the assignor gives every partition of every topic to the owner and none to the others', async () => {
  const cluster = { findTopicPartitionMetadata: (topic) => (topic === 't' ? [0, 1, 2, 3] : [0]).map((partitionId) => ({ partitionId })) };
  const memberOf = (memberId, startedAt, ownedSince) => {
    const { metadata, name } = singleOwnerAssigner(() => ({ startedAt, ownedSince }))({ cluster }).protocol({ topics: ['t', 'u'] });
    assert.is(name, SINGLE_OWNER_PROTOCOL);
    return { memberId, memberMetadata: metadata };
  };
  const assigner = singleOwnerAssigner(() => ({ startedAt: 0, ownedSince: -1 }))({ cluster });
  const result = await assigner.assign({ members: [memberOf('new', 900, -1), memberOf('owner', 100, 200)], topics: ['t', 'u'] });
  const byMember = Object.fromEntries(result.map(({ memberId, memberAssignment }) => [memberId, AssignerProtocol.MemberAssignment.decode(memberAssignment).assignment]));
  assert.equal(byMember.owner, { t: [0, 1, 2, 3], u: [0] });
  assert.equal(byMember.new, {});
});

test.run();
