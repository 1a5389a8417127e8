import type { ReaderOptions } from './detail-cache';
import type { StoreChoice, StoreReader } from './store';

/** The one place a store reader is chosen; each store's driver is loaded only when it is chosen. */
export function openStore(choice: StoreChoice, options: ReaderOptions = {}): StoreReader {
  switch (choice.kind) {
    case 'sqlite':
      return (require('./sqlite/sqlite-reader') as typeof import('./sqlite/sqlite-reader')).createSqliteReader(choice.path, options);
    case 'cassandra':
      return (require('./cassandra/cassandra-reader') as typeof import('./cassandra/cassandra-reader')).createCassandraReader(choice.cassandra, options);
  }
}
