import { FlagError, secretFlag, stringFlag, type FlagDefinition, type RawFlags } from './flag-parser';
import type { KafkaConnection, KafkaSasl } from '../kafka/connection';
import { tlsConfigOf, tlsFlagsOf } from './tls-flags';

/** Connection flags shared by the streaming job and the producer command. */
export const KAFKA_CONNECTION_FLAGS: readonly FlagDefinition[] = [
  { name: 'brokers', value: 'HOST:PORT,…', help: 'Kafka bootstrap brokers', default: '127.0.0.1:9092' },
  ...tlsFlagsOf('kafka', 'Kafka'),
  { name: 'kafka-sasl', value: 'MECHANISM', help: 'Kafka SASL: plain, scram-sha-256 or scram-sha-512' },
  { name: 'kafka-user', value: 'USER', help: 'Kafka SASL username' },
  { name: 'kafka-password', value: 'PASSWORD', help: 'Kafka SASL password (never printed)', secret: true },
  { name: 'kafka-password-file', value: 'PATH', help: 'Kafka SASL password from this file (one line)' },
];

export function isKafkaConnectionFlag(name: string): boolean {
  return KAFKA_CONNECTION_FLAGS.some((flag) => flag.name === name);
}

export function kafkaConnectionOf(flags: RawFlags): KafkaConnection {
  const brokers = stringFlag(flags, 'brokers').split(',');
  if (brokers.some((broker) => !/^[^\s:,]+:\d{1,5}$/.test(broker))) {
    throw new FlagError('--brokers must be HOST:PORT separated by commas');
  }
  return { brokers, tls: tlsConfigOf(flags, 'kafka'), sasl: saslOf(flags) };
}

function saslOf(flags: RawFlags): KafkaSasl | null {
  const mechanism = flags.get('kafka-sasl');
  const username = flags.get('kafka-user');
  const password = secretFlag(flags, 'kafka-password');
  if (mechanism === undefined) {
    if (username !== undefined || password !== undefined) throw new FlagError('--kafka-user and --kafka-password need --kafka-sasl');
    return null;
  }
  if (mechanism !== 'plain' && mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512') {
    throw new FlagError('--kafka-sasl must be plain, scram-sha-256 or scram-sha-512');
  }
  if (typeof username !== 'string' || typeof password !== 'string') {
    throw new FlagError('--kafka-sasl needs --kafka-user and --kafka-password');
  }
  return { mechanism, username, password };
}
