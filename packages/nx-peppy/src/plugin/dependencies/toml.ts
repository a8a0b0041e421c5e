import { parse, TomlError } from 'smol-toml';

export type TomlTable = Record<string, unknown>;

/** Raised for text that is not valid TOML, with smol-toml's reason and position. */
export class InvalidTomlError extends Error {
  constructor(
    readonly reason: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line === undefined ? `invalid TOML: ${reason}` : `invalid TOML at line ${line}, column ${column}: ${reason}`);
    this.name = 'InvalidTomlError';
  }
}

/** Parses a TOML document; throws `InvalidTomlError` for invalid text. */
export function parseToml(text: string): TomlTable {
  try {
    return parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;

    // smol-toml's message is "Invalid TOML document: REASON" followed by a code excerpt.
    const reason = error.message.split('\n')[0].replace(/^Invalid TOML document: /, '');
    throw new InvalidTomlError(reason, error.line, error.column);
  }
}

export function isTable(value: unknown): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Returns the table at a key path, or undefined when a key is missing or names a value that is not a table. */
export function tableAt(table: TomlTable, ...keys: string[]): TomlTable | undefined {
  let current: unknown = table;
  for (const key of keys) {
    if (!isTable(current)) return undefined;
    current = current[key];
  }
  return isTable(current) ? current : undefined;
}

/** Formats a key for a message as TOML writes it: bare when it can be, otherwise single-quoted. */
export function formatKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : `'${key}'`;
}
