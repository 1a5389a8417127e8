import { resolve } from 'node:path';
import { type JobIdentity, STDIN_INPUT } from '../sinks/identity';
import type { SourceConfig } from '../sources/config';
import type { ClockConfig } from '../windows/clock';
import type { WindowSpec } from '../windows/spec';

/**
 * The identity of the job these flags run: its input (a Kafka topic as given, even when --repartition
 * reads it through the internal topic; a file by its absolute path), its group, clock and windows.
 */
export function jobIdentityOf(source: SourceConfig, clock: ClockConfig, windows: WindowSpec, rekeyedTopic: string | null = null): JobIdentity {
  const common = { clock: clock.kind, windowMs: windows.windowMs, slideMs: windows.slideMs };
  switch (source.kind) {
    case 'kafka':
      return { ...common, input: rekeyedTopic === null ? `kafka:${source.topic}` : `kafka:${rekeyedTopic}, re-keyed`, group: source.group };
    case 'file':
      return { ...common, input: source.path === '-' ? STDIN_INPUT : `file:${resolve(source.path)}`, group: null };
    case 'synthetic':
      return { ...common, input: `synthetic:${source.profile} seed ${source.seed}`, group: null };
  }
}
