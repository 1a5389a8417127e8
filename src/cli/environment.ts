import { envNameOf, nearestName, type CommandDefinition } from './flag-parser';

const PREFIX = 'CLICKSTREAM_';
/** Variables of ours that set no flag: the worker threads' fault injection, which the fault tests use. */
const OTHER_VARIABLES = ['CLICKSTREAM_INJECT_WORKER_CRASH'];

/**
 * A warning for each CLICKSTREAM_ variable that is no flag of any of the commands (the environment is
 * shared by all of them, so a variable of another command is no mistake), with the nearest name when
 * it looks like a typo of one: a misspelt variable would otherwise be ignored without a word.
 */
export function unknownVariableWarnings(env: NodeJS.ProcessEnv, commands: readonly CommandDefinition[]): string[] {
  const known = new Set(OTHER_VARIABLES);
  for (const command of commands) for (const flag of command.flags) known.add(envNameOf(flag.name));
  // Typos are judged on the part after the prefix, which every name shares.
  const suffixes = [...known].map((name) => name.slice(PREFIX.length));
  const warnings: string[] = [];
  for (const variable of Object.keys(env).sort()) {
    if (!variable.startsWith(PREFIX) || known.has(variable)) continue;
    const nearest = nearestName(variable.slice(PREFIX.length), suffixes);
    const hint = nearest === null ? '' : `; did you mean ${PREFIX}${nearest}?`;
    warnings.push(`${variable} is set but sets no flag of ${commands.map((c) => c.name).join(', ')}: it is ignored${hint}`);
  }
  return warnings;
}
