import { FlagError, secretFlag, stringFlag, type FlagDefinition, type RawFlags } from './flag-parser';
import type { CassandraConfig } from '../sinks/cassandra/config';
import { tlsConfigOf, tlsFlagsOf } from './tls-flags';

/** Connection flags shared by the streaming job and the recommender. */
export const CASSANDRA_FLAGS: readonly FlagDefinition[] = [
  { name: 'cassandra', value: 'HOST[:PORT],…', help: 'Cassandra contact points', default: '127.0.0.1:9042' },
  { name: 'keyspace', value: 'NAME', help: 'Cassandra keyspace', default: 'csc8101' },
  { name: 'local-dc', value: 'DC', help: 'Cassandra local data center', default: 'datacenter1' },
  { name: 'cassandra-user', value: 'USER', help: 'Cassandra username (with --cassandra-password)' },
  { name: 'cassandra-password', value: 'PASSWORD', help: 'Cassandra password (never printed)', secret: true },
  { name: 'cassandra-password-file', value: 'PATH', help: 'Cassandra password from this file (one line)' },
  ...tlsFlagsOf('cassandra', 'Cassandra'),
];

export function cassandraConfigOf(flags: RawFlags): CassandraConfig {
  const contactPoints = stringFlag(flags, 'cassandra').split(',');
  if (contactPoints.some((point) => !/^[^\s:,]+(:\d{1,5})?$/.test(point))) {
    throw new FlagError('--cassandra must be HOST[:PORT] separated by commas');
  }
  const keyspace = stringFlag(flags, 'keyspace');
  // Keyspace names are unquoted CQL identifiers in every statement, so they are restricted here.
  if (!/^[A-Za-z][A-Za-z0-9_]{0,47}$/.test(keyspace)) throw new FlagError('--keyspace must be a CQL identifier (letters, digits, _)');
  const username = flags.get('cassandra-user');
  const password = secretFlag(flags, 'cassandra-password');
  if ((username === undefined) !== (password === undefined)) {
    throw new FlagError('--cassandra-user and --cassandra-password go together');
  }
  return {
    contactPoints,
    keyspace,
    localDataCenter: stringFlag(flags, 'local-dc'),
    username: typeof username === 'string' ? username : undefined,
    password: typeof password === 'string' ? password : undefined,
    tls: tlsConfigOf(flags, 'cassandra'),
  };
}
