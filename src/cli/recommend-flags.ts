/** Command-line flags of `node dist/recommend.js`, parsed strictly. */
import { CASSANDRA_FLAGS, cassandraConfigOf } from './cassandra-flags';
import {
  FlagError,
  HELP_FLAG,
  VERSION_FLAG,
  type CommandDefinition,
  type FlagDefinition,
  type RawFlags,
  integerFlag,
  stringFlag,
} from './flag-parser';
import type { StoreChoice } from '../sinks/store';
import { MAX_N } from '../recommender/recommend';
import { DEFAULT_SQLITE_PATH } from '../sinks/sqlite/schema';

const RECOMMEND_FLAGS: readonly FlagDefinition[] = [
  { name: 'client', value: 'ID', help: 'client_id to recommend for (required)' },
  { name: 'topic', value: 'T', help: 'topic to rank pages of (required)' },
  { name: 'n', alias: '-n', value: 'N', help: `how many top pages to consider, 1 to ${MAX_N} (required)` },
  { name: 'json', value: null, help: 'print a JSON array of {"rank","page","visitors"}' },
  { name: 'store', value: 'sqlite:PATH|cassandra', help: 'where the windows are', default: `sqlite:${DEFAULT_SQLITE_PATH}` },
  ...CASSANDRA_FLAGS,
  HELP_FLAG,
  VERSION_FLAG,
];

export const RECOMMEND_COMMAND: CommandDefinition = {
  name: 'clickstream-recommend',
  flags: RECOMMEND_FLAGS,
  about: `Recommends the top N pages of topic T in its latest window, minus the pages the client
visited in that window or the two windows emitted just before it.
`,
};


export interface RecommendRequest {
  readonly clientId: string;
  readonly topic: string;
  readonly n: number;
  readonly json: boolean;
  readonly store: StoreChoice;
}

function required(flags: RawFlags, name: string): string {
  const value = flags.get(name);
  if (typeof value !== 'string' || value === '') throw new FlagError(`--${name} is required, with a non-empty value`);
  return value;
}

function requiredN(flags: RawFlags): number {
  if (!flags.has('n')) throw new FlagError(`-n is required (1 to ${MAX_N})`);
  return integerFlag(flags, 'n', 1, MAX_N, MAX_N);
}

function parseStore(flags: RawFlags): StoreChoice {
  const store = stringFlag(flags, 'store');
  if (store === 'cassandra') return { kind: 'cassandra', cassandra: cassandraConfigOf(flags) };
  const stray = CASSANDRA_FLAGS.find(({ name }) => flags.has(name));
  if (stray !== undefined) throw new FlagError(`--${stray.name} needs --store cassandra`);
  if (store === 'sqlite') return { kind: 'sqlite', path: DEFAULT_SQLITE_PATH };
  if (store.startsWith('sqlite:') && store.length > 'sqlite:'.length) {
    return { kind: 'sqlite', path: store.slice('sqlite:'.length) };
  }
  throw new FlagError(`--store must be sqlite:PATH or cassandra, not "${store}"`);
}

/** Throws FlagError with a message naming the offending flag. */
export function recommendRequestOf(flags: RawFlags): RecommendRequest {
  return {
    clientId: required(flags, 'client'),
    topic: required(flags, 'topic'),
    n: requiredN(flags),
    json: flags.has('json'),
    store: parseStore(flags),
  };
}
