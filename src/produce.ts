#!/usr/bin/env node
/**
 * `clickstream-produce`: fills a Kafka topic, or writes an NDJSON file or stdout, from the synthetic
 * generator or a file, for tests, benchmarks and recordings.
 */
import { performance } from 'node:perf_hooks';
import { parseCommandLine } from './cli/flag-parser';
import { environmentWarnings } from './cli/commands';
import { countOf } from './cli/plural';
import { PRODUCE_COMMAND, produceConfigOf, type ProduceConfig } from './cli/produce-flags';
import type { Progress } from './produce/produce-events';
import { createSource } from './sources/create-source';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const PROGRESS_EVERY_MS = 1000;

async function produce(config: ProduceConfig): Promise<void> {
  const { target } = config;
  const source = createSource(config.source);
  process.once('SIGINT', () => source.stop());
  process.once('SIGTERM', () => source.stop());
  const limit = config.events ?? Infinity;
  const started = performance.now();
  let progress: NodeJS.Timeout | null = null;
  const onStart = ({ taken }: Progress) => {
    progress = setInterval(() => report('producing', taken(), started, process.stderr), PROGRESS_EVERY_MS);
  };
  try {
    const { produced, where } =
      target.kind === 'kafka'
        ? await (require('./produce/kafka-target') as typeof import('./produce/kafka-target')).produceToKafka(target, source, limit, onStart)
        : await (require('./produce/ndjson-target') as typeof import('./produce/ndjson-target')).produceToNdjson(target.path, source, limit, onStart);
    // The closing line goes to stdout, unless the events went there.
    const out = target.kind === 'file' && target.path === '-' ? process.stderr : process.stdout;
    report(`produced to ${where}`, produced, started, out);
  } finally {
    if (progress !== null) clearInterval(progress);
  }
}

function report(what: string, events: number, started: number, out: NodeJS.WriteStream): void {
  const seconds = (performance.now() - started) / 1000;
  out.write(`${what}: ${countOf(events, 'event')} in ${seconds.toFixed(1)} s, ${Math.round(events / seconds)} events/s\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  for (const warning of environmentWarnings()) process.stderr.write(`${PRODUCE_COMMAND.name}: warning: ${warning}\n`);
  const parsed = parseCommandLine(PRODUCE_COMMAND, argv, produceConfigOf);
  if ('exitCode' in parsed) return parsed.exitCode;
  try {
    await produce(parsed.command);
    return EXIT_OK;
  } catch (error) {
    process.stderr.write(`${PRODUCE_COMMAND.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

main(process.argv.slice(2)).then((code) => (process.exitCode = code));
