import { formatDuration } from '../windows/duration';

/**
 * What decides a job's rows, which a store records on its first write: a store holds one job, and a
 * run of another is refused before it reads or writes anything (§4.1). Instances of one scaled-out
 * Kafka job share it. `--threads`, `--batch`, `--lateness` and the service flags are not part of it.
 */
export interface JobIdentity {
  /** The input: `kafka:TOPIC` (with `, re-keyed` under --repartition), `file:/absolute/path`, `stdin`, `synthetic:PROFILE seed S`. */
  readonly input: string;
  /** The Kafka consumer group, null for other inputs. */
  readonly group: string | null;
  readonly clock: 'wall' | 'event';
  readonly windowMs: number;
  readonly slideMs: number;
}

/** The input a `--source file:-` run reads: a later run cannot tell whether it is the same. */
export const STDIN_INPUT = 'stdin';

const FIELDS: readonly { readonly name: string; readonly of: (identity: JobIdentity) => string }[] = [
  { name: 'input', of: (identity) => identity.input },
  { name: 'group', of: (identity) => identity.group ?? '(none)' },
  { name: 'clock', of: (identity) => identity.clock },
  { name: 'window', of: (identity) => formatDuration(identity.windowMs) },
  { name: 'slide', of: (identity) => formatDuration(identity.slideMs) },
];

/** How `wanted` differs from `stored`, one phrase per field: `window 2m in the store, 10m in this run`. */
export function differencesOf(stored: JobIdentity, wanted: JobIdentity): string[] {
  return FIELDS.filter(({ of }) => of(stored) !== of(wanted)).map(({ name, of }) => `${name} ${of(stored)} in the store, ${of(wanted)} in this run`);
}

/** One line naming the job: `kafka:production, group demo, event clock, window 2m sliding 1m`. */
export function describeIdentity(identity: JobIdentity): string {
  const group = identity.group === null ? '' : `, group ${identity.group}`;
  return `${identity.input}${group}, ${identity.clock} clock, window ${formatDuration(identity.windowMs)} sliding ${formatDuration(identity.slideMs)}`;
}

/** An identity as a store keeps it: JSON with the fields in a fixed order. */
export function encodeIdentity(identity: JobIdentity): string {
  const { input, group, clock, windowMs, slideMs } = identity;
  return JSON.stringify({ input, group, clock, windowMs, slideMs });
}

/** A stored identity, or a clear error for a value no build of this program wrote. */
export function decodeIdentity(text: string, where: string): JobIdentity {
  const value = JSON.parse(text) as Partial<JobIdentity>;
  const { input, group, clock, windowMs, slideMs } = value;
  if (
    typeof input !== 'string' ||
    (group !== null && typeof group !== 'string') ||
    (clock !== 'wall' && clock !== 'event') ||
    !Number.isSafeInteger(windowMs) ||
    !Number.isSafeInteger(slideMs)
  ) {
    throw new Error(`${where} records a job this build cannot read: ${text}`);
  }
  return { input, group: group ?? null, clock, windowMs: windowMs!, slideMs: slideMs! };
}
