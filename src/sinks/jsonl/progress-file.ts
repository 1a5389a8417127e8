import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { type JobIdentity, decodeIdentity, encodeIdentity } from '../identity';
import type { PartitionState } from '../sink';

/**
 * A Kafka job's progress beside its JSONL file (`PATH.progress.json`), as SQLite keeps it in a table:
 * the job, and for each input partition how far its windows are in the file, with the file's length
 * then. It is replaced (written aside, synced, renamed) after the rows it counts are synced, so it never
 * claims a row the file lacks; a restart cuts the file back to that length, which drops rows written
 * after it, and the replay from the committed offsets writes them again: each window once.
 */
export interface JsonlProgress {
  readonly identity: JobIdentity;
  /** The Kafka job, `group/topic`. */
  readonly job: string;
  /** The file's length when every window the partitions delivered was in it. */
  readonly length: number;
  readonly partitions: ReadonlyMap<number, PartitionState>;
}

export function progressPathOf(path: string): string {
  return `${path}.progress.json`;
}

/** The file's recorded progress, or null when none is recorded. */
export function readProgressFile(path: string): JsonlProgress | null {
  let text: string;
  try {
    text = readFileSync(progressPathOf(path), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const where = progressPathOf(path);
  const value = JSON.parse(text) as { identity: string; job: string; length: number; partitions: [number, number | null, boolean][] };
  if (typeof value.job !== 'string' || !Number.isSafeInteger(value.length) || !Array.isArray(value.partitions)) {
    throw new Error(`${where} is not a progress file this build wrote`);
  }
  return {
    identity: decodeIdentity(value.identity, where),
    job: value.job,
    length: value.length,
    partitions: new Map(value.partitions.map(([partition, delivered, ended]) => [partition, { delivered: delivered ?? -Infinity, ended }])),
  };
}

/** Replaces the progress file durably: written aside and synced, renamed over, the rename synced. */
export function writeProgressFile(path: string, progress: JsonlProgress): void {
  const target = progressPathOf(path);
  const aside = `${target}.new`;
  const partitions = [...progress.partitions].map(([partition, { delivered, ended }]) => [partition, Number.isFinite(delivered) ? delivered : null, ended]);
  const text = JSON.stringify({ identity: encodeIdentity(progress.identity), job: progress.job, length: progress.length, partitions });
  const fd = openSync(aside, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(aside, target);
  syncDirectoryOf(target);
}

export function removeProgressFile(path: string): void {
  rmSync(progressPathOf(path), { force: true });
}

/** A rename is durable once the directory holding it is synced. */
function syncDirectoryOf(path: string): void {
  const fd = openSync(dirname(path), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
