/**
 * The format-neutral view of a `peppy.json5` manifest. Both manifest formats
 * map onto it, and nothing outside `manifest/` looks at the raw JSON5.
 */

export type ManifestFormat = 'schema_version-1' | 'node/v1';

export const MANIFEST_FORMATS: readonly ManifestFormat[] = ['schema_version-1', 'node/v1'];

export type NodeLanguage = 'python' | 'rust';

/** Raw `parameters` schema as written in the manifest; `run-config/` interprets it. */
export type ParameterSchema = Record<string, unknown>;

export interface ProcessExecution {
  kind: 'process';
  /** `add_cmd` (schema_version 1) or `build_cmd` (node/v1); absent when the node needs no build. */
  buildCommand?: string[];
  /** `start_cmd` (schema_version 1) or `run_cmd` (node/v1), run as an argument array. */
  runCommand: string[];
}

export interface ContainerExecution {
  kind: 'container';
  /** Definition file path relative to the node folder. */
  defFile: string;
  /** `host[:container[:options]]` entries, unresolved. */
  mountPaths: string[];
  buildExtraArgs: string[];
  runExtraArgs: string[];
  limaShellExtraArgs: string[];
}

export type NodeExecution = ProcessExecution | ContainerExecution;

export interface NodeManifest {
  /** Path of the manifest as shown in messages. */
  file: string;
  format: ManifestFormat;
  name: string;
  tag: string;
  language: NodeLanguage;
  labels: string[];
  parameters: ParameterSchema;
  execution: NodeExecution;
}

export function isContainerNode(
  manifest: NodeManifest,
): manifest is NodeManifest & { execution: ContainerExecution } {
  return manifest.execution.kind === 'container';
}
