import { readFileSync } from 'node:fs';
import { packageVersion } from '../version';

/** A bad command line: the message names the flag; the CLI prints it and exits 2 before anything starts. */
export class FlagError extends Error {}

export interface FlagDefinition {
  readonly name: string;
  /** Placeholder of the value, or null for a boolean switch. */
  readonly value: string | null;
  readonly help: string;
  readonly alias?: string;
  /** The value when the flag is not given: shown by the usage text and used by the parsing. */
  readonly default?: string;
  /** A password or token: its value is never printed, and the command line shows it redacted. */
  readonly secret?: boolean;
}

/** One of the installed commands: its name (the package's bin), flags and what its usage adds. */
export interface CommandDefinition {
  readonly name: string;
  readonly flags: readonly FlagDefinition[];
  /** Paragraphs after the flags in the usage text. */
  readonly about?: string;
}

export const HELP_FLAG: FlagDefinition = { name: 'help', alias: '-h', value: null, help: 'print this text' };
export const VERSION_FLAG: FlagDefinition = { name: 'version', value: null, help: 'print the version and exit' };

/** Flags that act at once instead of configuring anything: they never come from the environment. */
const IMMEDIATE = new Set(['help', 'version']);
const ENV_PREFIX = 'CLICKSTREAM_';
const HELP_HINT = 'Run with --help for usage.';

/** The environment variable a flag may come from: CLICKSTREAM_ and the name in upper case, dashes as underscores. */
export function envNameOf(flag: string): string {
  return ENV_PREFIX + flag.toUpperCase().replace(/-/g, '_');
}

/** The flags given on a command line (or in the environment), by name, and the defaults of the command's definitions. */
export class RawFlags extends Map<string, string | true> {
  /** Flags taken from the environment, by name: the variable each came from. */
  readonly fromEnvironment = new Map<string, string>();

  constructor(private readonly definitions: readonly FlagDefinition[]) {
    super();
  }

  defaultOf(name: string): string | undefined {
    return this.definitions.find((definition) => definition.name === name)?.default;
  }
}

/**
 * Splits argv into known flags (`--name value`, `--name=value`, switches, `-n 3`, `-n3`); anything else
 * is an error. Then each flag not on the command line may come from its CLICKSTREAM_ variable.
 */
export function parseRawFlags(
  argv: readonly string[],
  definitions: readonly FlagDefinition[],
  env: NodeJS.ProcessEnv = process.env,
): RawFlags {
  const byName = flagsByName(definitions);
  const flags = new RawFlags(definitions);
  for (let i = 0; i < argv.length; i++) {
    const { key, inline } = splitArg(argv[i], byName);
    const definition = byName.get(key);
    if (definition === undefined) throw new FlagError(unknownFlagMessage(key, byName));
    if (flags.has(definition.name)) throw new FlagError(`--${definition.name} is given twice`);
    if (definition.value === null) {
      if (inline !== null) throw new FlagError(`--${definition.name} takes no value`);
      flags.set(definition.name, true);
    } else if (inline !== null) {
      flags.set(definition.name, inline);
    } else {
      const value = argv[++i];
      if (value === undefined || isLongFlag(value)) {
        throw new FlagError(`--${definition.name} needs a value (${definition.value})`);
      }
      flags.set(definition.name, value);
    }
  }
  if (!flags.has('help') && !flags.has('version')) addEnvironment(flags, definitions, env);
  return flags;
}

/** `--name`: never a flag's value (a lone `--` or `-x` may be one). */
function isLongFlag(arg: string | undefined): boolean {
  return arg !== undefined && arg.startsWith('--') && arg.length > 2;
}

/** Each definition under `--name` and under its alias. */
function flagsByName(definitions: readonly FlagDefinition[]): Map<string, FlagDefinition> {
  const byName = new Map<string, FlagDefinition>();
  for (const definition of definitions) {
    byName.set(`--${definition.name}`, definition);
    if (definition.alias !== undefined) byName.set(definition.alias, definition);
  }
  return byName;
}

/** `--name=value` and `-nVALUE` carry their value inline; a short alias is one dash and one letter. */
function splitArg(arg: string, byName: ReadonlyMap<string, FlagDefinition>): { key: string; inline: string | null } {
  if (arg.startsWith('--')) {
    const eq = arg.indexOf('=');
    return eq === -1 ? { key: arg, inline: null } : { key: arg.slice(0, eq), inline: arg.slice(eq + 1) };
  }
  const short = arg.slice(0, 2);
  if (/^-[A-Za-z]$/.test(short) && arg.length > 2 && byName.get(short)?.value != null) {
    return { key: short, inline: arg.slice(arg[2] === '=' ? 3 : 2) };
  }
  return { key: arg, inline: null };
}

