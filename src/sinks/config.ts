/** Which sink the writer thread opens; plain data, so it can be handed to the thread. */
export type SinkConfig =
  | { readonly kind: 'none' }
  | { readonly kind: 'jsonl'; readonly path: string }
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'cassandra'; readonly cassandra: CassandraConfig };

export interface CassandraConfig {
  readonly contactPoints: readonly string[];
  readonly keyspace: string;
  readonly localDataCenter: string;
  readonly username?: string;
  readonly password?: string;
  readonly tls: boolean;
}

export const DEFAULT_SQLITE_PATH = './data/clickstream.db';

export function describeSink(config: SinkConfig): string {
  switch (config.kind) {
    case 'none':
      return 'none';
    case 'jsonl':
    case 'sqlite':
      return `${config.kind}:${config.path}`;
    case 'cassandra':
      return `cassandra:${config.cassandra.contactPoints.join(',')}/${config.cassandra.keyspace}`;
  }
}
