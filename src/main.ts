#!/usr/bin/env node
import { FlagError, usageOf } from './cli/flag-parser';
import { MAIN_FLAGS, parseMainFlags } from './cli/main-flags';
import { ProgressDisplay } from './cli/display';
import { formatDuration } from './cli/duration';
import { Pipeline } from './pipeline/pipeline';
import type { PipelineConfig } from './pipeline/config';
import { describeSink } from './sinks/config';

async function main(argv: readonly string[]): Promise<number> {
  let config: PipelineConfig;
  try {
    const command = parseMainFlags(argv);
    if (command.help) {
      process.stdout.write(usageOf('node dist/main.js', MAIN_FLAGS));
      return 0;
    }
    config = command.config;
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    process.stderr.write(`clickstream: ${error.message}\n`);
    return 2;
  }
  const pipeline = new Pipeline(config);
  const progress = new ProgressDisplay(pipeline.metrics);
  const onSignal = (signal: string) => {
    progress.log(`${signal}: stopping; writing the windows that are due`);
    pipeline.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const { windowMs, slideMs } = config.windows;
  const { batchMs } = config;
  progress.log(
    `clickstream: ${pipeline.source.description} → ${describeSink(config.sink)}, ${config.clock.kind} clock, window ` +
      `${formatDuration(windowMs)} sliding ${formatDuration(slideMs)}, batch ${formatDuration(batchMs)}, threads ${config.threads}`,
  );
  progress.start();
  try {
    await pipeline.run();
    progress.stop();
    progress.log('done', progress.summary());
    return 0;
  } catch (error) {
    progress.stop();
    progress.log(`clickstream failed: ${error instanceof Error ? error.message : String(error)}`, progress.summary());
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`clickstream: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
