#!/usr/bin/env node
import { parseCommandLine, redactedCommandLine } from './cli/flag-parser';
import { MAIN_COMMAND, mainCommandOf, type MainCommand } from './cli/main-flags';
import { ProgressDisplay } from './cli/display';
import { environmentWarnings } from './cli/commands';
import { countOf } from './cli/plural';
import { formatDuration } from './cli/duration';
import { createDeadLetters, type DeadLetterConfig } from './dead-letters/dead-letters';
import type { EngineMetrics } from './pipeline/metrics';
import { Pipeline } from './pipeline/pipeline';
import { describeSink } from './sinks/config';
import { servedJobOf } from './http/job';
import { RecentDeadLetters } from './http/recent-dead-letters';
import type { JobHttpServer } from './http/server';

async function run(command: MainCommand, argv: readonly string[]): Promise<number> {
  const deadLetters = command.config.deadLetters;
  // The dead-letter file is appended to run after run: a marker line says which run the letters after it are from.
  const config = {
    ...command.config,
    deadLetters:
      deadLetters.kind === 'file'
        ? { ...deadLetters, run: { time: new Date().toISOString(), command: redactedCommandLine(MAIN_COMMAND, argv) } }
        : deadLetters,
  };
  // Serving the dashboard, the main thread keeps the latest few dead letters for it too.
  const recent = command.http === null ? null : new RecentDeadLetters(createDeadLetters(config.deadLetters));
  const pipeline = new Pipeline(config, recent === null ? {} : { deadLetters: recent });
  const progress = new ProgressDisplay(pipeline.metrics, command.logFormat);
  for (const warning of environmentWarnings()) progress.warn(warning);
  const rekeying =
    command.repartition === null
      ? null
      : new (require('./pipeline/repartition-run') as typeof import('./pipeline/repartition-run')).RepartitionRun(
          command.repartition,
          pipeline,
          (line) => progress.log(line),
        );
  const onSignal = (signal: string) => {
    progress.log(`${signal}: stopping; writing the windows that are due`);
    pipeline.stop();
    rekeying?.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const { windowMs, slideMs } = config.windows;
  const sink = describeSink(config.sink);
  const window = `window ${formatDuration(windowMs)} sliding ${formatDuration(slideMs)}, batch ${formatDuration(config.batchMs)}`;
  progress.log(`clickstream: ${pipeline.source.description} → ${sink}, ${command.clockNote}, ${window}, threads ${config.threads}`);
  let server: JobHttpServer | null = null;
  if (command.http !== null) {
    const description = {
      source: pipeline.source.description,
      sink,
      clock: command.clockNote,
      window,
      threads: config.threads,
      deadLetters: deadLettersWhere(config.deadLetters),
    };
    const job = servedJobOf(pipeline, config, description, recent);
    const { JobHttpServer } = require('./http/server') as typeof import('./http/server');
    try {
      server = await JobHttpServer.start(command.http, job);
    } catch (error) {
      progress.error(`cannot serve HTTP on ${command.http.host}:${command.http.port}: ${messageOf(error)}`);
      return 1;
    }
    const guarded = command.http.token === null ? '' : ' (/api/* and the dashboard need the token)';
    // The address as a field too, for whoever reads the JSON lines (port 0 picks one).
    progress.log(`dashboard ${server.url}, metrics ${server.url}metrics${guarded}`, progress.format === 'json' ? { url: server.url } : {});
  }
  progress.start();
  try {
    await (rekeying === null ? pipeline.run() : rekeying.run());
    progress.stop();
    tellWhereRejectsWent(progress, pipeline.metrics, config.deadLetters);
    warnIfMisplaced(progress, pipeline.metrics);
    progress.logSummary('done');
    return 0;
  } catch (error) {
    progress.stop();
    progress.logSummary(`clickstream failed: ${messageOf(error)}`, 'error');
    return 1;
  } finally {
    await server?.close();
  }
}

/**
 * Where the rejected messages went, whenever there were any. A run that accepted nothing is no
 * success, even when it exits 0: that one is a warning.
 */
function tellWhereRejectsWent(progress: ProgressDisplay, metrics: EngineMetrics, deadLetters: DeadLetterConfig): void {
  const { received } = metrics;
  const rejected = metrics.rejectedTotal();
  if (rejected === 0) return;
  const where = deadLettersWhere(deadLetters);
  if (rejected === received) {
    const all = received === 1 ? 'the one message read was' : `every one of the ${countOf(received, 'message')} read was`;
    progress.warn(`${all} rejected; see the dead letters in ${where}`, { deadLetters: where });
  } else {
    progress.log(`${countOf(rejected, 'message')} of ${received.toLocaleString('en')} rejected; see the dead letters in ${where}`, { deadLetters: where });
  }
}

function deadLettersWhere(deadLetters: DeadLetterConfig): string {
  return deadLetters.kind === 'file' ? deadLetters.path : `kafka:${deadLetters.topic}`;
}

/** Several instances count a client in the partition its key hashes to; events elsewhere may be miscounted. */
function warnIfMisplaced(progress: ProgressDisplay, metrics: EngineMetrics): void {
  if (metrics.misplaced === 0) return;
  progress.warn(
    `${countOf(metrics.misplaced, 'event')} came from another partition than Kafka's default partitioner gives their client_id; ` +
      'with several instances their clients can be miscounted: produce keyed by client_id (see the README, "Several instances")',
    { misplaced: metrics.misplaced },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(MAIN_COMMAND, argv, mainCommandOf);
  if ('exitCode' in parsed) return parsed.exitCode;
  return run(parsed.command, argv);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(JSON.stringify({ level: 'error', time: new Date().toISOString(), msg: `clickstream: ${text}` }) + '\n');
    process.exitCode = 1;
  },
);
