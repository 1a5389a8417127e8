/** Command-line flags of `node dist/recommend.js` (SPEC §6), parsed strictly. */
import { type CassandraConfig, DEFAULT_SQLITE_PATH, type SinkConfig } from '../sinks/config';

const MAX_N = 1000;

export const RECOMMEND_USAGE = `Usage: node dist/recommend.js --client ID --topic T -n N [--json] [--store STORE]

Recommends the top N pages of topic T in its latest window, minus the pages the client
visited in that window or the two windows emitted just before it.

  --client ID              client_id to recommend for (required)
  --topic T                topic to rank pages of (required)
  -n, --n N                how many top pages to consider, 1 to ${MAX_N} (required)
  --json                   print a JSON array of {"rank","page","visitors"}
  --store sqlite:PATH      the embedded store (default sqlite:${DEFAULT_SQLITE_PATH})
  --store cassandra        Cassandra, with:
    --cassandra HOST[:PORT],...   contact points (required)
    --keyspace K                  default csc8101
    --local-dc DC                 default datacenter1
    --cassandra-user U            with --cassandra-password P
    --cassandra-tls               connect with TLS
  -h, --help               this text

Flags take their value as the next argument or as --flag=value.`;

export class UsageError extends Error {}

/** The recommender reads where the sink wrote, with the same settings (SPEC §6). */
export type StoreChoice = Extract<SinkConfig, { kind: 'sqlite' | 'cassandra' }>;

export interface RecommendRequest {
  readonly clientId: string;
  readonly topic: string;
  readonly n: number;
  readonly json: boolean;
  readonly store: StoreChoice;
}

export type RecommendCommand = { readonly help: true } | ({ readonly help: false } & RecommendRequest);

const VALUE_FLAGS: ReadonlySet<string> = new Set([
  '--client',
  '--topic',
  '-n',
  '--store',
  '--cassandra',
  '--keyspace',
  '--local-dc',
  '--cassandra-user',
  '--cassandra-password',
]);
const ALIASES: Readonly<Record<string, string>> = { '--n': '-n' };
const SWITCHES: ReadonlySet<string> = new Set(['--json', '--cassandra-tls']);
const CASSANDRA_FLAGS = ['--cassandra', '--keyspace', '--local-dc', '--cassandra-user', '--cassandra-password', '--cassandra-tls'];

function isHelpRequested(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** Flag (by canonical name) → its value, or true for a switch. */
function collectFlags(argv: readonly string[]): Map<string, string | true> {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('-')) throw new UsageError(`unexpected argument "${token}"`);
    const equals = token.indexOf('=');
    const name = equals > 0 ? token.slice(0, equals) : token;
    const inline = equals > 0 ? token.slice(equals + 1) : undefined;
    const canonical = ALIASES[name] ?? name;
    if (!VALUE_FLAGS.has(canonical) && !SWITCHES.has(canonical)) throw new UsageError(`unknown flag ${name}`);
    if (flags.has(canonical)) throw new UsageError(`${canonical} is given more than once`);
    if (SWITCHES.has(canonical)) {
      if (inline !== undefined) throw new UsageError(`${canonical} takes no value`);
      flags.set(canonical, true);
      continue;
    }
    // A following flag is a forgotten value, not the value: values starting with "-" need --flag=value.
    const value = inline ?? (argv[i + 1]?.startsWith('-') === false ? argv[++i] : undefined);
    if (value === undefined) throw new UsageError(`${canonical} needs a value (${canonical}=VALUE if it starts with "-")`);
    if (value === '') throw new UsageError(`${canonical} needs a non-empty value`);
    flags.set(canonical, value);
  }
  return flags;
}

function required(flags: Map<string, string | true>, name: string): string {
  const value = flags.get(name);
  if (typeof value !== 'string') throw new UsageError(`${name} is required`);
  return value;
}

function optional(flags: Map<string, string | true>, name: string, fallback: string): string {
  const value = flags.get(name);
  return typeof value === 'string' ? value : fallback;
}

function parseN(text: string): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_N)) throw new UsageError(`-n must be an integer from 1 to ${MAX_N}, got "${text}"`);
  return n;
}

/** Host names, IPv4, or [IPv6], each with an optional port 1..65535. */
function parseContactPoints(text: string): string[] {
  return text.split(',').map((point) => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)(?::([0-9]+))?$/.exec(point);
    const port = match?.[2] === undefined ? 1 : Number(match[2]);
    if (match === null || port < 1 || port > 65535) {
      throw new UsageError(`--cassandra needs HOST[:PORT],... with ports 1 to 65535, got "${point}"`);
    }
    return point;
  });
}

function parseCassandraConfig(flags: Map<string, string | true>): CassandraConfig {
  const username = flags.get('--cassandra-user');
  const password = flags.get('--cassandra-password');
  if ((username === undefined) !== (password === undefined)) {
    throw new UsageError('--cassandra-user and --cassandra-password go together');
  }
  return {
    contactPoints: parseContactPoints(required(flags, '--cassandra')),
    keyspace: optional(flags, '--keyspace', 'csc8101'),
    localDataCenter: optional(flags, '--local-dc', 'datacenter1'),
    ...(typeof username === 'string' && typeof password === 'string' ? { username, password } : {}),
    tls: flags.has('--cassandra-tls'),
  };
}

function parseStore(flags: Map<string, string | true>): StoreChoice {
  const store = optional(flags, '--store', `sqlite:${DEFAULT_SQLITE_PATH}`);
  if (store === 'cassandra') return { kind: 'cassandra', cassandra: parseCassandraConfig(flags) };
  const stray = CASSANDRA_FLAGS.find((name) => flags.has(name));
  if (stray !== undefined) throw new UsageError(`${stray} needs --store cassandra`);
  if (store === 'sqlite') return { kind: 'sqlite', path: DEFAULT_SQLITE_PATH };
  if (store.startsWith('sqlite:') && store.length > 'sqlite:'.length) {
    return { kind: 'sqlite', path: store.slice('sqlite:'.length) };
  }
  throw new UsageError(`--store must be sqlite:PATH or cassandra, got "${store}"`);
}

/** Throws UsageError with a message naming the offending flag. */
export function parseRecommendFlags(argv: readonly string[]): RecommendCommand {
  if (isHelpRequested(argv)) return { help: true };
  const flags = collectFlags(argv);
  return {
    help: false,
    clientId: required(flags, '--client'),
    topic: required(flags, '--topic'),
    n: parseN(required(flags, '-n')),
    json: flags.has('--json'),
    store: parseStore(flags),
  };
}
