import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JobIdentity } from '../identity';
import { ownsEveryPartition, statesAfterWrite } from '../partition-states';
import { StoreRefusal } from '../refusal';
import type { PartitionState, Sink } from '../sink';
import { JsonlFormatter } from './formatter';
import { type JsonlProgress, progressPathOf, readProgressFile, removeProgressFile, writeProgressFile } from './progress-file';
import { writeFully } from './write-fully';

/** How the sink opens its file (opening.ts decided it before the run): append to it, replace it, or resume a Kafka job's. */
export type JsonlOpeningAction = 'append' | 'truncate' | 'resume';

/**
 * One JSON object per row with a "table" field and the columns of that table. Written with synchronous
 * writes to the file descriptor, which also works for stdout from the writer thread; `-` means stdout,
 * where a write waits for the reader (writeFully). A Kafka job's writes into a file are synced, then
 * its progress recorded beside the file (progress-file.ts), so a restart resumes the file with each
 * window once; standard output keeps no progress, and a restarted Kafka job writes again what it replays.
 */
export function createJsonlSink(path: string, opening: JsonlOpeningAction, identity: JobIdentity): Sink {
  const isFile = path !== '-';
  let fd = -1;
  let formatter: JsonlFormatter | null = null;
  let recorded: JsonlProgress | null = null;
  // A resumed file is cut back to its recorded length just before this run's first write, not when it
  // opens: a run that stops before writing (another instance of the job consumes the topic, which the
  // group tells only after the sink is open) must not cut the rows that instance has in flight. Until
  // then the file is the previous writer's, and its latest progress is what counts.
  let cutBackTo: number | null = null;
  return {
    keepsProgress: isFile,
    async open() {
      if (!isFile) fd = 1;
      else {
        mkdirSync(dirname(path), { recursive: true });
        if (opening === 'resume') {
          recorded = resumed(path, identity);
          cutBackTo = recorded.length;
        } else if (opening === 'truncate') removeProgressFile(path);
        fd = openSync(path, opening === 'truncate' ? 'w' : 'a');
      }
      const out = fd;
      const what = isFile ? path : 'standard output';
      formatter = new JsonlFormatter((bytes) => writeFully(out, bytes, what));
    },
    async write(windows, scope, closedThrough) {
      if (formatter === null) throw new Error(`jsonl sink ${path} is not open`);
      if (!ownsEveryPartition(scope)) throw new Error(`the jsonl sink ${path} cannot merge the shares of several instances`);
      if (cutBackTo !== null) {
        // Appends (O_APPEND) go on from the new end.
        ftruncateSync(fd, cutBackTo);
        cutBackTo = null;
      }
      for (const window of windows) formatter.window(window);
      formatter.flush();
      if (!isFile || scope.job === null) return;
      // The rows first, durably; then the progress that counts them.
      fsyncSync(fd);
      const partitions = new Map<number, PartitionState>(recorded?.job === scope.job ? recorded.partitions : []);
      for (const [partition, state] of statesAfterWrite(scope, windows, closedThrough)) partitions.set(partition, state);
      recorded = { identity, job: scope.job, length: fstatSync(fd).size, partitions };
      writeProgressFile(path, recorded);
    },
    // One instance owns every partition: it follows nobody.
    follow: async () => -Infinity,
    async readPartitions(job) {
      // At an assignment before this run has written: the instance that wrote last may have gone on after the open.
      if (cutBackTo !== null) {
        recorded = resumed(path, identity);
        cutBackTo = recorded.length;
      }
      return new Map(recorded?.job === job ? recorded.partitions : []);
    },
    async reset(job, partitionCount, rewind) {
      if (!isFile) {
        await rewind();
        return [];
      }
      const bytes = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
      mkdirSync(dirname(path), { recursive: true });
      closeSync(openSync(path, 'w'));
      removeProgressFile(path);
      await rewind();
      if (job !== null) {
        const partitions = new Map(Array.from({ length: partitionCount }, (_, partition) => [partition, { delivered: -Infinity, ended: false }]));
        writeProgressFile(path, { identity, job, length: 0, partitions });
      }
      return [`jsonl:${path}: emptied (${bytes.toLocaleString('en')} bytes); ${job === null ? 'nothing' : `${progressPathOf(path)} records this job, with nothing`} written yet`];
    },
    async close() {
      if (fd > 2) closeSync(fd);
      formatter = null;
    },
  };
}

/** The progress a Kafka job recorded beside its file, to which the file is cut back: rows after it are written again by the replay. */
function resumed(path: string, identity: JobIdentity): JsonlProgress {
  const recorded = readProgressFile(path);
  if (recorded === null) throw new Error(`${progressPathOf(path)} is gone since the run started`);
  const bytes = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  if (bytes < recorded.length) {
    throw new StoreRefusal(
      `${path} is shorter (${bytes} bytes) than its progress file records (${recorded.length}): something else changed it. ` +
        'To start it over, give --if-exists overwrite (and --reset, so the Kafka group reads from its earliest offsets again)',
      2,
    );
  }
  return { ...recorded, identity };
}
