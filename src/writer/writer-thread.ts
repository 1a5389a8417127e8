import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { createSink } from '../sinks/create-sink';
import { WindowMerger, type MergedWindow } from './merge';
import type { DurableReport, FromWriter, ToWriter, WriterData } from '../wire/writer-protocol';
import type { WindowRows } from '../windows/window';
import { isSharedSink, type PartitionScope, type SharedSink } from '../sinks/sink';

// The writer thread: merges shards' partials into windows and writes them, one close at a time, in
// order, acknowledging each once the sink says it is durable.
const port = parentPort!;
const { sink: sinkConfig, job, shared } = workerData as WriterData;
const sink = createSink(sinkConfig);
/** A shared job's current assignment, once the first arrived. */
let scope: PartitionScope | null = null;
let recordedThrough = -Infinity;
const merger = new WindowMerger();
let queue: Promise<void> = Promise.resolve();
// After a failed write nothing later is written: a later window durable past a hole would be a lie.
let failed = false;

function send(message: FromWriter, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function fail(error: unknown): void {
  failed = true;
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}

async function write(seq: number, closedThrough: number, parts: readonly Uint8Array[], idle: boolean): Promise<void> {
  if (failed) return;
  const started = performance.now();
  const windows = merger.merge(parts);
  if (shared) {
    if (scope !== null) await sharedSink().writeShare(windows, scope, closedThrough, idle);
  } else {
    const through = progressOf(closedThrough, windows);
    if (windows.length > 0 || through > recordedThrough) {
      await sink.writeWindows(windows, job === null ? null : { job, closedThrough: through });
      recordedThrough = through;
    }
  }
  // Written, and the report taken: nothing reads the parts any more.
  const spent = parts.map((part) => part.buffer as ArrayBuffer);
  send({ type: 'durable', seq, report: reportOf(windows, performance.now() - started), spent }, spent);
}

/**
 * The end of input closes every window (through = Infinity); what is recorded then is the last window
 * end written, so windows a later run fills with new events are still open to it.
 */
function progressOf(closedThrough: number, windows: readonly WindowRows[]): number {
  if (closedThrough !== Infinity) return closedThrough;
  return windows.length > 0 ? Math.max(recordedThrough, windows[windows.length - 1].windowEnd) : recordedThrough;
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

function sharedSink(): SharedSink {
  if (!isSharedSink(sink)) throw new Error(`the ${sinkConfig.kind} sink cannot merge the shares of several instances`);
  return sink;
}

/** Reads what the sink holds of the newly owned partitions; later writes are this instance's share of them. */
async function assign(owned: readonly number[], partitionCount: number): Promise<void> {
  if (failed) return;
  const states = await sharedSink().readPartitions(job!);
  const delivered = new Map(owned.map((partition) => [partition, states.get(partition)?.delivered ?? -Infinity]));
  scope = { job: job!, partitionCount, owned, delivered };
  send({ type: 'assigned', delivered: [...delivered] });
}

/** The instance's partitions are all idle: what it follows (see SharedSink.follow). */
async function follow(): Promise<void> {
  if (failed) return;
  send({ type: 'frontier', through: scope === null ? -Infinity : await sharedSink().follow(scope) });
}

port.on('message', (message: ToWriter) => {
  if (message.type === 'windows') {
    queue = queue.then(() => write(message.seq, message.closedThrough, message.parts, message.idle)).catch(fail);
  }
  else if (message.type === 'assign') queue = queue.then(() => assign(message.owned, message.partitionCount)).catch(fail);
  else if (message.type === 'follow') queue = queue.then(follow).catch(fail);
  else queue = queue.then(() => sink.close()).then(() => send({ type: 'closed' }), fail);
});

async function open(): Promise<void> {
  await sink.open();
  recordedThrough = job === null || shared ? -Infinity : await sink.readProgress(job);
  send({ type: 'ready', closedThrough: recordedThrough });
}

open().catch(fail);
