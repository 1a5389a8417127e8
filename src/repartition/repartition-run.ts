import type { Pipeline } from '../pipeline/pipeline';
import type { RepartitionConfig } from '../sources/config';
import { Repartitioner } from './repartitioner';

/**
 * A job with --repartition: the re-keying stage in front of the pipeline, whose source reads the
 * internal topic. With --stop-at-end the two run one after the other, so the job's end offsets of
 * its start are those of a complete internal topic: phase 1 re-keys until the stage's group has
 * committed every input partition to its end, phase 2 runs the job to the internal topic's end.
 * Otherwise both run until stopped, and either one failing stops the other.
 */
export class RepartitionRun {
  private readonly stage: Repartitioner;
  private stopped = false;

  constructor(
    private readonly config: RepartitionConfig,
    private readonly pipeline: Pipeline,
    private readonly log: (line: string) => void,
  ) {
    this.stage = new Repartitioner(config);
  }

  async run(): Promise<void> {
    const { stage, pipeline, config } = this;
    const rekeying = `re-keying kafka:${config.input.topic} by client_id into ${config.topic} (group ${stage.group})`;
    let running = false;
    try {
      await stage.prepare();
      // The job's store and group are checked before the stage writes anything.
      await pipeline.open();
      await stage.start();
      if (!config.input.stopAtEnd) {
        this.log(`${rekeying} while the job reads it`);
        running = true;
        await settleBoth(stage.done.finally(() => pipeline.stop()), pipeline.run().finally(() => stage.stop()));
        return;
      }
      this.log(`phase 1: ${rekeying} until that group has committed every partition to its end offset of the start`);
      await stage.done;
      if (!this.stopped) await stage.readable();
      await stage.close();
      if (this.stopped) return;
      this.log(`phase 2: the job reads ${config.topic} to its end`);
      running = true;
      await pipeline.run();
    } finally {
      await stage.close();
      if (!running) await pipeline.abandon();
    }
  }

  /** SIGINT/SIGTERM (the pipeline is stopped by the caller, as without --repartition); in phase 1 the job does not start. */
  stop(): void {
    this.stopped = true;
    this.stage.stop();
  }
}

/** Waits for both; a failure, if any, is the outcome (the first one's, were both to fail). */
async function settleBoth(first: Promise<void>, second: Promise<void>): Promise<void> {
  const outcomes = await Promise.allSettled([first, second]);
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
