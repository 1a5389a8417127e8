'use strict';
// Partition scopes (src/sinks/sink.ts) for tests that drive a sink directly, as the writer thread does.

/** One instance owning the one partition of an input whose progress is not kept (a file, the generator). */
const WHOLE = Object.freeze({ job: null, partitionCount: 1, owned: [0], delivered: new Map() });

/** Job `job` (a Kafka `group/topic`) owning every one of `partitions` partitions, nothing delivered before. */
function jobScope(job, partitions = 1) {
  return { job, partitionCount: partitions, owned: Array.from({ length: partitions }, (_, p) => p), delivered: new Map() };
}

/** Through where every partition of the job the sink recorded is delivered (-Infinity when none is recorded). */
async function deliveredThrough(sink, job) {
  const states = [...(await sink.readPartitions(job)).values()];
  return states.length === 0 ? -Infinity : Math.min(...states.map((state) => state.delivered));
}

/** The job tests' sinks write for: a Kafka job's, so that several sinks of one test may share a keyspace as its instances. */
const TEST_IDENTITY = Object.freeze({ input: 'kafka:test', group: 'test', clock: 'event', windowMs: 120_000, slideMs: 60_000 });

module.exports = { WHOLE, jobScope, deliveredThrough, TEST_IDENTITY };
