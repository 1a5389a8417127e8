import { availableParallelism } from 'node:os';
import { parseDuration } from './duration';
import { CASSANDRA_FLAGS, cassandraConfigOf } from './cassandra-flags';
import { KAFKA_CONNECTION_FLAGS, isKafkaConnectionFlag, kafkaConnectionOf } from './kafka-flags';
import { FlagError, integerFlag, parseRawFlags, stringFlag, type FlagDefinition, type RawFlags } from './flag-parser';
import { SEED_FLAG, eventsOf, isTopicName, localSourceOf, topicNameOf } from './source-flags';
import { batchIntervalProblem, type PipelineConfig } from '../pipeline/config';
import type { ClockConfig } from '../pipeline/clock';
import type { DeadLetterConfig } from '../dead-letters/dead-letters';
import { DEFAULT_DEAD_LETTER_PATH } from '../dead-letters/file-dead-letters';
import type { SinkConfig } from '../sinks/config';
import type { SourceConfig } from '../sources/config';
import { nominalRate, profileNamed } from '../sources/synthetic/profiles';
import { DEFAULT_SQLITE_PATH } from '../stores/sqlite/schema';
import { createWindowSpec, windowSpecProblem, type WindowSpec } from '../windows/spec';

export const MAIN_FLAGS: readonly FlagDefinition[] = [
  { name: 'source', value: 'SOURCE', help: 'synthetic:dev | synthetic:production | file:PATH (- = stdin) | kafka', default: 'synthetic:dev' },
  { name: 'sink', value: 'SINK', help: 'sqlite:PATH | cassandra | jsonl:PATH (- = stdout) | none', default: `sqlite:${DEFAULT_SQLITE_PATH}` },
  { name: 'batch', value: 'DURATION', help: 'batch interval; durations like 500ms, 5s, 2m, 1h', default: '5s' },
  { name: 'window', value: 'DURATION', help: 'window length, a multiple of --batch', default: '2m' },
  { name: 'slide', value: 'DURATION', help: 'slide interval, a multiple of --batch, at most --window', default: '1m' },
  { name: 'clock', value: 'wall|event', help: 'window by arrival time (wall) or by event timestamp (event)', default: 'wall' },
  { name: 'lateness', value: 'DURATION', help: 'event clock: allowed disorder behind the newest event', default: '10s' },
  { name: 'idle-timeout', value: 'DURATION', help: 'event clock: a partition silent this long stops holding the watermark', default: '30s' },
  { name: 'threads', value: 'N', help: 'aggregation worker threads (default: cores - 1, at least 1)' },
  { name: 'rate', value: 'N|max', help: 'synthetic: events per second (default: the profile\'s nominal rate)' },
  { name: 'events', value: 'N', help: 'synthetic: stop after N events (then every open window is emitted)' },
  SEED_FLAG,
  { name: 'dead-letter', value: 'PATH', help: 'rejected messages as JSON lines; kafka:TOPIC with Kafka', default: DEFAULT_DEAD_LETTER_PATH },
  { name: 'topic', value: 'TOPIC', help: 'kafka: topic to consume, e.g. dev-stream or production' },
  { name: 'group', value: 'GROUP', help: 'kafka: consumer group', default: 'clickstream' },
  { name: 'from-beginning', value: null, help: 'kafka: a new group starts at the earliest offset (default: latest)' },
  { name: 'stop-at-end', value: null, help: 'kafka: stop at the end offsets of the start, emit all windows, commit, exit 0' },
  ...KAFKA_CONNECTION_FLAGS,
  ...CASSANDRA_FLAGS,
  { name: 'help', alias: '-h', value: null, help: 'this text' },
];

export type MainCommand = { readonly help: true } | { readonly help: false; readonly config: PipelineConfig };

/** Parses and validates the whole command line before anything starts; throws FlagError. */
export function parseMainFlags(argv: readonly string[]): MainCommand {
  const flags = parseRawFlags(argv, MAIN_FLAGS);
  if (flags.has('help')) return { help: true };
  const batchMs = durationFlag(flags, 'batch', 1);
  const windows = windowSpecOf(flags, batchMs);
  const clock = clockOf(flags);
  const source = sourceOf(flags);
  return {
    help: false,
    config: {
      source,
      sink: sinkOf(flags),
      windows,
      batchMs,
      clock,
      threads: integerFlag(flags, 'threads', 1, 256, Math.max(1, availableParallelism() - 1)),
      deadLetters: deadLettersOf(flags, source),
    },
  };
}

