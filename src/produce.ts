#!/usr/bin/env node
/** `clickstream-produce`: fills a Kafka topic from the synthetic generator or a file, for tests and benchmarks. */
import { performance } from 'node:perf_hooks';
import { Partitioners } from 'kafkajs';
import { parseCommandLine } from './cli/flag-parser';
import { PRODUCE_COMMAND, produceConfigOf, type ProduceConfig } from './cli/produce-flags';
import { Partitioning } from './produce/partitioning';
import { produceEvents } from './produce/produce-events';
import { Sender } from './produce/sender';
import { ensureTopic } from './produce/topic';
import { createSource } from './sources/create-source';
import { kafkaClientOf } from './kafka/client';
import { kafkaFailureOf } from './kafka/failures';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const PROGRESS_EVERY_MS = 1000;

/** How far a run got: whether the cluster answered a request past the handshake, for what its failure means. */
interface Reached {
  cluster: boolean;
}

async function produce(config: ProduceConfig, reached: Reached): Promise<void> {
  const kafka = kafkaClientOf(config.connection, 'clickstream-produce');
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  try {
    await admin.connect();
    const topic = await ensureTopic(admin, config.topic, config.partitions);
    reached.cluster = true;
    if (!topic.created && topic.partitions !== config.partitions) {
      process.stderr.write(`topic ${config.topic} exists with ${topic.partitions} partitions; producing to those\n`);
    }
    await producer.connect();
    const source = createSource(config.source);
    process.once('SIGINT', () => source.stop());
    process.once('SIGTERM', () => source.stop());
    const sender = new Sender(producer, config.topic);
    const started = performance.now();
    const progress = setInterval(() => report('producing', sender.acknowledged, started, process.stderr), PROGRESS_EVERY_MS);
    try {
      const produced = await produceEvents(source, new Partitioning(topic.partitions), sender, config.events ?? Infinity);
      report(`produced to ${config.topic} (${topic.partitions} partition${topic.partitions === 1 ? '' : 's'})`, produced, started, process.stdout);
    } finally {
      clearInterval(progress);
    }
  } finally {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  }
}

function report(what: string, events: number, started: number, out: NodeJS.WriteStream): void {
  const seconds = (performance.now() - started) / 1000;
  out.write(`${what}: ${events} events in ${seconds.toFixed(1)} s, ${Math.round(events / seconds)} events/s\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(PRODUCE_COMMAND, argv, produceConfigOf);
  if ('exitCode' in parsed) return parsed.exitCode;
  const reached: Reached = { cluster: false };
  try {
    await produce(parsed.command, reached);
    return EXIT_OK;
  } catch (error) {
    process.stderr.write(`${PRODUCE_COMMAND.name}: ${kafkaFailureOf(error, parsed.command.connection, { connecting: !reached.cluster })}\n`);
    return EXIT_FAILURE;
  }
}

main(process.argv.slice(2)).then((code) => (process.exitCode = code));
