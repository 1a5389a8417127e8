#!/usr/bin/env node
/** `clickstream-recommend`: recommends pages to a client from the stored windows. */
import { describeSink } from './sinks/config';
import { parseCommandLine } from './cli/flag-parser';
import { environmentWarnings } from './cli/commands';
import { RECOMMEND_COMMAND, type RecommendRequest, recommendRequestOf } from './cli/recommend-flags';
import { type Recommendation, noteOf, recommend } from './recommender/recommend';
import { openStore } from './sinks/open-store';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;

function formatLine({ rank, page, visitors }: Recommendation): string {
  return `${rank}. ${page} (${visitors} ${visitors === 1 ? 'visitor' : 'visitors'})`;
}

async function run(request: RecommendRequest): Promise<number> {
  const store = openStore(request.store);
  try {
    const result = await recommend(store, request);
    const note = await noteOf(store, request, result, describeSink(request.store));
    if (note !== null) process.stderr.write(`${note}\n`);
    const { pages } = result;
    const output = request.json ? JSON.stringify(pages) : pages.map(formatLine).join('\n');
    if (request.json || pages.length > 0) process.stdout.write(`${output}\n`);
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  for (const warning of environmentWarnings()) process.stderr.write(`${RECOMMEND_COMMAND.name}: warning: ${warning}\n`);
  const parsed = parseCommandLine(RECOMMEND_COMMAND, argv, recommendRequestOf);
  if ('exitCode' in parsed) return parsed.exitCode;
  try {
    return await run(parsed.command);
  } catch (error) {
    process.stderr.write(`${RECOMMEND_COMMAND.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

main(process.argv.slice(2)).then((code) => (process.exitCode = code));
