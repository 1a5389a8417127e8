#!/usr/bin/env node
import { FlagError, usageOf } from './cli/flag-parser';
import { MAIN_FLAGS, parseMainFlags, type RunConfig } from './cli/main-flags';
import { Metrics } from './pipeline/metrics';
import { Progress } from './cli/display';
import { Pipeline } from './pipeline/pipeline';
import { createSource } from './sources/create-source';
import { createDeadLetters } from './dead-letters/dead-letters';
import { describeSink } from './sinks/config';
import { formatDuration } from './cli/duration';

async function main(argv: readonly string[]): Promise<number> {
  let config: RunConfig;
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
  const metrics = new Metrics();
  const progress = new Progress(metrics);
  metrics.onWindows = (report) => progress.windowsWritten(report);
  const source = createSource(config.source);
  const pipeline = new Pipeline({
    source,
    spec: config.spec,
    clock: config.clock,
    latenessMs: config.latenessMs,
    idleTimeoutMs: config.idleTimeoutMs,
    threads: config.threads,
    sink: config.sink,
    deadLetters: createDeadLetters(config.deadLetters),
    metrics,
  });
  const onSignal = (signal: string) => {
    progress.log(`${signal}: stopping; writing the windows that are due`);
    pipeline.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const { batchMs, windowMs, slideMs } = config.spec;
  progress.log(
    `clickstream: ${source.description} → ${describeSink(config.sink)}, ${config.clock} clock, window ` +
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