/** What a user of other tools means by these when the command has no such alias: -v is near -h by spelling only. */
const CONVENTIONAL_ALIASES: Readonly<Record<string, string>> = { '-v': '--version', '-V': '--version' };

function unknownFlagMessage(key: string, byName: ReadonlyMap<string, FlagDefinition>): string {
  const what = key.startsWith('-') ? `unknown flag ${key}` : `unexpected argument "${key}" (flags start with --)`;
  const conventional = CONVENTIONAL_ALIASES[key];
  const nearest = conventional !== undefined && byName.has(conventional) ? conventional : nearestName(key, [...byName.keys()]);
  return nearest === null ? what : `${what}; did you mean ${nearest}?`;
}

/**
 * Whether argv asks for the help anywhere, reading it as parseRawFlags does (a flag's value is not a
 * flag) but going on past what it would refuse: whoever asks for help gets it, whatever else is wrong.
 */
function asksForHelp(argv: readonly string[], definitions: readonly FlagDefinition[]): boolean {
  const byName = flagsByName(definitions);
  for (let i = 0; i < argv.length; i++) {
    const { key, inline } = splitArg(argv[i], byName);
    const definition = byName.get(key);
    if (definition?.name === HELP_FLAG.name) return true;
    if (definition?.value != null && inline === null && !isLongFlag(argv[i + 1])) i++;
  }
  return false;
}

/** The known name closest to a mistyped one by edit distance, when it is close enough to be a typo. */
export function nearestName(typed: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const name of names) {
    const distance = editDistance(typed, name);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  const bare = typed.replace(/^-+/, '');
  return bestDistance <= Math.max(1, Math.min(3, Math.floor(bare.length / 3))) ? best : null;
}

/** Levenshtein distance: insertions, deletions and substitutions of one character each cost 1. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Each flag not on the command line, from CLICKSTREAM_<FLAG> when that is set and not empty. */
function addEnvironment(flags: RawFlags, definitions: readonly FlagDefinition[], env: NodeJS.ProcessEnv): void {
  for (const definition of definitions) {
    if (IMMEDIATE.has(definition.name) || flags.has(definition.name)) continue;
    const variable = envNameOf(definition.name);
    const text = env[variable];
    if (text === undefined || text === '') continue;
    if (definition.value !== null) flags.set(definition.name, text);
    else if (/^(1|true|yes)$/i.test(text)) flags.set(definition.name, true);
    else if (/^(0|false|no)$/i.test(text)) continue;
    else throw new FlagError(`${variable} must be true or false (it sets the switch --${definition.name}), not "${text}"`);
    flags.fromEnvironment.set(definition.name, variable);
  }
}

export function usageOf(command: CommandDefinition): string {
  const lines = command.flags.map((d) => {
    const names = (d.alias !== undefined ? `${d.alias}, ` : '') + `--${d.name}` + (d.value !== null ? ` ${d.value}` : '');
    return `  ${names.padEnd(34)} ${d.help}${d.default === undefined ? '' : ` (default ${d.default})`}`;
  });
  const secrets = command.flags.filter((d) => d.secret === true);
  const example = command.flags[0];
  const environment = [
    `Every flag may also come from the environment as ${ENV_PREFIX}<FLAG> (upper case, dashes as`,
    `underscores, e.g. ${envNameOf(example.name)}=…); a flag on the command line wins.`,
  ];
  if (secrets.length > 0) {
    environment.push('Secrets are never printed. Rather than on the command line, where other users can see them, give them as');
    for (const { name } of secrets) {
      const file = command.flags.some((d) => d.name === `${name}-file`) ? ` or --${name}-file PATH` : '';
      environment.push(`  ${envNameOf(name)}${file}`);
    }
  }
  const about = command.about === undefined ? '' : `\n${command.about}`;
  return `usage: ${command.name} [flags]\n\n${lines.join('\n')}\n\n${environment.join('\n')}\n${about}`;
}

export type ParsedCommand<T> = { readonly exitCode: number } | { readonly command: T };

/**
 * Parses a command's argv and builds what it runs from the flags: --help and --version are answered
 * here, and a bad command line is reported once with the help hint (exit 2). A message about a flag that
 * came from the environment says which variable set it.
 */
