import type { CommandDefinition } from './flag-parser';
import { MAIN_COMMAND } from './main-flags';
import { PRODUCE_COMMAND } from './produce-flags';
import { RECOMMEND_COMMAND } from './recommend-flags';
import { unknownVariableWarnings } from './environment';

/** The installed commands, which share the CLICKSTREAM_ variables of the environment. */
export const COMMANDS: readonly CommandDefinition[] = [MAIN_COMMAND, RECOMMEND_COMMAND, PRODUCE_COMMAND];

/** Warnings about CLICKSTREAM_ variables that no command reads (most likely misspelt). */
export function environmentWarnings(env: NodeJS.ProcessEnv = process.env): string[] {
  return unknownVariableWarnings(env, COMMANDS);
}
