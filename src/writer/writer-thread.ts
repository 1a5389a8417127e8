import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { createSink } from '../sinks/create-sink';
import { isStoreRefusal } from '../sinks/refusal';
import type { PartitionScope } from '../sinks/sink';
import { WindowMerger, type MergedWindow } from './merge';
import type { DurableReport, FromWriter, ToWriter, WriterData } from '../wire/writer-protocol';
import { OutputClosedError } from '../sinks/jsonl/output-closed';
import { spentBufferOf } from '../wire/emission';

// The writer thread: merges shards' partials into windows and writes them in order, acknowledging
// each close once the sink says it is durable. Closes that queued up while a write was under way go
// to the sink together, as one write of all their windows (its progress is that of the last): the
// sink pays its per-write round trips once, and overlaps their windows (a Kafka job at full speed
// closes a window at a time, several a second).
const port = parentPort!;
const { sink: sinkConfig, job, identity } = workerData as WriterData;
const sink = createSink(sinkConfig, identity);
/** The instance's current assignment, once the first arrived. */
let scope: PartitionScope | null = null;
const merger = new WindowMerger();
let queue: Promise<void> = Promise.resolve();
/** Closes waiting for the write already chained on `queue`, which takes them all when it starts. */
let gathering: WindowsMessage[] | null = null;
// After a failed write nothing later is written: a later window durable past a hole would be a lie.
let failed = false;

function send(message: FromWriter, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function fail(error: unknown): void {
  failed = true;
  if (error instanceof OutputClosedError) {
    send({ type: 'outputClosed', what: error.what });
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  send({ type: 'failed', message, ...(isStoreRefusal(error) ? { exitCode: error.exitCode } : {}) });
}

type WindowsMessage = Extract<ToWriter, { type: 'windows' }>;

/** Closes in `seq` order, written as one: their windows in order, then the progress of the last. */
async function write(closes: readonly WindowsMessage[]): Promise<void> {
  if (failed) return;
  if (scope === null) throw new Error('windows to write before any input partition was assigned');
  const started = performance.now();
  const windows = closes.map(({ parts }) => merger.merge(parts));
  const last = closes[closes.length - 1];
  await sink.write(windows.flat(), scope, last.closedThrough, last.idle);
  const writeMs = performance.now() - started;
  closes.forEach(({ seq, parts }, i) => {
    // Written, and the report taken: nothing reads the parts any more.
    const spent = parts.map(spentBufferOf);
    send({ type: 'durable', seq, report: reportOf(windows[i], writeMs), spent }, spent);
  });
}

function reportOf(windows: readonly MergedWindow[], writeMs: number): DurableReport {
  let rows = 0;
  let events = 0;
  for (const window of windows) {
    rows += window.clientRowCount() + window.pageRowCount() + 1;
    events += window.events;
  }
  const last = windows.length > 0 ? windows[windows.length - 1] : null;
  return { windows: windows.length, rows, events, lastWindowEnd: last?.windowEnd ?? null, topPage: topPageOf(last), writeMs };
}

/** Read from the window's columns, so a sink that never asks for the string arrays does not build them. */
function topPageOf(window: MergedWindow | null): DurableReport['topPage'] {
  if (window === null) return null;
  const { names, run, pageIds, visitors } = window.columns.visitors;
  let best = -1;
  for (let i = 0; i < pageIds.length; i++) if (best === -1 || visitors[i] > visitors[best]) best = i;
  if (best === -1) return null;
  const { topics, pages } = names[run[best]];
  return { topic: topics[pageIds[best]], page: pages[pageIds[best]], visitors: visitors[best] };
}

/** Reads what the sink holds of the newly owned partitions; later writes are for these partitions. */
async function assign(owned: readonly number[], partitionCount: number): Promise<void> {
  if (failed) return;
  const states = job === null ? new Map() : await sink.readPartitions(job);
  const delivered = new Map(owned.map((partition) => [partition, states.get(partition)?.delivered ?? -Infinity]));
  scope = { job, partitionCount, owned, delivered };
  send({ type: 'assigned', delivered: [...delivered] });
}

/** The instance's partitions are all idle: what it follows (see Sink.follow). */
async function follow(): Promise<void> {
  if (failed) return;
  send({ type: 'frontier', through: scope === null ? -Infinity : await sink.follow(scope) });
}

port.on('message', (message: ToWriter) => {
  if (message.type === 'windows') {
    if (gathering === null) {
      const closes: WindowsMessage[] = (gathering = []);
      queue = queue
        .then(() => {
          // From here on, closes wait for the next write.
          if (gathering === closes) gathering = null;
          return write(closes);
        })
        .catch(fail);
    }
    gathering.push(message);
    return;
  }
  // Closes after an assignment are written under it: nothing gathers across one.
  gathering = null;
  if (message.type === 'assign') queue = queue.then(() => assign(message.owned, message.partitionCount)).catch(fail);
  else if (message.type === 'follow') queue = queue.then(follow).catch(fail);
  else queue = queue.then(() => sink.close()).then(() => send({ type: 'closed' }), fail);
});

async function open(): Promise<void> {
  await sink.open();
  const recorded = job !== null && sink.keepsProgress && (await sink.readPartitions(job)).size > 0;
  send({ type: 'ready', kept: sink.keepsProgress, recorded });
}

open().catch(fail);