export function parseCommandLine<T>(
  command: CommandDefinition,
  argv: readonly string[],
  build: (flags: RawFlags) => T,
  env: NodeJS.ProcessEnv = process.env,
): ParsedCommand<T> {
  let flags: RawFlags | null = null;
  try {
    flags = parseRawFlags(argv, command.flags, env);
    if (flags.has('help')) {
      process.stdout.write(usageOf(command));
      return { exitCode: 0 };
    }
    if (flags.has('version')) {
      process.stdout.write(`${command.name} ${packageVersion()}\n`);
      return { exitCode: 0 };
    }
    return { command: build(flags) };
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    if (asksForHelp(argv, command.flags)) {
      process.stdout.write(usageOf(command));
      process.stderr.write(`${command.name}: note: ${withOrigins(error.message, flags)}\n`);
      return { exitCode: 0 };
    }
    process.stderr.write(`${command.name}: ${withOrigins(error.message, flags)}\n${HELP_HINT}\n`);
    return { exitCode: 2 };
  }
}

/** Appends, for each flag the message names that came from the environment, the variable that set it. */
function withOrigins(message: string, flags: RawFlags | null): string {
  if (flags === null) return message;
  const notes = [...flags.fromEnvironment]
    .filter(([name]) => new RegExp(`--${name}(?![\\w-])`).test(message))
    .map(([name, variable]) => `--${name} came from ${variable}`);
  return notes.length === 0 ? message : `${message} (${notes.join('; ')})`;
}

/** The command line as typed, secret values replaced by ***: safe for logs and dead-letter markers. */
export function redactedCommandLine(command: CommandDefinition, argv: readonly string[]): string {
  const secret = new Set<string>();
  for (const d of command.flags) if (d.secret === true) secret.add(`--${d.name}`);
  const words = [command.name];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq !== -1 && secret.has(arg.slice(0, eq))) {
      words.push(`${arg.slice(0, eq)}=***`);
    } else if (secret.has(arg) && i + 1 < argv.length) {
      words.push(arg, '***');
      i++;
    } else {
      words.push(arg);
    }
  }
  return words.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * A secret given directly (`--NAME`, CLICKSTREAM_NAME) or as a file holding it (`--NAME-file`), or
 * undefined. The command line wins over the environment; two ways on the same side are an error.
 */
export function secretFlag(flags: RawFlags, name: string): string | undefined {
  const fileFlag = `${name}-file`;
  const direct = flags.get(name);
  const file = flags.get(fileFlag);
  if (typeof direct === 'string' && typeof file === 'string') {
    const directFromEnv = flags.fromEnvironment.has(name);
    if (directFromEnv === flags.fromEnvironment.has(fileFlag)) throw new FlagError(`give --${name} or --${fileFlag}, not both`);
    return directFromEnv ? readSecretFile(fileFlag, file) : direct;
  }
  if (typeof file === 'string') return readSecretFile(fileFlag, file);
  return typeof direct === 'string' ? direct : undefined;
}

/** The file's text less one trailing newline; errors name the file, never its content. */
function readSecretFile(flag: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FlagError(`--${flag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new FlagError(`--${flag}: ${path} is empty`);
  return secret;
}

/** The flag's value, else its definition's default. */
export function stringFlag(flags: RawFlags, name: string): string {
  const value = flags.get(name);
  if (typeof value === 'string') return value;
  const fallback = flags.defaultOf(name);
  if (fallback === undefined) throw new Error(`--${name} has no default`);
  return fallback;
}

/** The flag's value as an integer, else `fallback` where the default depends on the machine or other flags, else its definition's default. */
export function integerFlag(flags: RawFlags, name: string, min: number, max: number, fallback?: number): number {
  const value = flags.get(name) ?? flags.defaultOf(name);
  if (typeof value !== 'string') {
    if (fallback === undefined) throw new Error(`--${name} has no default`);
    return fallback;
  }
  const number = /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new FlagError(`--${name} must be an integer from ${min} to ${max}, not "${value}"`);
  }
  return number;
}

/**
 * A message about flags with each one left at its default marked so (`--batch (5s by default)`), for
 * errors that a default takes part in.
 */
export function naming(flags: RawFlags, message: string): string {
  return message.replace(/--([a-z][a-z-]*)(?![\w-])/g, (whole, name: string) => {
    const fallback = flags.has(name) ? undefined : flags.defaultOf(name);
    return fallback === undefined ? whole : `${whole} (${fallback} by default)`;
  });
}
