import type { KafkaConnection } from './connection';
import { connectionFailureOf } from '../tls/connection-failures';

/** What kafkajs errors carry: the broker of a connection error, Node's code, and the error retries gave up on. */
interface KafkaJsError extends Error {
  readonly broker?: string;
  readonly code?: string;
  readonly cause?: unknown;
}

/** The error and what it wraps (kafkajs's "retries exceeded" wraps the last attempt's error), outermost first. */
function chainOf(error: unknown): KafkaJsError[] {
  const chain: KafkaJsError[] = [];
  for (let link = error; link instanceof Error && chain.length < 8; link = (link as KafkaJsError).cause) chain.push(link);
  return chain;
}

/** kafkajs's message less its own prefix ("SASL SCRAM SHA512 authentication failed: ", "Connection error: "). */
function brokerWords(message: string): string {
  return message.replace(/^SASL [\w-]+(?: [\w-]+)* authentication failed: /, '').replace(/^Connection error: /, '');
}

/**
 * A kafkajs failure in words that name the server and the cause: a refused login, a TLS or socket
 * failure, and, while `connecting` (before the client first reached the cluster), a broker that
 * dropped the connection at once, as a listener does with a client of the wrong protocol (plaintext
 * on TLS, no SASL on SASL). Later, a dropped connection is an outage and keeps kafkajs's words, as
 * does any other error. kafkajs does not say which broker refused a login: that names the bootstrap brokers.
 */
export function kafkaFailureOf(error: unknown, connection: KafkaConnection, { connecting = false } = {}): string {
  const chain = chainOf(error);
  const message = chain[0]?.message ?? String(error);
  const sasl = connection.sasl;
  const refusal = chain.find((link) => link.name === 'KafkaJSSASLAuthenticationError');
  if (sasl !== null && refusal !== undefined) {
    return (
      `authentication failed at Kafka ${connection.brokers.join(',')} (SASL ${sasl.mechanism.toUpperCase()} as user ${sasl.username}): ` +
      brokerWords(refusal.message)
    );
  }
  const failed = chain.find((link) => link.broker !== undefined);
  // Before the cluster first answered, any failure is one to connect (a listener that never answers
  // leaves kafkajs only "Broker not connected"): say so, and where.
  if (failed === undefined) return connecting ? `cannot connect to Kafka at ${connection.brokers.join(',')}: ${message}` : message;
  const at = `Kafka at ${failed.broker}`;
  if (failed.name === 'KafkaJSConnectionClosedError') {
    return connecting ? `${at} closed the connection without answering: ${closedRemedyOf(connection)}` : `${at}: ${message}`;
  }
  if (failed.name !== 'KafkaJSConnectionError') return message;
  const words = brokerWords(failed.message);
  const dropped = failed.code === 'ECONNRESET' && !connecting;
  const cause = dropped ? null : connectionFailureOf({ code: failed.code, message: words }, { prefix: 'kafka', tls: connection.tls !== null });
  return `cannot connect to ${at}: ${cause ?? words}`;
}

/** A broker drops a connection whose first bytes are not what its listener expects. */
function closedRemedyOf(connection: KafkaConnection): string {
  if (connection.tls === null) return 'if this listener wants TLS (SSL or SASL_SSL), give --kafka-tls (and --kafka-ca for a private CA)';
  if (connection.sasl === null) return 'if this listener wants SASL (SASL_SSL), give --kafka-sasl, --kafka-user and --kafka-password';
  return 'is this the listener for TLS with SASL (SASL_SSL)?';
}
