import type { Source } from './source';
import type { SourceConfig } from '../cli/flags';

export function createSource(config: SourceConfig): Source {
  switch (config.kind) {
    case 'synthetic':
      return (require('./synthetic') as typeof import('./synthetic')).createSyntheticSource(config);
    case 'file':
      return (require('./file') as typeof import('./file')).createFileSource(config.path);
    case 'kafka':
      return (require('./kafka') as typeof import('./kafka')).createKafkaSource(config);
  }
}
