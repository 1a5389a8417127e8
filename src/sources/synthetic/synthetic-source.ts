import { performance } from 'node:perf_hooks';
import { createGenerator, type EventGenerator } from './generator';
import type { ProfileName } from './profiles';
import { checkSeed } from './random';
import { RemoteGenerator } from './remote-generator';
import { Sleeper } from './sleeper';
import { unpack, type PackedMessages } from './slab';
import { type Position, type Source, type SourceBatch, type SourceEvent, onePartition } from '../source';


export interface SyntheticOptions {
  readonly profile: ProfileName;
  readonly seed: number;
  /** Delivery rate in events per second, or as fast as the consumer pulls. */
  readonly rate: number | 'max';
  /** How many events in all; endless when absent. */
  readonly events?: number;
}

const BATCH_SIZE = 4096;
/** Batches requested from the generator thread ahead of the one being delivered. */
const READ_AHEAD = 4;
/** Shortest wait between paced deliveries: what is due is delivered every tick or so. */
const TICK_MS = 15;
/** Longest wait, so a slow rate still notices the clock without one huge timer. */
const MAX_WAIT_MS = 1000;

export function createSyntheticSource(options: SyntheticOptions): Source {
  return new SyntheticSource(options);
}

class SyntheticSource implements Source {
  readonly description: string;
  readonly job = null;
  private generator: EventGenerator | null = null;
  private readonly limit: number;
  private readonly sleeper = new Sleeper();
  private stopped = false;

  constructor(private readonly options: SyntheticOptions) {
    if (options.rate !== 'max' && !(options.rate > 0 && Number.isFinite(options.rate))) {
      throw new RangeError(`rate must be a positive number of events per second or 'max', got ${options.rate}`);
    }
    if (options.events !== undefined && !(Number.isSafeInteger(options.events) && options.events >= 0)) {
      throw new RangeError(`events must be a non-negative integer, got ${options.events}`);
    }
    // The generator is made later, on its own thread at rate max: its seed is checked now.
    checkSeed(options.seed);
    this.description = `synthetic:${options.profile}`;
    this.limit = options.events ?? Infinity;
  }

  partitionCount(): number {
    return 1;
  }

  events(): AsyncIterable<SourceEvent> {
    return onePartition(this.options.rate === 'max' ? this.unpaced() : this.paced(this.options.rate));
  }

  stop(): void {
    this.stopped = true;
    this.sleeper.wake();
  }

  /**
   * As fast as the pipeline pulls: the events are generated on a thread of their own, a few batches
   * ahead, and arrive as views of the buffers it transfers.
   */
  private async *unpaced(): AsyncGenerator<SourceBatch> {
    const remote = new RemoteGenerator({ profile: this.options.profile, seed: this.options.seed });
    const ahead: Promise<PackedMessages>[] = [];
    let requested = 0;
    let delivered = 0;
    try {
      while (!this.stopped && delivered < this.limit) {
        while (ahead.length < READ_AHEAD && requested < this.limit) {
          const count = Math.min(BATCH_SIZE, this.limit - requested);
          const next = remote.next(count);
          // Awaited in turn below; until then a failure must not count as unhandled.
          next.catch(() => undefined);
          ahead.push(next);
          requested += count;
        }
        const messages = unpack(await ahead.shift()!);
        yield new SyntheticBatch(messages, delivered);
        delivered += messages.length;
      }
    } finally {
      await remote.close();
    }
  }

  /** Delivers on a timer whatever the rate says is due by now, catching up after a slow consumer. */
  private async *paced(rate: number): AsyncGenerator<SourceBatch> {
    const generator = (this.generator ??= createGenerator(this.options.profile, this.options.seed));
    const started = performance.now();
    while (!this.stopped && generator.generated < this.limit) {
      const elapsed = performance.now() - started;
      const due = Math.min(Math.floor((elapsed * rate) / 1000), this.limit) - generator.generated;
      if (due > 0) {
        const firstIndex = generator.generated;
        yield new SyntheticBatch(generator.next(Math.min(BATCH_SIZE, due)), firstIndex);
      } else {
        const untilNext = ((generator.generated + 1) * 1000) / rate - elapsed;
        await this.sleeper.sleep(Math.min(Math.max(untilNext, TICK_MS), MAX_WAIT_MS));
      }
    }
  }
}

class SyntheticBatch implements SourceBatch {
  readonly kind = 'batch';
  readonly partition = 0;
  readonly generation = 1;

  constructor(
    readonly messages: readonly Buffer[],
    private readonly firstIndex: number,
  ) {}

  position(index: number): Position {
    return { kind: 'synthetic', index: this.firstIndex + index };
  }
}
