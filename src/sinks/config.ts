import type { CassandraConfig } from './cassandra/config';
import type { JsonlOpeningAction } from './jsonl/jsonl-sink';

/** Which sink the writer thread opens; plain data, so it can be handed to the thread. */
export type SinkConfig =
  | { readonly kind: 'none' }
  /** How a file is opened: see jsonl/opening.ts. */
  | { readonly kind: 'jsonl'; readonly path: string; readonly opening: JsonlOpeningAction }
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
