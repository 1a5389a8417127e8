import type { TlsConfig } from '../tls/tls-config';

/** How to reach Kafka; shared by the source, the Kafka dead-letter output and the producer command. */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  /** TLS, or null for plaintext. */
  readonly tls: TlsConfig | null;
  readonly sasl: KafkaSasl | null;
}

export interface KafkaSasl {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}
