import Piscina from 'piscina';
import { join } from 'node:path';
import { pinnedBalancer, type ShardRoute } from './pinned-balancer';
import { ShardBatchBuilder, transferablesOf, type ByteRanges } from '../wire/shard-batch';
import type { AggregationWorkerData, ShardHeld, ShardTask, ShardTaskResult } from '../wire/task';
import type { EmissionPart } from '../wire/emission';
import type { WindowSpec } from '../windows/spec';

export interface DispatcherOptions {
  readonly threads: number;
  readonly spec: WindowSpec;
  /** Wall clock: events carry their own timestamp beside the arrival time. */
  readonly keepsEventTimes: boolean;
  /** Events per task before a shard's batch is sent early. */
  readonly batchCapacity: number;
  /** Called, in `seq` order, with every shard's encoded partials of one close. */
  readonly onClosed: (seq: number, parts: EmissionPart[]) => void;
  /** Called once with the first failure of a task or worker. */
  readonly onFailure: (error: Error) => void;
}

/** Pools made by this process so far. */
let pools = 0;

/** Closes in flight per shard are few (the pipeline bounds pending writes), so are the buffers they need. */
const SPARE_BUFFERS_PER_SHARD = 4;

interface CloseInProgress {
  readonly parts: EmissionPart[];
  remaining: number;
}

/**
 * Routes events to shards and shards to pinned workers. A shard's tasks run on its worker in the order
 * sent — a close always follows the events sent before it — and their results are handled in that order.
 */
export class ShardDispatcher {
  private readonly pool: Piscina;
  private readonly builders: ShardBatchBuilder[] = [];
  /** Per shard, the handling of its latest task's result: each waits for the one before. */
  private readonly chains: Promise<void>[] = [];
  private readonly queued: number[] = [];
  /** Per shard, what it held after its latest finished task. */
  private readonly held: ShardHeld[] = [];
  /** Per shard, a waiter for its next finished task, made on demand. */
  private readonly finished: ({ promise: Promise<void>; resolve: () => void } | null)[] = [];
  private readonly closes = new Map<number, CloseInProgress>();
  /** Emission buffers the writer is done with, handed to the next closes to encode into. */
  private readonly spareBuffers: ArrayBuffer[] = [];
  private nextCloseSeq = 0;
  private failed = false;
  private destroying = false;

  constructor(private readonly options: DispatcherOptions) {
    const workerData: AggregationWorkerData = { spec: options.spec, pool: ++pools };
    this.pool = new Piscina({
      filename: join(__dirname, '..', 'aggregation', 'worker.js'),
      minThreads: options.threads,
      maxThreads: options.threads,
      // A recycled worker would lose its shards' open windows.
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      loadBalancer: pinnedBalancer(options.threads),
      // A task the balancer cannot place yet (its worker is still starting) goes back to the head of
      // the queue, not the tail, so tasks reach their workers in the order they were run.
      stricterFIFO: true,
      workerData,
    });
    this.pool.on('error', (error: Error) => this.fail(error));
    this.pool.on('workerDestroy', () => {
      if (!this.destroying) this.fail(new Error('an aggregation worker thread died; its shard state is lost'));
    });
    for (let shard = 0; shard < options.threads; shard++) {
      this.builders.push(new ShardBatchBuilder(options.batchCapacity, options.keepsEventTimes));
      this.chains.push(Promise.resolve());
      this.queued.push(0);
      this.held.push({ openWindows: 0, openPanes: 0 });
      this.finished.push(null);
    }
  }

  get shards(): number {
    return this.builders.length;
  }

  /** Tasks sent to the workers and not finished yet, over every shard (read by the metrics endpoint). */
  queuedTasks(): number {
    let tasks = 0;
    for (const queued of this.queued) tasks += queued;
    return tasks;
  }

  /** Per shard, its open windows and panes as of its latest finished task (read by the metrics endpoint). */
  heldByShard(): readonly ShardHeld[] {
    return this.held;
  }

  /** Worker threads alive now. */
  liveThreads(): number {
    return this.pool.threads.length;
  }

