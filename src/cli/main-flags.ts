import { availableParallelism } from 'node:os';
import { parseDuration } from '../windows/duration';
import { CASSANDRA_FLAGS, cassandraConfigOf } from './cassandra-flags';
import { KAFKA_CONNECTION_FLAGS, isKafkaConnectionFlag, kafkaConnectionOf } from './kafka-flags';
import {
  FlagError,
  HELP_FLAG,
  VERSION_FLAG,
  envNameOf,
  integerFlag,
  naming,
  stringFlag,
  type CommandDefinition,
  type FlagDefinition,
  type RawFlags,
} from './flag-parser';
import { HTTP_FLAGS, httpOptionsOf } from './http-flags';
import type { HttpOptions } from '../http/options';
import { LOG_FORMAT_FLAG, logFormatOf, type LogFormat } from './display';
import { SEED_FLAG, checkInputFile, eventsOf, isTopicName, localSourceOf, refuseSyntheticFlags, topicNameOf } from './source-flags';
import { batchIntervalProblem, type PipelineConfig } from '../pipeline/config';
import { jobIdentityOf } from '../pipeline/job-identity';
import type { ClockConfig } from '../windows/clock';
import type { DeadLetterConfig } from '../dead-letters/dead-letters';
import { DEFAULT_DEAD_LETTER_PATH } from '../dead-letters/file-dead-letters';
import type { SinkConfig } from '../sinks/config';
import { jsonlFileStateOf, jsonlOpeningOf, type IfExists, type JsonlFileState } from '../sinks/jsonl/opening';
import { readProgressFile } from '../sinks/jsonl/progress-file';
import type { JobIdentity } from '../sinks/identity';
import type { RepartitionConfig, SourceConfig } from '../sources/config';
import { nominalRate, profileNamed } from '../sources/synthetic/profiles';
import { DEFAULT_SQLITE_PATH } from '../sinks/sqlite/schema';
import { createWindowSpec, windowSpecProblem, type WindowSpec } from '../windows/spec';

/** What `--clock` is when not given: a recorded file's arrival times mean nothing. */
const CLOCK_DEFAULTS = 'event for file sources, wall for kafka and synthetic';

export const MAIN_FLAGS: readonly FlagDefinition[] = [
  { name: 'source', value: 'SOURCE', help: 'synthetic:dev | synthetic:production | file:PATH (- = stdin) | kafka', default: 'synthetic:dev' },
  { name: 'sink', value: 'SINK', help: 'sqlite:PATH | cassandra | jsonl:PATH (- = stdout) | none', default: `sqlite:${DEFAULT_SQLITE_PATH}` },
  { name: 'if-exists', value: 'append|overwrite', help: 'jsonl:PATH: what to do with a file that is not empty (default: refuse to start)' },
  { name: 'batch', value: 'DURATION', help: 'batch interval; durations like 500ms, 5s, 2m, 1h', default: '5s' },
  { name: 'window', value: 'DURATION', help: 'window length, a multiple of --batch', default: '2m' },
  { name: 'slide', value: 'DURATION', help: 'slide interval, a multiple of --batch, at most --window', default: '1m' },
  { name: 'clock', value: 'wall|event', help: `window by arrival time (wall) or by event timestamp (event) (default: ${CLOCK_DEFAULTS})` },
  { name: 'lateness', value: 'DURATION', help: 'event clock: allowed disorder behind the newest event', default: '10s' },
  { name: 'idle-timeout', value: 'DURATION', help: 'kafka, event clock: a partition silent this long stops holding the watermark', default: '30s' },
  { name: 'threads', value: 'N', help: 'aggregation worker threads (default: cores - 1, at least 1)' },
  { name: 'rate', value: 'N|max', help: 'synthetic: events per second (default: the profile\'s nominal rate)' },
  { name: 'events', value: 'N', help: 'synthetic: stop after N events (then every open window is emitted)' },
  SEED_FLAG,
  { name: 'dead-letter', value: 'PATH', help: 'rejected messages as JSON lines (appended); - = stderr; kafka:TOPIC with Kafka', default: DEFAULT_DEAD_LETTER_PATH },
  { name: 'topic', value: 'TOPIC', help: 'kafka: topic to consume, e.g. dev-stream or production' },
  { name: 'group', value: 'GROUP', help: 'kafka: consumer group', default: 'clickstream' },
  { name: 'from-beginning', value: null, help: 'kafka: a new group starts at the earliest offset (default: latest)' },
  { name: 'stop-at-end', value: null, help: 'kafka: stop at the end offsets of the start, emit all windows, commit, exit 0' },
  {
    name: 'repartition',
    value: null,
    help: 'kafka: for a topic not keyed by client_id: re-key it (exactly once) into <group>-<topic>-repartition, which the job reads',
  },
  {
    name: 'reset',
    value: null,
    help: 'clear the store (every window, all progress) so it holds this job, move a Kafka group back to its earliest offsets, and exit; nothing is removed without it',
  },
  { name: 'session-timeout', value: 'DURATION', help: 'kafka: a silent instance loses its partitions to the others after this', default: '30s' },
  ...KAFKA_CONNECTION_FLAGS,
  ...CASSANDRA_FLAGS,
  ...HTTP_FLAGS,
  LOG_FORMAT_FLAG,
  HELP_FLAG,
  VERSION_FLAG,
];

