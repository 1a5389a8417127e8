#!/usr/bin/env node
// First: kafkajs must load with its record decoding replaced (see lean-records.ts).
import './kafka/install-lean-records';
import { parseCommandLine, redactedCommandLine } from './cli/flag-parser';
import { MAIN_COMMAND, mainCommandOf, type MainCommand } from './cli/main-flags';
import { ProgressDisplay } from './cli/display';
import { environmentWarnings } from './cli/commands';
import { countOf } from './cli/plural';
import { formatDuration } from './windows/duration';
import { createDeadLetters, type DeadLetterConfig } from './dead-letters/dead-letters';
import { createLineDeadLetters } from './dead-letters/line-dead-letters';
import { EngineMetrics } from './pipeline/metrics';
import { resetJob } from './pipeline/reset';
import { Pipeline } from './pipeline/pipeline';
import { describeSink } from './sinks/config';
import { OUTPUT_CLOSED_EXIT_CODE, OutputClosedError } from './sinks/jsonl/output-closed';
import { isStoreRefusal } from './sinks/refusal';
import { servedJobOf } from './http/job';
import { RecentDeadLetters } from './http/recent-dead-letters';
import type { JobHttpServer } from './http/server';

/** --reset: the store cleared for this job, the group rewound, nothing run. */
async function reset(command: MainCommand): Promise<number> {
  const progress = new ProgressDisplay(new EngineMetrics(), command.logFormat);
  try {
    await resetJob(command.config, (line) => progress.log(line));
    progress.log('reset: done; the next run with these flags rebuilds every window');
    return 0;
  } catch (error) {
    if (isStoreRefusal(error)) {
      progress.error(`clickstream: ${error.message}`);
      return error.exitCode;
    }
    progress.error(`clickstream: reset failed: ${messageOf(error)}`);
    return 1;
  }
}

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
  // Dead letters on stderr share it with the progress display, which keeps its live line clear of them
  // (they are written while the pipeline runs, when `progress` exists).
  const letters =
    config.deadLetters.kind === 'stderr' ? createLineDeadLetters((line) => progress.print(line)) : createDeadLetters(config.deadLetters);
  // Serving the dashboard, the main thread keeps the latest few dead letters for it too.
  const recent = command.http === null ? null : new RecentDeadLetters(letters);
  const pipeline = new Pipeline(config, { deadLetters: recent ?? letters });
  const progress = new ProgressDisplay(pipeline.metrics, command.logFormat);
  for (const warning of environmentWarnings()) progress.warn(warning);
  const rekeying =
    command.repartition === null
      ? null
      : new (require('./repartition/repartition-run') as typeof import('./repartition/repartition-run')).RepartitionRun(
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
  try {
    // The store and the Kafka group are checked before anything is read or written (with --repartition,
    // once the internal topic the job reads exists: RepartitionRun opens the pipeline itself).
    if (rekeying === null) await pipeline.open();
  } catch (error) {
    await pipeline.abandon();
    await server?.close();
    return failed(progress, error);
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
    return failed(progress, error);
  } finally {
    await server?.close();
  }
}

/**
 * A refusal (the store or group would be harmed; nothing was read or written) says why and exits 2 or
 * 1; a reader that went away (`| head`) has what it wanted: no error, but the job did not finish, as
 * with a tool SIGPIPE ends (141); any other failure exits 1.
 */
function failed(progress: ProgressDisplay, error: unknown): number {
  if (error instanceof OutputClosedError) {
    progress.logSummary(`stopped: ${error.message}`);
    return OUTPUT_CLOSED_EXIT_CODE;
  }
  if (isStoreRefusal(error)) {
    progress.error(`clickstream: ${error.message}`);
    return error.exitCode;
  }
  progress.logSummary(`clickstream failed: ${messageOf(error)}`, 'error');
  return 1;
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
  return deadLetters.kind === 'file' ? deadLetters.path : deadLetters.kind === 'stderr' ? 'standard error' : `kafka:${deadLetters.topic}`;
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
  return parsed.command.reset ? reset(parsed.command) : run(parsed.command, argv);
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
