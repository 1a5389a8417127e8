import { availableParallelism } from 'node:os';
import { parseDuration } from './duration';
import { CASSANDRA_FLAGS, cassandraConfigOf } from './cassandra-flags';
import { KAFKA_CONNECTION_FLAGS, isKafkaConnectionFlag, kafkaConnectionOf } from './kafka-flags';
import { FlagError, integerFlag, parseRawFlags, stringFlag, type FlagDefinition, type RawFlags } from './flag-parser';
import { createWindowSpec, windowSpecProblem, type WindowSpec } from '../windows/spec';
import { DEFAULT_SQLITE_PATH, type SinkConfig } from '../sinks/config';
import { DEFAULT_DEAD_LETTER_PATH } from '../dead-letters/dead-letters';
import type { Clock } from '../pipeline/pipeline';
import type { KafkaConnection, KafkaSourceConfig } from '../kafka/connection';
import { nominalRate, profileNamed, type ProfileName } from '../sources/synthetic/profiles';

export type SourceConfig =
  | { readonly kind: 'synthetic'; readonly profile: ProfileName; readonly rate: number | 'max'; readonly events?: number; readonly seed: number }
  | { readonly kind: 'file'; readonly path: string }
  | ({ readonly kind: 'kafka' } & KafkaSourceConfig);

/** Dead letters go to a file, or with Kafka optionally to a topic (SPEC §4). */
export type DeadLetterConfig =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'kafka'; readonly topic: string; readonly connection: KafkaConnection };

export interface RunConfig {
  readonly source: SourceConfig;
  readonly sink: SinkConfig;
  readonly spec: WindowSpec;
  readonly clock: Clock;
  readonly latenessMs: number;
  readonly idleTimeoutMs: number;
  readonly threads: number;
  readonly deadLetters: DeadLetterConfig;
}

export const MAIN_FLAGS: readonly FlagDefinition[] = [
  { name: 'source', value: 'SOURCE', help: 'synthetic:dev (default) | synthetic:production | file:PATH (- = stdin) | kafka' },
  { name: 'sink', value: 'SINK', help: `sqlite:PATH (default sqlite:${DEFAULT_SQLITE_PATH}) | cassandra | jsonl:PATH (- = stdout) | none` },
  { name: 'batch', value: 'DURATION', help: 'batch interval (default 5s); durations like 500ms, 5s, 2m, 1h' },
  { name: 'window', value: 'DURATION', help: 'window length, a multiple of --batch (default 2m)' },
  { name: 'slide', value: 'DURATION', help: 'slide interval, a multiple of --batch, at most --window (default 1m)' },
  { name: 'clock', value: 'wall|event', help: 'window by arrival time (wall, default) or by event timestamp (event)' },
  { name: 'lateness', value: 'DURATION', help: 'event clock: allowed disorder behind the newest event (default 10s)' },
  { name: 'idle-timeout', value: 'DURATION', help: 'event clock: a partition silent this long stops holding the watermark (default 30s)' },
  { name: 'threads', value: 'N', help: 'aggregation worker threads (default: cores - 1, at least 1)' },
  { name: 'rate', value: 'N|max', help: 'synthetic: events per second (default: the profile\'s nominal rate)' },
  { name: 'events', value: 'N', help: 'synthetic: stop after N events (then every open window is emitted)' },
  { name: 'seed', value: 'S', help: 'synthetic: random seed; same seed, same events (default 1)' },
  { name: 'dead-letter', value: 'PATH', help: `rejected messages as JSON lines (default ${DEFAULT_DEAD_LETTER_PATH}); kafka:TOPIC with Kafka` },
  { name: 'topic', value: 'TOPIC', help: 'kafka: topic to consume, e.g. dev-stream or production' },
  { name: 'group', value: 'GROUP', help: 'kafka: consumer group (default clickstream)' },
  { name: 'from-beginning', value: null, help: 'kafka: a new group starts at the earliest offset (default: latest)' },
  { name: 'stop-at-end', value: null, help: 'kafka: stop at the end offsets of the start, emit all windows, commit, exit 0' },
  ...KAFKA_CONNECTION_FLAGS,
  ...CASSANDRA_FLAGS,
  { name: 'help', alias: '-h', value: null, help: 'this text' },
];

export type MainCommand = { readonly help: true } | { readonly help: false; readonly config: RunConfig };

/** Parses and validates the whole command line before anything starts; throws FlagError. */
export function parseMainFlags(argv: readonly string[]): MainCommand {
  const flags = parseRawFlags(argv, MAIN_FLAGS);
  if (flags.has('help')) return { help: true };
  const spec = windowSpecOf(flags);
  const clock = stringFlag(flags, 'clock', 'wall');
  if (clock !== 'wall' && clock !== 'event') throw new FlagError(`--clock must be wall or event, not "${clock}"`);
  const source = sourceOf(flags);
  return {
    help: false,
    config: {
      source,
      sink: sinkOf(flags),
      spec,
      clock,
      latenessMs: durationFlag(flags, 'lateness', '10s', 0),
      idleTimeoutMs: durationFlag(flags, 'idle-timeout', '30s', 1),
      threads: integerFlag(flags, 'threads', 1, 256, Math.max(1, availableParallelism() - 1)),
      deadLetters: deadLettersOf(flags, source),
    },
  };
}