export const MAIN_COMMAND: CommandDefinition = {
  name: 'clickstream',
  flags: MAIN_FLAGS,
  about: `Exit status: 0 done (also after SIGINT/SIGTERM); 1 failed; 2 refused before anything started (a bad
command line, a store that holds another job or lacks this group's progress, a --sink jsonl:PATH file
with rows in it and no --if-exists); 141 the reader of standard output (jsonl:-) went away, as in
| head, and the job stopped.
`,
};

export interface MainCommand {
  readonly config: PipelineConfig;
  /** --repartition: the re-keying stage in front of the job, whose source then reads its internal topic. */
  readonly repartition: RepartitionConfig | null;
  /** Which clock is in force and why, for the start line: e.g. `event clock (default for file sources)`. */
  readonly clockNote: string;
  readonly http: HttpOptions | null;
  readonly logFormat: LogFormat | null;
  /** --reset: clear the store and rewind the group for this job, instead of running it. */
  readonly reset: boolean;
}

/** Validates the whole command line before anything starts; throws FlagError. */
export function mainCommandOf(flags: RawFlags): MainCommand {
  const batchMs = durationFlag(flags, 'batch', 1);
  const sink = sinkOf(flags);
  const { source, repartition } = repartitionOf(flags, sourceOf(flags, sink));
  const { clock, note } = clockOf(flags, source);
  const windows = windowSpecOf(flags, batchMs, clock);
  const identity = jobIdentityOf(source, clock, windows, repartition?.input.topic ?? null);
  const command: MainCommand = {
    config: {
      source,
      sink: openedSink(flags, sink, identity),
      windows,
      batchMs,
      clock,
      threads: integerFlag(flags, 'threads', 1, 256, Math.max(1, availableParallelism() - 1)),
      deadLetters: deadLettersOf(flags, source),
      identity,
    },
    repartition,
    clockNote: note,
    http: httpOptionsOf(flags),
    logFormat: logFormatOf(flags),
    reset: resetOf(flags),
  };
  checkInputFile(source);
  return command;
}

/** Removing a store's windows takes the flag spelled out on the command line: a variable left set would clear the store at every start. */
function resetOf(flags: RawFlags): boolean {
  if (flags.fromEnvironment.has('reset')) throw new FlagError(`--reset is taken from the command line only, not from ${envNameOf('reset')}`);
  return flags.has('reset');
}

