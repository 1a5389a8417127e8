import type { SinkConfig } from '../sinks/config';
import { createSqliteStore } from './sqlite-store';
import type { RecommenderStore } from './store';

/** The recommender reads where the sink wrote, with the same settings. */
export type StoreChoice = Extract<SinkConfig, { kind: 'sqlite' | 'cassandra' }>;

/** The one place a store is chosen; each store's driver is loaded only when it is chosen. */
export function openStore(choice: StoreChoice): RecommenderStore {
  switch (choice.kind) {
    case 'sqlite':
      return createSqliteStore(choice.path);
    case 'cassandra':
      return (require('./cassandra-store') as typeof import('./cassandra-store')).createCassandraStore(choice.cassandra);
  }
}
