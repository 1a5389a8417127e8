import type { StoreChoice } from '../../recommender/open-store';
import type { WindowReads } from './written-windows';

/** Reads of the store the job writes; each store's driver is loaded only when it is chosen. */
export function createWindowReads(store: StoreChoice): WindowReads {
  switch (store.kind) {
    case 'sqlite':
      return (require('./sqlite-windows') as typeof import('./sqlite-windows')).createSqliteWindowReads(store.path);
    case 'cassandra':
      return (require('./cassandra-windows') as typeof import('./cassandra-windows')).createCassandraWindowReads(store.cassandra);
  }
}