function durationFlag(flags: RawFlags, name: string, min: number): number {
  const text = stringFlag(flags, name);
  const ms = parseDuration(text);
  if (!(ms >= min)) throw new FlagError(`--${name} must be a duration like 500ms, 5s, 2m or 1h, not "${text}"`);
  return ms;
}

function windowSpecOf(flags: RawFlags, batchMs: number): WindowSpec {
  const window = durationFlag(flags, 'window', 1);
  const slide = durationFlag(flags, 'slide', 1);
  const problem = batchIntervalProblem(batchMs, window, slide) ?? windowSpecProblem(window, slide);
  if (problem !== null) throw new FlagError(problem);
  return createWindowSpec(window, slide, durationFlag(flags, 'lateness', 0));
}

function clockOf(flags: RawFlags): ClockConfig {
  const clock = stringFlag(flags, 'clock');
  if (clock !== 'wall' && clock !== 'event') throw new FlagError(`--clock must be wall or event, not "${clock}"`);
  const idleTimeoutMs = durationFlag(flags, 'idle-timeout', 1);
  return clock === 'wall' ? { kind: 'wall' } : { kind: 'event', idleTimeoutMs };
}

const KAFKA_SOURCE_FLAGS = ['topic', 'group', 'from-beginning', 'stop-at-end'];

function sourceOf(flags: RawFlags): SourceConfig {
  const source = stringFlag(flags, 'source');
  // A flag of another source is a mistake worth stopping for: it would silently do nothing.
  const syntheticOnly = ['rate', 'events', 'seed'].find((name) => flags.has(name));
  if (!/^synthetic:(dev|production)$/.test(source) && syntheticOnly !== undefined) {
    throw new FlagError(`--${syntheticOnly} applies only to --source synthetic:…`);
  }
  if (source === 'kafka') return kafkaSourceOf(flags);
  const kafkaOnly = [...flags.keys()].filter((name) => KAFKA_SOURCE_FLAGS.includes(name) || isKafkaConnectionFlag(name));
  if (kafkaOnly.length > 0) throw new FlagError(`--${kafkaOnly[0]} applies only to --source kafka`);
  return localSourceOf(flags, source, {
    forms: 'synthetic:dev, synthetic:production, file:PATH or kafka',
    events: eventsOf(flags),
    defaultRate: (profile) => nominalRate(profileNamed(profile)),
  });
}

function kafkaSourceOf(flags: RawFlags): SourceConfig {
  return {
    kind: 'kafka',
    connection: kafkaConnectionOf(flags),
    topic: topicNameOf(flags, '--source kafka needs --topic'),
    group: stringFlag(flags, 'group'),
    fromBeginning: flags.has('from-beginning'),
    stopAtEnd: flags.has('stop-at-end'),
  };
}

function deadLettersOf(flags: RawFlags, source: SourceConfig): DeadLetterConfig {
  const target = stringFlag(flags, 'dead-letter');
  if (!target.startsWith('kafka:')) return { kind: 'file', path: target };
  if (source.kind !== 'kafka') throw new FlagError('--dead-letter kafka:TOPIC needs --source kafka');
  const topic = target.slice('kafka:'.length);
  if (!isTopicName(topic)) throw new FlagError('--dead-letter kafka:TOPIC needs a Kafka topic name');
  return { kind: 'kafka', topic, connection: source.connection };
}

function sinkOf(flags: RawFlags): SinkConfig {
  const sink = stringFlag(flags, 'sink');
  const usesCassandra = CASSANDRA_FLAGS.some((flag) => flags.has(flag.name));
  if (sink !== 'cassandra' && usesCassandra) throw new FlagError('the Cassandra flags apply only to --sink cassandra');
  if (sink === 'none') return { kind: 'none' };
  if (sink === 'cassandra') return { kind: 'cassandra', cassandra: cassandraConfigOf(flags) };
  const [kind, ...rest] = sink.split(':');
  const path = rest.join(':');
  if ((kind === 'sqlite' || kind === 'jsonl') && path !== '') return { kind, path };
  throw new FlagError(`--sink must be sqlite:PATH, cassandra, jsonl:PATH or none, not "${sink}"`);
}