function durationFlag(flags: RawFlags, name: string, fallback: string, min: number): number {
  const text = stringFlag(flags, name, fallback);
  const ms = parseDuration(text);
  if (!(ms >= min)) throw new FlagError(`--${name} must be a duration like 500ms, 5s, 2m or 1h, not "${text}"`);
  return ms;
}

function windowSpecOf(flags: RawFlags): WindowSpec {
  const batch = durationFlag(flags, 'batch', '5s', 1);
  const window = durationFlag(flags, 'window', '2m', 1);
  const slide = durationFlag(flags, 'slide', '1m', 1);
  const problem = windowSpecProblem(batch, window, slide);
  if (problem !== null) throw new FlagError(problem);
  return createWindowSpec(batch, window, slide);
}

function sourceOf(flags: RawFlags): SourceConfig {
  const source = stringFlag(flags, 'source', 'synthetic:dev');
  const synthetic = /^synthetic:(dev|production)$/.exec(source);
  // A flag of another source is a mistake worth stopping for: it would silently do nothing.
  const syntheticOnly = ['rate', 'events', 'seed'].filter((name) => flags.has(name));
  if (synthetic === null && syntheticOnly.length > 0) throw new FlagError(`--${syntheticOnly[0]} applies only to --source synthetic:…`);
  if (source === 'kafka') return kafkaSourceOf(flags);
  const kafkaOnly = [...flags.keys()].filter((name) => KAFKA_SOURCE_FLAGS.includes(name) || isKafkaConnectionFlag(name));
  if (kafkaOnly.length > 0) throw new FlagError(`--${kafkaOnly[0]} applies only to --source kafka`);
  if (synthetic !== null) {
    const profile = synthetic[1] as ProfileName;
    const nominal = nominalRate(profileNamed(profile));
    const rate = flags.get('rate') === 'max' ? 'max' : integerFlag(flags, 'rate', 1, 100_000_000, nominal);
    const events = flags.has('events') ? integerFlag(flags, 'events', 1, Number.MAX_SAFE_INTEGER, 0) : undefined;
    return { kind: 'synthetic', profile, rate, events, seed: integerFlag(flags, 'seed', 0, 2 ** 32 - 1, 1) };
  }
  if (source.startsWith('file:') && source.length > 5) return { kind: 'file', path: source.slice(5) };
  throw new FlagError(`--source must be synthetic:dev, synthetic:production, file:PATH or kafka, not "${source}"`);
}

const KAFKA_SOURCE_FLAGS = ['topic', 'group', 'from-beginning', 'stop-at-end'];

function kafkaSourceOf(flags: RawFlags): SourceConfig {
  const topic = flags.get('topic');
  if (typeof topic !== 'string') throw new FlagError('--source kafka needs --topic');
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) throw new FlagError('--topic must be a Kafka topic name (letters, digits, . _ -)');
  return {
    kind: 'kafka',
    connection: kafkaConnectionOf(flags),
    topic,
    group: stringFlag(flags, 'group', 'clickstream'),
    fromBeginning: flags.has('from-beginning'),
    stopAtEnd: flags.has('stop-at-end'),
  };
}

function deadLettersOf(flags: RawFlags, source: SourceConfig): DeadLetterConfig {
  const target = stringFlag(flags, 'dead-letter', DEFAULT_DEAD_LETTER_PATH);
  if (!target.startsWith('kafka:')) return { kind: 'file', path: target };
  if (source.kind !== 'kafka') throw new FlagError('--dead-letter kafka:TOPIC needs --source kafka');
  const topic = target.slice('kafka:'.length);
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) throw new FlagError('--dead-letter kafka:TOPIC needs a Kafka topic name');
  return { kind: 'kafka', topic, connection: source.connection };
}

function sinkOf(flags: RawFlags): SinkConfig {
  const sink = stringFlag(flags, 'sink', `sqlite:${DEFAULT_SQLITE_PATH}`);
  const usesCassandra = CASSANDRA_FLAGS.some((flag) => flags.has(flag.name));
  if (sink !== 'cassandra' && usesCassandra) throw new FlagError('the Cassandra flags apply only to --sink cassandra');
  if (sink === 'none') return { kind: 'none' };
  if (sink === 'cassandra') return { kind: 'cassandra', cassandra: cassandraConfigOf(flags) };
  const [kind, ...rest] = sink.split(':');
  const path = rest.join(':');
  if ((kind === 'sqlite' || kind === 'jsonl') && path !== '') return { kind, path };
  throw new FlagError(`--sink must be sqlite:PATH, cassandra, jsonl:PATH or none, not "${sink}"`);
}
