import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { DurableReport, FromWriter, ToWriter, WriterData } from '../wire/writer-protocol';
import type { EmissionPart } from '../wire/emission';
import type { SinkConfig } from '../sinks/config';
import type { JobIdentity } from '../sinks/identity';
import { StoreRefusal } from '../sinks/refusal';
import type { StoreProgress } from '../sources/source';
import { OutputClosedError } from '../sinks/jsonl/output-closed';

export interface Durable {
  readonly report: DurableReport;
  readonly spent: ArrayBuffer[];
}

/**
 * The main thread's handle on the writer thread. `write` resolves when the windows are durable; the
 * first failure rejects every pending and later write, and the pipeline stops. An output its reader
 * closed is an OutputClosedError, for the CLI to end quietly.
 */
export class Writer {
  private readonly pending = new Map<number, { resolve(durable: Durable): void; reject(error: Error): void }>();
  private failure: Error | null = null;
  private closing: { resolve(): void; reject(error: Error): void } | null = null;
  private assigning: { resolve(delivered: Map<number, number>): void; reject(error: Error): void } | null = null;
  private following: { resolve(through: number): void; reject(error: Error): void } | null = null;

  private constructor(
    private readonly thread: Worker,
    /** What the sink keeps and holds of the job's progress. */
    readonly store: StoreProgress,
  ) {
    thread.on('message', (message: FromWriter) => this.onMessage(message));
    thread.on('error', (error) => this.onFailure(error));
    thread.on('exit', (code) => {
      if (this.closing === null || code !== 0) this.onFailure(new Error(`writer thread exited with code ${code}`));
    });
  }

  /** Starts the thread and waits until its sink is open; a sink that refuses the job rejects with its StoreRefusal. */
  static start(sink: SinkConfig, job: string | null, identity: JobIdentity): Promise<Writer> {
    const data: WriterData = { sink, job, identity };
    const thread = new Worker(join(__dirname, 'writer-thread.js'), { workerData: data });
    return new Promise((resolve, reject) => {
      // A sink that cannot open leaves a live thread (and its driver's sockets): end it, or the
      // process never exits.
      const fail = (error: Error) => void thread.terminate().finally(() => reject(error));
      const onReady = (message: FromWriter) => {
        if (message.type === 'ready') resolve(new Writer(thread, { kept: message.kept, recorded: message.recorded }));
        else if (message.type === 'failed') fail(message.exitCode === undefined ? new Error(message.message) : new StoreRefusal(message.message, message.exitCode));
        else return;
        thread.off('message', onReady);
        thread.off('error', fail);
      };
      thread.on('message', onReady);
      thread.on('error', fail);
    });
  }

  /**
   * Why the writer can write no more — its thread died or its sink failed — or null; null too once
   * closing, since close ends the thread. Heard at once, while the pipeline hears it only at its next write.
   */
  failed(): string | null {
    return this.closing === null ? (this.failure?.message ?? null) : null;
  }

  /** Resolves once durable, with the parts' buffers given back (`spent`) for reuse; `idle`: see ToWriter. */
  write(seq: number, closedThrough: number, parts: EmissionPart[], idle = false): Promise<Durable> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.post({ type: 'windows', seq, closedThrough, parts, idle }, parts.map((part) => part.bytes.buffer));
    });
  }

  /**
   * A shared job whose partitions are all idle, after every write before it: resolves with the window
   * end through which the partitions of its other instances delivered, which it follows. One at a time.
   */
  follow(): Promise<number> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.following = { resolve, reject };
      this.post({ type: 'follow' }, []);
    });
  }

  /**
   * A new assignment, after every write before it: resolves with each owned partition's durable window
   * end, which the sink recorded.
   */
  assign(owned: readonly number[], partitionCount: number): Promise<Map<number, number>> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.assigning = { resolve, reject };
      this.post({ type: 'assign', owned, partitionCount }, []);
    });
  }

  /** Waits for every write, closes the sink and ends the thread. */
  close(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.closing = { resolve, reject };
      if (this.failure !== null) reject(this.failure);
      else this.post({ type: 'close' }, []);
    }).finally(() => this.thread.terminate());
  }

  /** Ends the thread at once (after a failure elsewhere). */
  async abort(): Promise<void> {
    this.closing = { resolve() {}, reject() {} };
    await this.thread.terminate();
  }

  private post(message: ToWriter, transfer: ArrayBuffer[]): void {
    this.thread.postMessage(message, transfer);
  }

  private onMessage(message: FromWriter): void {
    switch (message.type) {
      case 'durable':
        this.pending.get(message.seq)?.resolve({ report: message.report, spent: message.spent });
        this.pending.delete(message.seq);
        return;
      case 'assigned':
        this.assigning?.resolve(new Map(message.delivered));
        this.assigning = null;
        return;
      case 'frontier':
        this.following?.resolve(message.through);
        this.following = null;
        return;
      case 'closed':
        this.closing?.resolve();
        return;
      case 'failed':
        this.onFailure(
          message.exitCode === undefined ? new Error(`sink write failed: ${message.message}`) : new StoreRefusal(message.message, message.exitCode),
        );
        return;
      case 'outputClosed':
        this.onFailure(new OutputClosedError(message.what));
        return;
      case 'ready':
        return;
    }
  }

  private onFailure(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
    this.assigning?.reject(error);
    this.following?.reject(error);
    this.closing?.reject(error);
  }
}
