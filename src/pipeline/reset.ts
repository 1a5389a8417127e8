import { kafkaClientOf } from '../kafka/client';
import { liveMembersOf, partitionCountOf, rewindGroup } from '../kafka/group-rewind';
import { describeSink } from '../sinks/config';
import { createSink } from '../sinks/create-sink';
import { describeIdentity } from '../sinks/identity';
import { StoreRefusal } from '../sinks/refusal';
import { kafkaJobOf } from '../sources/config';
import type { PipelineConfig } from './config';

/**
 * --reset: the one way to give a store another job, or to rebuild its windows. Clears the store's
 * tables and progress and records this run's job in it; for a Kafka job, moves the group back to the
 * earliest offsets, so the next run with the same flags rebuilds every window. Says what it is about
 * to remove, then what it removed. Refused (exit 1) while the group has live members or another
 * process writes the store.
 */
export async function resetJob(config: PipelineConfig, log: (line: string) => void): Promise<void> {
  const sink = createSink(config.sink, config.identity);
  const store = describeSink(config.sink);
  const { source } = config;
  log(`reset: ${store} is to hold ${describeIdentity(config.identity)}`);
  if (source.kind !== 'kafka') {
    log(`reset: removing every window and all progress of ${store}`);
    for (const line of await sink.reset(null, 0, async () => undefined)) log(`reset: ${line}`);
    return;
  }
  const admin = kafkaClientOf(source.connection, 'clickstream-reset').admin();
  await admin.connect();
  try {
    const members = await liveMembersOf(admin, source.group);
    if (members.length > 0) {
      throw new StoreRefusal(
        `Kafka group ${source.group} has live members (${members.join('; ')}): stop every instance of the job before --reset`,
        1,
      );
    }
    log(`reset: removing every window and all progress of ${store}, and moving Kafka group ${source.group} back to the earliest offsets of ${source.topic}`);
    const partitions = await partitionCountOf(admin, source.topic);
    const rewind = async () => log(`reset: ${await rewindGroup(admin, source.group, source.topic)}`);
    for (const line of await sink.reset(kafkaJobOf(source), partitions, rewind)) log(`reset: ${line}`);
  } finally {
    await admin.disconnect();
  }
}