function durationFlag(flags: RawFlags, name: string, min: number): number {
  const text = stringFlag(flags, name);
  const ms = parseDuration(text);
  if (ms === 0 && min > 0) throw new FlagError(naming(flags, `--${name} must be positive, not ${text}`));
  if (!(ms >= min)) throw new FlagError(`--${name} must be a duration like 500ms, 5s, 2m or 1h, not "${text}"`);
  return ms;
}

function windowSpecOf(flags: RawFlags, batchMs: number, clock: ClockConfig): WindowSpec {
  const window = durationFlag(flags, 'window', 1);
  const slide = durationFlag(flags, 'slide', 1);
  const problem = batchIntervalProblem(batchMs, window, slide) ?? windowSpecProblem(window, slide);
  if (problem !== null) throw new FlagError(naming(flags, problem));
  // Lateness is the event clock's grace; the wall clock has none.
  return createWindowSpec(window, slide, clock.kind === 'event' ? durationFlag(flags, 'lateness', 0) : 0);
}

/** The clock, by default event for a file (its arrival times mean nothing) and wall otherwise. */
function clockOf(flags: RawFlags, source: SourceConfig): { clock: ClockConfig; note: string } {
  const given = flags.get('clock');
  const clock = typeof given === 'string' ? given : source.kind === 'file' ? 'event' : 'wall';
  if (clock !== 'wall' && clock !== 'event') throw new FlagError(`--clock must be wall or event, not "${clock}"`);
  const why = typeof given === 'string'
    ? flags.fromEnvironment.has('clock') ? envNameOf('clock') : '--clock'
    : `default for ${source.kind === 'file' ? 'file' : source.kind} sources`;
  const note = `${clock} clock (${why})`;
  // Flags that would silently do nothing with this clock or source are refused, like --rate with a file.
  if (clock === 'wall') {
    const eventOnly = ['lateness', 'idle-timeout'].find((name) => flags.has(name));
    if (eventOnly !== undefined) throw new FlagError(`--${eventOnly} applies only to --clock event (in force: ${note})`);
    return { clock: { kind: 'wall' }, note };
  }
  if (source.kind !== 'kafka' && flags.has('idle-timeout')) {
    throw new FlagError('--idle-timeout applies only to --source kafka: a source of one partition never waits for another');
  }
  return { clock: { kind: 'event', idleTimeoutMs: durationFlag(flags, 'idle-timeout', 1) }, note };
}

const KAFKA_SOURCE_FLAGS = ['topic', 'group', 'from-beginning', 'stop-at-end', 'repartition', 'session-timeout'];

function sourceOf(flags: RawFlags, sink: SinkConfig): SourceConfig {
  const source = stringFlag(flags, 'source');
  // A flag of another source is a mistake worth stopping for: it would silently do nothing.
  refuseSyntheticFlags(flags, source, ['rate', 'events', 'seed']);
  if (source === 'kafka') return kafkaSourceOf(flags, sink);
  const kafkaOnly = [...flags.keys()].filter((name) => KAFKA_SOURCE_FLAGS.includes(name) || isKafkaConnectionFlag(name));
  if (kafkaOnly.length > 0) throw new FlagError(`--${kafkaOnly[0]} applies only to --source kafka`);
  return localSourceOf(flags, source, {
    forms: 'synthetic:dev, synthetic:production, file:PATH or kafka',
    events: eventsOf(flags),
    defaultRate: (profile) => nominalRate(profileNamed(profile)),
  });
}

/** Instances share a group's partitions only where their shares can be merged: in Cassandra. */
function kafkaSourceOf(flags: RawFlags, sink: SinkConfig): SourceConfig {
  return {
    kind: 'kafka',
    connection: kafkaConnectionOf(flags),
    topic: topicNameOf(flags, '--source kafka needs --topic'),
    group: stringFlag(flags, 'group'),
    fromBeginning: flags.has('from-beginning'),
    stopAtEnd: flags.has('stop-at-end'),
    shared: sink.kind === 'cassandra',
    sessionTimeoutMs: sessionTimeoutOf(flags),
  };
}

