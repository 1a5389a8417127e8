#!/usr/bin/env node
/** `node dist/recommend.js`: recommends pages to a client from the stored windows. */
import { describeSink } from './sinks/config';
import { FlagError } from './cli/flag-parser';
import { RECOMMEND_USAGE, type StoreChoice, parseRecommendFlags } from './cli/recommend-flags';
import { type Recommendation, recommend } from './recommender/recommend';
import { createSqliteStore } from './recommender/sqlite-store';
import type { RecommenderStore } from './recommender/store';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

/** The one place a store is chosen; each store's driver is loaded only when it is chosen. */
function openStore(choice: StoreChoice): RecommenderStore {
  switch (choice.kind) {
    case 'sqlite':
      return createSqliteStore(choice.path);
    case 'cassandra':
      return (require('./recommender/cassandra-store') as typeof import('./recommender/cassandra-store')).createCassandraStore(
        choice.cassandra,
      );
  }
}

function formatLine({ rank, page, visitors }: Recommendation): string {
  return `${rank}. ${page} (${visitors} ${visitors === 1 ? 'visitor' : 'visitors'})`;
}

async function run(argv: readonly string[]): Promise<number> {
  const command = parseRecommendFlags(argv);
  if (command.help) {
    process.stdout.write(RECOMMEND_USAGE);
    return EXIT_OK;
  }
  const store = openStore(command.store);
  try {
    const { windowEnd, pages } = await recommend(store, command);
    if (windowEnd === null) {
      process.stderr.write(
        `no windows with topic "${command.topic}" in ${describeSink(command.store)} (unknown topic or empty store)\n`,
      );
    } else if (pages.length === 0) {
      process.stderr.write(
        `nothing to recommend: client "${command.clientId}" visited every top page of "${command.topic}" in the last 3 windows\n`,
      );
    }
    const output = command.json ? JSON.stringify(pages) : pages.map(formatLine).join('\n');
    if (command.json || pages.length > 0) process.stdout.write(`${output}\n`);
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

function exitCodeOf(error: unknown): number {
  if (error instanceof FlagError) {
    process.stderr.write(`recommend: ${error.message}\nRun with --help for usage.\n`);
    return EXIT_USAGE;
  }
  process.stderr.write(`recommend: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT_FAILURE;
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = exitCodeOf(error);
  },
);
