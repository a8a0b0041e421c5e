import { formatKey, isTable, parseToml, tableAt, type TomlTable } from './toml';
import type { InvalidEntry, PathReference, WorkspaceMemberGlobs } from './types';

/** The local paths a `pyproject.toml` declares for uv. */
export interface UvReferences {
  /** `[tool.uv.sources]` entries with a `path`, relative to the folder of the `pyproject.toml`. */
  sources: PathReference[];
  /** `[tool.uv.workspace]`, whose globs are relative to the folder of the `pyproject.toml`. */
  workspace?: WorkspaceMemberGlobs;
  invalid: InvalidEntry[];
}

/**
 * Reads one `[tool.uv.sources]` value: a source table, or a list of them with
 * markers. Sources without `path` (`git`, `url`, `index`, `workspace = true`)
 * name no folder and are left out.
 */
function readSource(name: string, value: unknown, result: UvReferences): void {
  const entry = `[tool.uv.sources] ${formatKey(name)}`;
  const sources = Array.isArray(value) ? value : [value];

  for (const source of sources) {
    if (!isTable(source)) {
      result.invalid.push({ entry, reason: 'the value is not a source table such as { path = "../lib" }' });
      continue;
    }
    if (source.path === undefined) continue;

    if (typeof source.path !== 'string' || source.path === '') {
      result.invalid.push({ entry, reason: '"path" is not a non-empty string' });
      continue;
    }
    const editable = source.editable === true ? ', editable = true' : '';
    result.sources.push({ path: source.path, entry: `${entry} = { path = "${source.path}"${editable} }` });
  }
}

function readStringList(table: TomlTable, key: string, entry: string, invalid: InvalidEntry[]): string[] {
  const value = table[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    invalid.push({ entry, reason: 'the value is not a list of strings' });
    return [];
  }
  return value;
}

function readWorkspace(workspace: TomlTable, invalid: InvalidEntry[]): WorkspaceMemberGlobs {
  const members = readStringList(workspace, 'members', '[tool.uv.workspace] members', invalid);
  const exclude = readStringList(workspace, 'exclude', '[tool.uv.workspace] exclude', invalid);
  return {
    members: members.map((member) => ({ path: member, entry: `[tool.uv.workspace] members entry "${member}"` })),
    exclude: exclude.map((pattern) => ({ path: pattern, entry: `[tool.uv.workspace] exclude entry "${pattern}"` })),
  };
}

/**
 * Reads the local paths that uv resolves from a `pyproject.toml`: path sources
 * and workspace members. Throws `InvalidTomlError` for invalid TOML.
 */
export function readUvReferences(text: string): UvReferences {
  const document = parseToml(text);
  const result: UvReferences = { sources: [], invalid: [] };

  const uv = tableAt(document, 'tool', 'uv');
  if (!uv) return result;

  if (uv.sources !== undefined) {
    if (isTable(uv.sources)) {
      for (const [name, value] of Object.entries(uv.sources)) readSource(name, value, result);
    } else {
      result.invalid.push({ entry: '[tool.uv] sources', reason: 'the value is not a table' });
    }
  }

  if (uv.workspace !== undefined) {
    if (isTable(uv.workspace)) {
      result.workspace = readWorkspace(uv.workspace, result.invalid);
    } else {
      result.invalid.push({ entry: '[tool.uv] workspace', reason: 'the value is not a table' });
    }
  }

  return result;
}
