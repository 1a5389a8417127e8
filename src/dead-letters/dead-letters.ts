import type { KafkaConnection } from '../kafka/connection';
import type { DeadLetters } from './dead-letter';
import { createFileDeadLetters, type RunMarker } from './file-dead-letters';
import { createLineDeadLetters } from './line-dead-letters';

/** Dead letters go to a file, to standard error (`--dead-letter -`), or with Kafka optionally to a topic. */
export type DeadLetterConfig =
  | { readonly kind: 'file'; readonly path: string; readonly run?: RunMarker }
  | { readonly kind: 'stderr' }
  | { readonly kind: 'kafka'; readonly topic: string; readonly connection: KafkaConnection };

/** Loads the Kafka producer only when dead letters go to a topic. */
export function createDeadLetters(config: DeadLetterConfig): DeadLetters {
  if (config.kind === 'file') return createFileDeadLetters(config.path, config.run);
  if (config.kind === 'stderr') return createLineDeadLetters((line) => process.stderr.write(line + '\n'));
  const { createKafkaDeadLetters } = require('./kafka-dead-letters') as typeof import('./kafka-dead-letters');
  return createKafkaDeadLetters(config.connection, config.topic);
}
