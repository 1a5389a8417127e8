import type { JobIdentity } from './identity';
import type { Sink } from './sink';
import type { SinkConfig } from './config';

/** Opens the configured sink's module lazily, so a run loads only the driver it uses; the sink writes for `identity`'s job. */
export function createSink(config: SinkConfig, identity: JobIdentity): Sink {
  switch (config.kind) {
    case 'none':
      return (require('./none') as typeof import('./none')).createNoneSink();
    case 'jsonl':
      return (require('./jsonl/jsonl-sink') as typeof import('./jsonl/jsonl-sink')).createJsonlSink(config.path, config.opening, identity);
    case 'sqlite':
      return (require('./sqlite/sqlite-sink') as typeof import('./sqlite/sqlite-sink')).createSqliteSink(config.path, identity);
    case 'cassandra':
      return (require('./cassandra/cassandra-sink') as typeof import('./cassandra/cassandra-sink')).createCassandraSink(config.cassandra, identity);
  }
}
