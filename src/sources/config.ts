import type { KafkaConnection } from '../kafka/connection';
import type { ProfileName } from './synthetic/profiles';

/** The Kafka source: a topic read by a consumer group. */
export interface KafkaSourceConfig {
  readonly connection: KafkaConnection;
  readonly topic: string;
  readonly group: string;
  readonly fromBeginning: boolean;
  /** Stop once every partition reaches the end offset it had when the run started. */
  readonly stopAtEnd: boolean;
}

export interface SyntheticSourceConfig {
  readonly kind: 'synthetic';
  readonly profile: ProfileName;
  readonly rate: number | 'max';
  readonly events?: number;
  readonly seed: number;
}

export type SourceConfig =
  | SyntheticSourceConfig
  | { readonly kind: 'file'; readonly path: string }
  | ({ readonly kind: 'kafka' } & KafkaSourceConfig);
