import JSON5 from 'json5';
import type { z } from 'zod';

import { NxPeppyError, type Problem } from '../errors';
import { findDuplicateKeys } from './duplicate-keys';
import type { ContainerExecution, NodeManifest, NodeExecution } from './model';
import { problemsFromZodIssues } from './problems';
import { nodeV1Manifest, type NodeV1Manifest } from './schema-node-v1';
import { schemaVersion1Manifest, type SchemaVersion1Manifest } from './schema-version-1';
import type { ContainerBlock } from './common-schema';
import { readManifestText } from './read';

/**
 * Reads and validates a `peppy.json5`. `displayPath` is the path used in
 * messages, usually relative to the workspace root.
 */
export function readNodeManifest(path: string, displayPath = path): NodeManifest {
  return parseNodeManifest(readManifestText(path, displayPath), displayPath);
}

/** Parses manifest text; throws `NxPeppyError` listing every problem found. */
export function parseNodeManifest(text: string, file: string): NodeManifest {
  try {
    return parseManifestText(text, file);
  } catch (error) {
    // A safety net, because JSON5.parse and the duplicate-key scan keep their own stacks and the
    // schemas are only a few levels deep. A RangeError from a hostile input, such as "Maximum call
    // stack size exceeded" or "Invalid string length", is still an input error and not a crash.
    if (!(error instanceof RangeError)) throw error;
    throw new NxPeppyError({
      file,
      message: `the manifest is nested too deeply or is too large to check (${error.message})`,
      fix: 'remove the deeply nested or oversized value; a node manifest needs only a few levels of nesting',
    });
  }
}

function parseManifestText(text: string, file: string): NodeManifest {
  const raw = parseJson5(text, file);
  const duplicates = findDuplicateKeys(text, file);

  if (raw.peppy_schema !== undefined) {
    return fromNodeV1(validate(nodeV1Manifest, raw, duplicates, file), file);
  }

  if (raw.schema_version !== undefined) {
    return fromSchemaVersion1(validate(schemaVersion1Manifest, raw, duplicates, file), file);
  }

  throw new NxPeppyError([
    ...duplicates,
    {
      file,
      field: 'peppy_schema',
      message: 'the manifest declares no format',
      fix: 'add `peppy_schema: "node/v1"` (current PeppyOS) or `schema_version: 1` (earlier releases)',
    },
  ]);
}

/** Checks the parsed manifest against its format; throws the duplicate keys and every schema problem together. */
function validate<T>(schema: z.ZodType<T>, raw: Record<string, unknown>, duplicates: Problem[], file: string): T {
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new NxPeppyError([...duplicates, ...problemsFromZodIssues(file, result.error.issues)]);
  if (duplicates.length > 0) throw new NxPeppyError(duplicates);
  return result.data;
}

function parseJson5(text: string, file: string): Record<string, unknown> {
  if (text.trim() === '') {
    throw new NxPeppyError({ file, message: 'the manifest is empty', fix: 'write the node manifest, or run `nx g nx-peppy:node` to scaffold one' });
  }

  let value: unknown;
  try {
    value = JSON5.parse(text);
  } catch (error) {
    const syntax = error as SyntaxError & { lineNumber?: number; columnNumber?: number };
    const message = syntax.message.replace(/^JSON5: /, '').replace(/ at \d+:\d+$/, '');
    throw new NxPeppyError({
      file,
      line: syntax.lineNumber,
      column: syntax.columnNumber,
      message: `invalid JSON5: ${message}`,
      fix: 'correct the syntax at that position (a missing comma, quote or closing brace is the usual cause)',
    });
  }

  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new NxPeppyError({ file, message: 'the manifest is not an object', fix: 'wrap the manifest in { … }' });
  }
  return value as Record<string, unknown>;
}

function exclusiveKinds(file: string, processField: string, containerField: string, hasProcess: boolean, hasContainer: boolean): void {
  if (hasProcess && hasContainer) {
    throw new NxPeppyError({
      file,
      field: `${processField}, ${containerField}`,
      message: 'a node is either a process node or a container node, not both',
      fix: `keep "${processField}" for a process node or "${containerField}" for a container node, and remove the other`,
    });
  }
  if (!hasProcess && !hasContainer) {
    throw new NxPeppyError({
      file,
      field: `${processField} | ${containerField}`,
      message: 'the manifest declares neither a process nor a container',
      fix: `add "${processField}" with the start command, or "${containerField}" with { def_file: "apptainer.def" }`,
    });
  }
}

function containerExecution(block: ContainerBlock): ContainerExecution {
  return {
    kind: 'container',
    defFile: block.def_file,
    mountPaths: block.mount_paths ?? [],
    buildExtraArgs: block.apptainer_build_extra_args ?? [],
    runExtraArgs: block.apptainer_run_extra_args ?? [],
    limaShellExtraArgs: block.lima_shell_extra_args ?? [],
  };
}

function fromSchemaVersion1(data: SchemaVersion1Manifest, file: string): NodeManifest {
  exclusiveKinds(file, 'process', 'container', data.process !== undefined, data.container !== undefined);

  const execution: NodeExecution = data.container
    ? containerExecution(data.container)
    : { kind: 'process', buildCommand: data.process?.add_cmd, runCommand: data.process?.start_cmd ?? [] };

  return {
    file,
    format: 'schema_version-1',
    name: data.manifest.name,
    tag: data.manifest.tag,
    language: data.manifest.language,
    labels: data.manifest.labels ?? [],
    parameters: data.parameters ?? {},
    execution,
  };
}

function fromNodeV1(data: NodeV1Manifest, file: string): NodeManifest {
  const { execution: raw } = data;
  exclusiveKinds(file, 'execution.run_cmd', 'execution.container', raw.run_cmd !== undefined, raw.container !== undefined);

  const execution: NodeExecution = raw.container
    ? containerExecution(raw.container)
    : { kind: 'process', buildCommand: raw.build_cmd, runCommand: raw.run_cmd ?? [] };

  return {
    file,
    format: 'node/v1',
    name: data.manifest.name,
    tag: data.manifest.tag,
    language: raw.language,
    labels: data.manifest.labels ?? [],
    parameters: raw.parameters ?? {},
    execution,
  };
}

