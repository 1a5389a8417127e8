import { FlagError, integerFlag, parseRawFlags, stringFlag, usageOf, type FlagDefinition, type RawFlags } from './flag-parser';
import { KAFKA_CONNECTION_FLAGS, kafkaConnectionOf } from './kafka-flags';
import type { SourceConfig } from './main-flags';
import type { KafkaConnection } from '../kafka/connection';

/** What `node dist/produce.js` does: fill a topic from the synthetic generator or a file (SPEC §5). */
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
  { name: 'source', value: 'SOURCE', help: 'synthetic:dev (default) | synthetic:production | file:PATH (- = stdin)' },
  { name: 'events', value: 'N', help: 'produce N events (default: the whole file; synthetic: until interrupted)' },
  { name: 'rate', value: 'N|max', help: 'synthetic: events per second (default max)' },
  { name: 'seed', value: 'S', help: 'synthetic: random seed; same seed, same events (default 1)' },
  { name: 'partitions', value: 'N', help: 'partitions of a topic created here (default 3)' },
  ...KAFKA_CONNECTION_FLAGS,
  { name: 'help', alias: '-h', value: null, help: 'this text' },
];

export const PRODUCE_USAGE = usageOf('node dist/produce.js', PRODUCE_FLAGS);

export type ProduceCommand = { readonly help: true } | { readonly help: false; readonly config: ProduceConfig };

/** Parses and validates the command line before anything connects; throws FlagError. */
export function parseProduceFlags(argv: readonly string[]): ProduceCommand {
  const flags = parseRawFlags(argv, PRODUCE_FLAGS);
  if (flags.has('help')) return { help: true };
  const topic = flags.get('topic');
  if (typeof topic !== 'string') throw new FlagError('--topic is required');
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) throw new FlagError('--topic must be a Kafka topic name (letters, digits, . _ -)');
  const events = flags.has('events') ? integerFlag(flags, 'events', 1, Number.MAX_SAFE_INTEGER, 0) : undefined;
  return {
    help: false,
    config: {
      connection: kafkaConnectionOf(flags),
      topic,
      partitions: integerFlag(flags, 'partitions', 1, 10_000, 3),
      source: sourceOf(flags, events),
      events,
    },
  };
}

function sourceOf(flags: RawFlags, events: number | undefined): ProduceConfig['source'] {
  const source = stringFlag(flags, 'source', 'synthetic:dev');
  const synthetic = /^synthetic:(dev|production)$/.exec(source);
  if (synthetic !== null) {
    const rate = stringFlag(flags, 'rate', 'max') === 'max' ? 'max' : integerFlag(flags, 'rate', 1, 100_000_000, 1);
    const seed = integerFlag(flags, 'seed', 0, 2 ** 32 - 1, 1);
    return { kind: 'synthetic', profile: synthetic[1] as 'dev' | 'production', rate, events, seed };
  }
  const syntheticOnly = ['rate', 'seed'].find((name) => flags.has(name));
  if (syntheticOnly !== undefined) throw new FlagError(`--${syntheticOnly} applies only to --source synthetic:…`);
  if (source.startsWith('file:') && source.length > 'file:'.length) return { kind: 'file', path: source.slice('file:'.length) };
  throw new FlagError(`--source must be synthetic:dev, synthetic:production or file:PATH, not "${source}"`);
}