/**
 * --repartition: the job reads the internal topic the re-keying stage writes, from its beginning (the
 * topic is the job's own; a new group would otherwise start at its end, after what was re-keyed).
 * Other sources have refused the flag already.
 */
function repartitionOf(flags: RawFlags, source: SourceConfig): { source: SourceConfig; repartition: RepartitionConfig | null } {
  if (source.kind !== 'kafka' || !flags.has('repartition')) return { source, repartition: null };
  const { connection, topic, group, fromBeginning, stopAtEnd, sessionTimeoutMs } = source;
  const internal = `${group}-${topic}-repartition`;
  if (!isTopicName(internal)) {
    throw new FlagError(`--repartition writes to the topic <group>-<topic>-repartition, and "${internal}" is no Kafka topic name: give a --group of letters, digits, . _ -`);
  }
  return {
    source: { ...source, topic: internal, fromBeginning: true },
    repartition: { input: { connection, topic, group, fromBeginning, stopAtEnd, sessionTimeoutMs }, topic: internal },
  };
}

/** Kafka brokers refuse sessions shorter than group.min.session.timeout.ms, 6 s by default. */
function sessionTimeoutOf(flags: RawFlags): number {
  const ms = durationFlag(flags, 'session-timeout', 1);
  if (ms < 6000) throw new FlagError('--session-timeout must be at least 6s (Kafka\'s group.min.session.timeout.ms by default)');
  return ms;
}

function deadLettersOf(flags: RawFlags, source: SourceConfig): DeadLetterConfig {
  const target = stringFlag(flags, 'dead-letter');
  if (target === '-') return { kind: 'stderr' };
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
  const [kind, ...rest] = sink.split(':');
  const path = rest.join(':');
  const isJsonlFile = kind === 'jsonl' && path !== '' && path !== '-';
  if (flags.has('if-exists') && !isJsonlFile) throw new FlagError('--if-exists applies only to --sink jsonl:PATH with a file PATH (not -)');
  if (sink === 'none') return { kind: 'none' };
  if (sink === 'cassandra') return { kind: 'cassandra', cassandra: cassandraConfigOf(flags) };
  // How a file is opened depends on the job (openedSink), once it is known.
  if (kind === 'jsonl' && path !== '') return { kind, path, opening: 'append' };
  if (kind === 'sqlite' && path !== '') return { kind, path };
  throw new FlagError(`--sink must be sqlite:PATH, cassandra, jsonl:PATH or none, not "${sink}"`);
}

/**
 * A JSONL file with rows in it is refused here, before anything starts, unless --if-exists says what to
 * do with them, or the job resumes the file it was writing (its progress file says so).
 */
function openedSink(flags: RawFlags, sink: SinkConfig, identity: JobIdentity): SinkConfig {
  // A reset empties the file whatever it holds.
  if (sink.kind !== 'jsonl' || sink.path === '-' || flags.has('reset')) return sink;
  const { path } = sink;
  const recorded = recordedJobOf(path);
  const opening = jsonlOpeningOf(path, fileStateOf(path), ifExistsOf(flags), recorded, identity);
  if (opening.action === 'refuse') throw new FlagError(`--sink jsonl:${opening.message}`);
  return { ...sink, opening: opening.action };
}

function recordedJobOf(path: string): JobIdentity | null {
  try {
    return readProgressFile(path)?.identity ?? null;
  } catch (error) {
    throw new FlagError(`--sink jsonl:${path}: its progress file cannot be read (${(error as Error).message})`);
  }
}

function ifExistsOf(flags: RawFlags): IfExists | null {
  const value = flags.get('if-exists');
  if (value === undefined) return null;
  if (value !== 'append' && value !== 'overwrite') throw new FlagError(`--if-exists must be append or overwrite, not "${String(value)}"`);
  return value;
}

function fileStateOf(path: string): JsonlFileState {
  try {
    return jsonlFileStateOf(path);
  } catch (error) {
    throw new FlagError(`--sink jsonl:${path}: cannot look at it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
