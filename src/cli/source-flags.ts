import { accessSync, constants, statSync } from 'node:fs';
import { FlagError, integerFlag, type FlagDefinition, type RawFlags } from './flag-parser';
import type { SourceConfig, SyntheticSourceConfig } from '../sources/config';
import type { ProfileName } from '../sources/synthetic/profiles';

/** The synthetic generator's flags, as the job and the producer both take them. */
export const SEED_FLAG: FlagDefinition = { name: 'seed', value: 'S', help: 'synthetic: random seed; same seed, same events', default: '1' };

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/** A Kafka topic name: letters, digits, . _ -, as Kafka itself allows. */
export function topicNameOf(flags: RawFlags, missing: string): string {
  const topic = flags.get('topic');
  if (typeof topic !== 'string') throw new FlagError(missing);
  if (!TOPIC_NAME.test(topic)) throw new FlagError('--topic must be a Kafka topic name (letters, digits, . _ -)');
  return topic;
}

export function isTopicName(name: string): boolean {
  return TOPIC_NAME.test(name);
}

export interface LocalSourceRules {
  /** The accepted --source forms, for the error message. */
  readonly forms: string;
  readonly events: number | undefined;
  readonly defaultRate: (profile: ProfileName) => number | 'max';
}

const SYNTHETIC = /^synthetic:(dev|production)$/;

/** A flag of another source is a mistake worth stopping for: it would silently do nothing. */
export function refuseSyntheticFlags(flags: RawFlags, source: string, names: readonly string[]): void {
  const given = names.find((name) => flags.has(name));
  if (given !== undefined && !SYNTHETIC.test(source)) throw new FlagError(`--${given} applies only to --source synthetic:…`);
}

/**
 * `synthetic:dev`, `synthetic:production` or `file:PATH` (`-` is stdin); throws FlagError otherwise.
 * The caller has refused synthetic-only flags with another source (refuseSyntheticFlags).
 */
export function localSourceOf(flags: RawFlags, source: string, rules: LocalSourceRules): SyntheticSourceConfig | Extract<SourceConfig, { kind: 'file' }> {
  const synthetic = SYNTHETIC.exec(source);
  if (synthetic !== null) {
    const profile = synthetic[1] as ProfileName;
    const rate = flags.get('rate') ?? rules.defaultRate(profile);
    return {
      kind: 'synthetic',
      profile,
      rate: rate === 'max' ? 'max' : integerFlag(flags, 'rate', 1, 100_000_000, rate as number),
      events: rules.events,
      seed: integerFlag(flags, 'seed', 0, 2 ** 32 - 1),
    };
  }
  if (source.startsWith('file:') && source.length > 'file:'.length) return { kind: 'file', path: source.slice('file:'.length) };
  throw new FlagError(`--source must be ${rules.forms}, not "${source}"`);
}

/**
 * The input file of a file source, checked once every other flag is: a file that is not there or
 * cannot be read would otherwise fail the run only after it has opened its sink and dead letters.
 * `-` is stdin.
 */
export function checkInputFile(source: SourceConfig): void {
  if (source.kind !== 'file' || source.path === '-') return;
  const { path } = source;
  try {
    if (statSync(path).isDirectory()) throw new FlagError(`--source file:${path}: ${path} is a directory, not a file of events`);
    accessSync(path, constants.R_OK);
  } catch (error) {
    if (error instanceof FlagError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new FlagError(`--source file:${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? String(error)})`}`);
  }
}

/** `--events N`, or undefined when not given. */
export function eventsOf(flags: RawFlags): number | undefined {
  return flags.has('events') ? integerFlag(flags, 'events', 1, Number.MAX_SAFE_INTEGER) : undefined;
}
