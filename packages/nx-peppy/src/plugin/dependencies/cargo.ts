import { formatKey, isTable, parseToml, tableAt, type TomlTable } from './toml';
import type { InvalidEntry, PathReference, WorkspaceMemberGlobs } from './types';

/** Dependency tables of a package, with the underscore spellings Cargo still accepts. */
const DEPENDENCY_TABLES = [
  'dependencies',
  'dev-dependencies',
  'dev_dependencies',
  'build-dependencies',
  'build_dependencies',
] as const;

/** The local paths a `Cargo.toml` declares. */
export interface CargoReferences {
  /** Path dependencies, relative to the folder of the `Cargo.toml`. */
  dependencies: PathReference[];
  /** `[workspace] members` and `exclude`, relative to the folder of the `Cargo.toml`. */
  workspace?: WorkspaceMemberGlobs;
  invalid: InvalidEntry[];
}

/** Reads the `path` keys of one dependency table; version-only and git dependencies are left out. */
function readDependencyTable(tableName: string, table: TomlTable, result: CargoReferences): void {
  for (const [name, value] of Object.entries(table)) {
    if (!isTable(value) || value.path === undefined) continue;

    const entry = `[${tableName}] ${formatKey(name)}`;
    if (typeof value.path !== 'string' || value.path === '') {
      result.invalid.push({ entry, reason: '"path" is not a non-empty string' });
      continue;
    }
    result.dependencies.push({ path: value.path, entry: `${entry} = { path = "${value.path}" }` });
  }
}

function readPackageTables(owner: TomlTable, prefix: string, result: CargoReferences): void {
  for (const tableName of DEPENDENCY_TABLES) {
    const table = tableAt(owner, tableName);
    if (table) readDependencyTable(`${prefix}${tableName}`, table, result);
  }
}

function readStringList(table: TomlTable, key: string, invalid: InvalidEntry[]): string[] {
  const value = table[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    invalid.push({ entry: `[workspace] ${key}`, reason: 'the value is not a list of strings' });
    return [];
  }
  return value;
}

/**
 * Reads the local paths of a `Cargo.toml`: path dependencies of
 * `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]`, their
 * `[target.'cfg(...)'.*]` forms, `[workspace.dependencies]` and
 * `[patch.REGISTRY]`, plus `[workspace] members`. Throws `InvalidTomlError`
 * for invalid TOML.
 */
export function readCargoReferences(text: string): CargoReferences {
  const document = parseToml(text);
  const result: CargoReferences = { dependencies: [], invalid: [] };

  readPackageTables(document, '', result);

  const targets = tableAt(document, 'target');
  for (const [platform, table] of Object.entries(targets ?? {})) {
    if (isTable(table)) readPackageTables(table, `target.${formatKey(platform)}.`, result);
  }

  const patches = tableAt(document, 'patch');
  for (const [registry, table] of Object.entries(patches ?? {})) {
    if (isTable(table)) readDependencyTable(`patch.${formatKey(registry)}`, table, result);
  }

  const workspace = tableAt(document, 'workspace');
  if (workspace) {
    const dependencies = tableAt(workspace, 'dependencies');
    if (dependencies) readDependencyTable('workspace.dependencies', dependencies, result);

    const members = readStringList(workspace, 'members', result.invalid);
    result.workspace = {
      members: members.map((member) => ({ path: member, entry: `[workspace] members entry "${member}"` })),
      exclude: readStringList(workspace, 'exclude', result.invalid).map((path) => ({ path, entry: `[workspace] exclude entry "${path}"` })),
    };
  }

  return result;
}
