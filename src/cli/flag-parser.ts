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
}

/** The flags given on a command line, by name, and the defaults of the command's definitions. */
export class RawFlags extends Map<string, string | true> {
  constructor(private readonly definitions: readonly FlagDefinition[]) {
    super();
  }

  defaultOf(name: string): string | undefined {
    return this.definitions.find((definition) => definition.name === name)?.default;
  }
}

/** Splits argv into known flags (`--name value`, `--name=value`, switches); anything else is an error. */
export function parseRawFlags(argv: readonly string[], definitions: readonly FlagDefinition[]): RawFlags {
  const byName = new Map<string, FlagDefinition>();
  for (const definition of definitions) {
    byName.set(`--${definition.name}`, definition);
    if (definition.alias !== undefined) byName.set(definition.alias, definition);
  }
  const flags = new RawFlags(definitions);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const key = eq === -1 ? arg : arg.slice(0, eq);
    const definition = byName.get(key);
    if (definition === undefined) throw new FlagError(`unknown flag ${key} (see --help)`);
    if (flags.has(definition.name)) throw new FlagError(`--${definition.name} is given twice`);
    if (definition.value === null) {
      if (eq !== -1) throw new FlagError(`--${definition.name} takes no value`);
      flags.set(definition.name, true);
    } else if (eq !== -1) {
      flags.set(definition.name, arg.slice(eq + 1));
    } else {
      const value = argv[++i];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) {
        throw new FlagError(`--${definition.name} needs a value (${definition.value})`);
      }
      flags.set(definition.name, value);
    }
  }
  return flags;
}

export function usageOf(command: string, definitions: readonly FlagDefinition[]): string {
  const lines = definitions.map((d) => {
    const names = (d.alias !== undefined ? `${d.alias}, ` : '') + `--${d.name}` + (d.value !== null ? ` ${d.value}` : '');
    return `  ${names.padEnd(34)} ${d.help}${d.default === undefined ? '' : ` (default ${d.default})`}`;
  });
  return `usage: ${command} [flags]\n\n${lines.join('\n')}\n`;
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
