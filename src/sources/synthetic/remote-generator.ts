import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { ProfileName } from './profiles';
import type { PackedMessages } from './slab';

export interface GeneratorThreadData {
  readonly profile: ProfileName;
  readonly seed: number;
}

interface Request {
  resolve(packed: PackedMessages): void;
  reject(error: Error): void;
}

/**
 * The main thread's handle on a generator thread: `next(count)` asks for the next `count` events of
 * the seed's stream, and several requests may be in flight (they are answered in order), so the
 * thread generates while the pipeline works through earlier batches.
 */
export class RemoteGenerator {
  private readonly thread: Worker;
  private readonly requests: Request[] = [];
  private failure: Error | null = null;

  constructor(data: GeneratorThreadData) {
    this.thread = new Worker(join(__dirname, 'generator-thread.js'), { workerData: data });
    this.thread.on('message', (packed: PackedMessages) => this.requests.shift()?.resolve(packed));
    this.thread.on('error', (error) => this.fail(error));
    this.thread.on('exit', (code) => this.fail(new Error(`the synthetic generator thread exited with code ${code}`)));
  }

  next(count: number): Promise<PackedMessages> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.requests.push({ resolve, reject });
      this.thread.postMessage(count);
    });
  }

  /** Ends the thread. Requests still in flight are dropped: whoever made them no longer waits. */
  async close(): Promise<void> {
    this.failure ??= new Error('the synthetic generator was closed');
    this.requests.length = 0;
    await this.thread.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const request of this.requests.splice(0)) request.reject(this.failure);
  }
}