  /** Adds one event to its shard's batch, sending the batch when it is full. */
  add(shard: number, clientId: string, topic: string, page: string, time: number, eventTime: number): void {
    const builder = this.builders[shard];
    builder.append(clientId, topic, page, time, eventTime);
    if (builder.isFull()) this.enqueue(shard, null);
  }

  /** Adds one event given as byte ranges of the bytes it was scanned in. */
  addBytes(shard: number, bytes: Uint8Array, fields: ByteRanges, time: number, eventTime: number): void {
    const builder = this.builders[shard];
    builder.appendBytes(bytes, fields, time, eventTime);
    if (builder.isFull()) this.enqueue(shard, null);
  }

  /** Sends every shard's pending events. */
  sendAll(): void {
    for (let shard = 0; shard < this.shards; shard++) {
      if (!this.builders[shard].isEmpty()) this.enqueue(shard, null);
    }
  }

  /** Sends every shard's pending events, then closes the windows ending at or before `through`. */
  closeThrough(through: number): number {
    const seq = this.nextCloseSeq++;
    this.closes.set(seq, { parts: new Array(this.shards), remaining: this.shards });
    for (let shard = 0; shard < this.shards; shard++) this.enqueue(shard, { seq, through });
    return seq;
  }

  /** Takes back emission buffers once written; a few per shard are kept, enough for the closes in flight. */
  recycle(buffers: readonly ArrayBuffer[]): void {
    for (const buffer of buffers) {
      if (this.spareBuffers.length < SPARE_BUFFERS_PER_SHARD * this.shards) this.spareBuffers.push(buffer);
    }
  }

  /** Waits while any shard has more than `limit` tasks queued: backpressure for the source. */
  async waitForCapacity(limit: number): Promise<void> {
    for (let shard = 0; shard < this.shards; shard++) {
      while (this.queued[shard] > limit && !this.failed) await this.nextFinished(shard);
    }
  }

  /** Waits until every task sent so far is done. */
  async drain(): Promise<void> {
    await Promise.all(this.chains);
  }

  async destroy(): Promise<void> {
    this.destroying = true;
    await this.pool.destroy();
  }

  private enqueue(shard: number, close: { seq: number; through: number } | null): void {
    const builder = this.builders[shard];
    const batch = builder.isEmpty() ? null : builder.take();
    const spare = close === null ? null : (this.spareBuffers.pop() ?? null);
    const task: ShardTask & { [key: symbol]: ShardRoute } = {
      shard,
      batch,
      closeThrough: close === null ? null : close.through,
      spare,
      [Piscina.queueOptionsSymbol]: { shard },
    };
    const transferList = batch === null ? [] : transferablesOf(batch);
    if (spare !== null) transferList.push(spare);
    this.queued[shard]++;
    // Run at once, not after the shard's previous task: the balancer hands it straight to the shard's
    // worker, which takes its tasks one at a time in the order they arrive, so the worker has its next
    // task while this thread is still busy reading the source.
    const run: Promise<ShardTaskResult | null> = this.failed ? Promise.resolve(null) : this.pool.run(task, { transferList });
    this.chains[shard] = Promise.all([this.chains[shard], run]).then(
      ([, result]) => {
        this.onFinished(shard);
        if (result === null) return;
        this.held[shard] = { openWindows: result.openWindows, openPanes: result.openPanes };
        if (close !== null) this.onPart(close.seq, shard, result.emission!);
      },
      (error: Error) => {
        this.onFinished(shard);
        this.fail(error);
      },
    );
  }

  private nextFinished(shard: number): Promise<void> {
    if (this.finished[shard] === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.finished[shard] = { promise, resolve };
    }
    return this.finished[shard].promise;
  }

  private onFinished(shard: number): void {
    this.queued[shard]--;
    this.finished[shard]?.resolve();
    this.finished[shard] = null;
  }

  private onPart(seq: number, shard: number, part: EmissionPart): void {
    const close = this.closes.get(seq)!;
    close.parts[shard] = part;
    if (--close.remaining > 0) return;
    this.closes.delete(seq);
    this.options.onClosed(seq, close.parts);
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    for (let shard = 0; shard < this.shards; shard++) this.finished[shard]?.resolve();
    this.options.onFailure(error);
  }
}
