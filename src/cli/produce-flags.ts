import { HELP_FLAG, VERSION_FLAG, integerFlag, stringFlag, type CommandDefinition, type FlagDefinition, type RawFlags } from './flag-parser';
import { KAFKA_CONNECTION_FLAGS, kafkaConnectionOf } from './kafka-flags';
import { SEED_FLAG, eventsOf, localSourceOf, refuseSyntheticFlags, topicNameOf } from './source-flags';
import type { KafkaConnection } from '../kafka/connection';
import type { SourceConfig } from '../sources/config';

/** What `node dist/produce.js` does: fill a topic from the synthetic generator or a file. */
export interface ProduceConfig {
  readonly connection: KafkaConnection;
  readonly topic: string;
  /** Partitions of the topic when it has to be created. */
  readonly partitions: number;
  readonly source: SourceConfig & { readonly kind: 'synthetic' | 'file' };
  /** At most this many events; the whole file, or endless synthetic events, when absent. */
  readonly events?: number;
}

export const PRODUCE_FLAGS: readonly FlagDefinition[] = [
  { name: 'topic', value: 'TOPIC', help: 'topic to fill; created with --partitions if it does not exist' },
  { name: 'source', value: 'SOURCE', help: 'synthetic:dev | synthetic:production | file:PATH (- = stdin)', default: 'synthetic:dev' },
  { name: 'events', value: 'N', help: 'produce N events (default: the whole file; synthetic: until interrupted)' },
  { name: 'rate', value: 'N|max', help: 'synthetic: events per second', default: 'max' },
  SEED_FLAG,
  { name: 'partitions', value: 'N', help: 'partitions of a topic created here', default: '3' },
  ...KAFKA_CONNECTION_FLAGS,
  HELP_FLAG,
  VERSION_FLAG,
];

export const PRODUCE_COMMAND: CommandDefinition = { name: 'clickstream-produce', flags: PRODUCE_FLAGS };

/** Validates the command line before anything connects; throws FlagError. */
export function produceConfigOf(flags: RawFlags): ProduceConfig {
  const topic = topicNameOf(flags, '--topic is required');
  const events = eventsOf(flags);
  return {
    connection: kafkaConnectionOf(flags),
    topic,
    partitions: integerFlag(flags, 'partitions', 1, 10_000),
    source: sourceOf(flags, events),
    events,
  };
}

function sourceOf(flags: RawFlags, events: number | undefined): ProduceConfig['source'] {
  const source = stringFlag(flags, 'source');
  refuseSyntheticFlags(flags, source, ['rate', 'seed']);
  return localSourceOf(flags, source, { forms: 'synthetic:dev, synthetic:production or file:PATH', events, defaultRate: () => 'max' });
}
