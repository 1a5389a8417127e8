import type { TlsConfig } from '../../tls/tls-config';

/** How to reach the Cassandra store; plain data, so it can be handed to the writer thread. */
export interface CassandraConfig {
  readonly contactPoints: readonly string[];
  readonly keyspace: string;
  readonly localDataCenter: string;
  readonly username?: string;
  readonly password?: string;
  /** TLS, or null for plaintext. */
  readonly tls: TlsConfig | null;
}
