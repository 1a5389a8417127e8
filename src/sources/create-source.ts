import type { Source } from './source';
import type { SourceConfig } from './config';

export function createSource(config: SourceConfig): Source {
  switch (config.kind) {
    case 'synthetic':
      return (require('./synthetic/synthetic-source') as typeof import('./synthetic/synthetic-source')).createSyntheticSource(config);
    case 'file':
      return (require('./file/file-source') as typeof import('./file/file-source')).createFileSource(config.path);
    case 'kafka':
      return (require('./kafka/kafka-source') as typeof import('./kafka/kafka-source')).createKafkaSource(config);
  }
}
