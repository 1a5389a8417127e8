/**
 * Turns kafkajs's push model (eachBatch is called with a batch) into the pull model of
 * `Source.batches()` (the pipeline asks for the next batch once it has processed the last).
 * The buffer is bounded: while it is full, `waitForRoom` keeps the pushing eachBatch waiting, and
 * kafkajs 2 fetches again only after its eachBatch calls for the last fetch have returned — so a slow
 * pipeline stops fetching rather than growing memory. Nothing pushed is dropped unless the
 * source is stopped.
 */
export class BatchBridge<T> implements AsyncIterableIterator<T> {
  private readonly buffered: T[] = [];
  private puller: { resolve(result: IteratorResult<T>): void; reject(error: Error): void } | null = null;
  private roomWaiters: (() => void)[] = [];
  private failure: Error | null = null;
  /** No more batches will come: complete once the buffer is drained. */
  private finished = false;
  /** Stopped: complete now, dropping what is buffered (it was never released, so it is read again next run). */
  private ended = false;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    if (this.isClosed()) return;
    if (this.puller !== null) this.settle({ value: item, done: false });
    else this.buffered.push(item);
  }

  /** True once stopped, finished or failed: pushing is pointless. */
  isClosed(): boolean {
    return this.ended || this.finished || this.failure !== null;
  }

  /** Whether a buffered item, not yet pulled, satisfies `predicate`. */
  holds(predicate: (item: T) => boolean): boolean {
    return this.buffered.some(predicate);
  }

  hasRoom(): boolean {
    return this.buffered.length < this.capacity || this.ended || this.failure !== null;
  }

  /** Resolves when there is room (or the bridge is stopped), or after `timeoutMs` at the latest. */
  waitForRoom(timeoutMs: number): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.roomWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The source is exhausted: the iterator completes after the buffered batches. */
  finish(): void {
    this.finished = true;
    if (this.buffered.length === 0 && this.puller !== null) this.settle({ value: undefined, done: true });
  }

  /** Stopped: the iterator completes at the next pull; buffered batches are dropped. */
  end(): void {
    this.ended = true;
    this.buffered.length = 0;
    if (this.puller !== null) this.settle({ value: undefined, done: true });
    this.wakeRoomWaiters();
  }

  fail(error: Error): void {
    if (this.failure !== null || this.ended) return;
    this.failure = error;
    if (this.puller !== null) {
      const { reject } = this.puller;
      this.puller = null;
      reject(error);
    }
    this.wakeRoomWaiters();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.buffered.length > 0) {
      const value = this.buffered.shift()!;
      this.wakeRoomWaiters();
      return Promise.resolve({ value, done: false });
    }
    if (this.ended || this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.puller = { resolve, reject }));
  }

  /** The consumer left its loop early (`break`): same as a stop. */
  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private settle(result: IteratorResult<T>): void {
    const { resolve } = this.puller!;
    this.puller = null;
    resolve(result);
  }

  private wakeRoomWaiters(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }
}
