import { statSync } from 'node:fs';
import { FlagError, HELP_FLAG, VERSION_FLAG, integerFlag, stringFlag, type CommandDefinition, type FlagDefinition, type RawFlags } from './flag-parser';
import { KAFKA_CONNECTION_FLAGS, isKafkaConnectionFlag, kafkaConnectionOf } from './kafka-flags';
import { SEED_FLAG, checkInputFile, eventsOf, localSourceOf, refuseSyntheticFlags, topicNameOf } from './source-flags';
import type { KafkaConnection } from '../kafka/connection';
import type { SourceConfig } from '../sources/config';

/** Where the producer puts the events: a Kafka topic, or NDJSON lines in a file or on stdout (`-`). */
export type ProduceTarget =
  | {
      readonly kind: 'kafka';
      readonly connection: KafkaConnection;
      readonly topic: string;
      /** Partitions of the topic when it has to be created. */
      readonly partitions: number;
    }
  | { readonly kind: 'file'; readonly path: string };

/** What `node dist/produce.js` does: fill a topic, a file or stdout from the synthetic generator or a file. */
export interface ProduceConfig {
  readonly target: ProduceTarget;
  readonly source: SourceConfig & { readonly kind: 'synthetic' | 'file' };
  /** At most this many events; the whole file, or endless synthetic events, when absent. */
  readonly events?: number;
}

export const PRODUCE_FLAGS: readonly FlagDefinition[] = [
  { name: 'to', value: 'kafka|file:PATH|-', help: 'the Kafka topic of --topic, or NDJSON lines in a new file or on stdout (-), for --source file:', default: 'kafka' },
  { name: 'topic', value: 'TOPIC', help: 'kafka: topic to fill; created with --partitions if it does not exist' },
  { name: 'source', value: 'SOURCE', help: 'synthetic:dev | synthetic:production | file:PATH (- = stdin)', default: 'synthetic:dev' },
  { name: 'events', value: 'N', help: 'produce N events (default: the whole file; synthetic: until interrupted)' },
  { name: 'rate', value: 'N|max', help: 'synthetic: events per second', default: 'max' },
  SEED_FLAG,
  { name: 'partitions', value: 'N', help: 'kafka: partitions of a topic created here', default: '3' },
  ...KAFKA_CONNECTION_FLAGS,
  HELP_FLAG,
  VERSION_FLAG,
];

export const PRODUCE_COMMAND: CommandDefinition = { name: 'clickstream-produce', flags: PRODUCE_FLAGS };

/** Validates the command line before anything connects or is written; throws FlagError. */
export function produceConfigOf(flags: RawFlags): ProduceConfig {
  const events = eventsOf(flags);
  const config = { target: targetOf(flags), source: sourceOf(flags, events), events };
  checkInputFile(config.source);
  return config;
}

function targetOf(flags: RawFlags): ProduceTarget {
  const to = stringFlag(flags, 'to');
  if (to === 'kafka') {
    return {
      kind: 'kafka',
      connection: kafkaConnectionOf(flags),
      topic: topicNameOf(flags, '--topic is required (or --to file:PATH or --to - for NDJSON)'),
      partitions: integerFlag(flags, 'partitions', 1, 10_000),
    };
  }
  // Flags of Kafka would silently do nothing with a file.
  const kafkaOnly = [...flags.keys()].find((name) => name === 'topic' || name === 'partitions' || isKafkaConnectionFlag(name));
  if (kafkaOnly !== undefined) throw new FlagError(`--${kafkaOnly} applies only to --to kafka`);
  if (to === '-') return { kind: 'file', path: '-' };
  if (to.startsWith('file:') && to.length > 'file:'.length) return { kind: 'file', path: newFile(to.slice('file:'.length)) };
  throw new FlagError(`--to must be kafka, file:PATH or -, not "${to}"`);
}

/** A file with events in it is never replaced: it may be the only copy of a recording. */
function newFile(path: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return path;
  }
  if (size > 0) throw new FlagError(`--to file:${path}: ${path} exists and is not empty; remove it or name another file`);
  return path;
}

function sourceOf(flags: RawFlags, events: number | undefined): ProduceConfig['source'] {
  const source = stringFlag(flags, 'source');
  refuseSyntheticFlags(flags, source, ['rate', 'seed']);
  return localSourceOf(flags, source, { forms: 'synthetic:dev, synthetic:production or file:PATH', events, defaultRate: () => 'max' });
}
