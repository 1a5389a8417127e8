import { statSync } from 'node:fs';
import { type JobIdentity, differencesOf } from '../identity';

/** What the user said to do with a JSONL file that already holds rows (`--if-exists`), or null: nothing said. */
export type IfExists = 'append' | 'overwrite';

/** The JSONL path as found before the run. */
export type JsonlFileState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'non-empty'; readonly bytes: number }
  /** A FIFO, a device (/dev/null), a socket: a stream, written after whatever came before. */
  | { readonly kind: 'not-a-file' };

/** How the sink opens the file, or why the run must not start. */
export type JsonlOpening =
  | { readonly action: 'append' }
  | { readonly action: 'truncate' }
  /** A Kafka job goes on with the file it was writing: cut back to its recorded progress, then appended to. */
  | { readonly action: 'resume' }
  | { readonly action: 'refuse'; readonly message: string };

/**
 * A JSONL file holds rows without saying which run wrote them: appending a re-run's rows doubles every
 * window, and truncating loses the earlier run's. So a file with rows in it is written only as the user
 * chose; what is absent or empty is simply written. A Kafka job records its progress beside the file
 * (`recorded`, progress-file.ts): the same job resumes the file whatever was said, and another job
 * may only overwrite it.
 */
export function jsonlOpeningOf(
  path: string,
  state: JsonlFileState,
  ifExists: IfExists | null,
  recorded: JobIdentity | null = null,
  wanted: JobIdentity | null = null,
): JsonlOpening {
  if (recorded !== null && ifExists !== 'overwrite') {
    const differences = wanted === null ? ['a job whose progress this run keeps none of'] : differencesOf(recorded, wanted);
    if (differences.length > 0) {
      return {
        action: 'refuse',
        message:
          `${path} holds the windows of another job (${differences.join('; ')}), as its progress file records: give ` +
          '--if-exists overwrite to replace it (a Kafka job also needs --reset), or another path',
      };
    }
    return { action: 'resume' };
  }
  if (state.kind !== 'non-empty') return { action: 'append' };
  if (ifExists === 'append') return { action: 'append' };
  if (ifExists === 'overwrite') return { action: 'truncate' };
  return {
    action: 'refuse',
    message:
      `${path} is not empty (${state.bytes.toLocaleString('en')} bytes): this run's rows would follow the rows in it, and a re-run ` +
      'of a job would hold each of its windows twice. Give --if-exists append to add them after those rows, ' +
      '--if-exists overwrite to replace the file, or another path',
  };
}

/** The path's state now; throws what stat(2) reports other than a missing file. */
export function jsonlFileStateOf(path: string): JsonlFileState {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) return { kind: 'absent' };
  if (!stats.isFile()) return { kind: 'not-a-file' };
  return stats.size === 0 ? { kind: 'empty' } : { kind: 'non-empty', bytes: stats.size };
}
