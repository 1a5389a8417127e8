import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import type { KafkaConnection, KafkaSasl } from './connection';
import { tlsOptionsOf } from '../tls/tls-config';

/**
 * A kafkajs client for the source, the dead-letter output and the producer command.
 * kafkajs's own logging is off: failures that matter reach us as rejections, and what it logs on
 * its own (retries, "group coordinator not available" while a new group's coordinator loads) is
 * noise. `KAFKAJS_LOG_LEVEL=warn` turns it back on when debugging.
 */
/** Kafka's acks=-1 for producers: the leader answers once every in-sync replica has the messages. */
export const ACKS_ALL = -1;

export function kafkaClientOf(connection: KafkaConnection, clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: [...connection.brokers],
    // kafkajs names the broker as the TLS server name (unless it is an IP), so Node checks the certificate against it.
    ssl: connection.tls === null ? false : tlsOptionsOf(connection.tls),
    sasl: saslOptionsOf(connection.sasl),
    logLevel: logLevel.NOTHING,
  });
}

function saslOptionsOf(sasl: KafkaSasl | null): SASLOptions | undefined {
  if (sasl === null) return undefined;
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password };
}
