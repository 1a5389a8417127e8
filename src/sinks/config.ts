import type { CassandraConfig } from './cassandra/config';

/** Which sink the writer thread opens; plain data, so it can be handed to the thread. */
export type SinkConfig =
  | { readonly kind: 'none' }
  /** `truncate`: the file's rows are replaced (--if-exists overwrite); see jsonl-opening. */
  | { readonly kind: 'jsonl'; readonly path: string; readonly opening: 'append' | 'truncate' }
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'cassandra'; readonly cassandra: CassandraConfig };

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
