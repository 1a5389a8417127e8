/** How to reach Kafka; shared by the source, the Kafka dead-letter output and the producer command. */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly tls: boolean;
  readonly sasl: KafkaSasl | null;
}

export interface KafkaSasl {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}
