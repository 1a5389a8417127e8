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
  /**
   * Several instances of the job may share the topic in the group, each reading some partitions
   * (the sink merges their shares); otherwise one instance reads them all and others are refused.
   */
  readonly shared: boolean;
  /** How long the group waits for a silent member before handing its partitions to others. */
  readonly sessionTimeoutMs: number;
}

/**
 * --repartition: a stage in front of the job re-keys the topic by client_id into an internal topic,
 * which the job reads instead (the job's KafkaSourceConfig names that topic).
 */
export interface RepartitionConfig {
  /** The topic as given, read by group `<group>-repartition` (its offsets as --from-beginning says). */
  readonly input: Omit<KafkaSourceConfig, 'shared'>;
  /** The internal topic, `<group>-<topic>-repartition`. */
  readonly topic: string;
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

/** The job a Kafka source reads for, as the store keeps its progress: `group/topic`. */
export function kafkaJobOf({ group, topic }: Pick<KafkaSourceConfig, 'group' | 'topic'>): string {
  return `${group}/${topic}`;
}
