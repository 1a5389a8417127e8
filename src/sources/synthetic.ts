import { performance } from 'node:perf_hooks';
import { createGenerator, type EventGenerator } from './generator';
import type { ProfileName } from './profiles';
import { Sleeper } from './sleeper';
import type { Position, Source, SourceBatch } from './source';

export { createGenerator, type EventGenerator } from './generator';

export interface SyntheticOptions {
  readonly profile: ProfileName;
  readonly seed: number;
  /** Delivery rate in events per second, or as fast as the consumer pulls. */
  readonly rate: number | 'max';
  /** How many events in all; endless when absent. */
  readonly events?: number;
}

const BATCH_SIZE = 4096;
/** Shortest wait between paced deliveries: what is due is delivered every tick or so. */
const TICK_MS = 15;
/** Longest wait, so a slow rate still notices the clock without one huge timer. */
const MAX_WAIT_MS = 1000;

export function createSyntheticSource(options: SyntheticOptions): Source {
  return new SyntheticSource(options);
}

class SyntheticSource implements Source {
  readonly description: string;
  private readonly generator: EventGenerator;
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
    this.description = `synthetic:${options.profile}`;
    this.generator = createGenerator(options.profile, options.seed);
    this.limit = options.events ?? Infinity;
  }

  partitionCount(): number {
    return 1;
  }

  isBounded(): boolean {
    return this.options.events !== undefined;
  }

  batches(): AsyncIterable<SourceBatch> {
    return this.options.rate === 'max' ? this.unpaced() : this.paced(this.options.rate);
  }

  stop(): void {
    this.stopped = true;
    this.sleeper.wake();
  }

  private async *unpaced(): AsyncGenerator<SourceBatch> {
    while (this.hasMore()) yield this.nextBatch(Math.min(BATCH_SIZE, this.limit - this.generator.generated));
  }

  /** Delivers on a timer whatever the rate says is due by now, catching up after a slow consumer. */
  private async *paced(rate: number): AsyncGenerator<SourceBatch> {
    const started = performance.now();
    while (this.hasMore()) {
      const elapsed = performance.now() - started;
      const due = Math.min(Math.floor((elapsed * rate) / 1000), this.limit) - this.generator.generated;
      if (due > 0) {
        yield this.nextBatch(Math.min(BATCH_SIZE, due));
      } else {
        const untilNext = ((this.generator.generated + 1) * 1000) / rate - elapsed;
        await this.sleeper.sleep(Math.min(Math.max(untilNext, TICK_MS), MAX_WAIT_MS));
      }
    }
  }

  private hasMore(): boolean {
    return !this.stopped && this.generator.generated < this.limit;
  }

  private nextBatch(count: number): SourceBatch {
    const firstIndex = this.generator.generated;
    return new SyntheticBatch(this.generator.next(count), firstIndex);
  }
}

class SyntheticBatch implements SourceBatch {
  readonly partition = 0;

  constructor(
    readonly messages: readonly Buffer[],
    private readonly firstIndex: number,
  ) {}

  position(index: number): Position {
    return { kind: 'synthetic', index: this.firstIndex + index };
  }
}
