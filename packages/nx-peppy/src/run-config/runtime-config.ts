import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { NodeManifest, ParameterSchema } from '../manifest';

/** The file PeppyOS passes to a node through `PEPPY_RUNTIME_CONFIG`. */
export interface RuntimeConfig {
  node_name: string;
  node_tag: string;
  messaging_host: string;
  messaging_port: number;
  node_instance: {
    instance_id: string;
    arguments: Record<string, unknown>;
  };
}

export interface RuntimeConfigOptions {
  messagingHost?: string;
  messagingPort?: number;
  instanceId?: string;
}

/** Collects the `$default` values of a parameter schema, keeping its groups. */
export function parameterDefaults(schema: ParameterSchema): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) continue;
    const entry = spec as Record<string, unknown>;
    if ('$default' in entry) {
      defaults[name] = entry.$default;
    } else if (!('$type' in entry) || entry.$type === 'object') {
      const nested = parameterDefaults(Object.fromEntries(Object.entries(entry).filter(([key]) => !key.startsWith('$'))));
      if (Object.keys(nested).length > 0) defaults[name] = nested;
    }
  }
  return defaults;
}

export function createRuntimeConfig(manifest: NodeManifest, options: RuntimeConfigOptions = {}): RuntimeConfig {
  return {
    node_name: manifest.name,
    node_tag: manifest.tag,
    messaging_host: options.messagingHost ?? '127.0.0.1',
    messaging_port: options.messagingPort ?? 7448,
    node_instance: {
      instance_id: options.instanceId ?? `${manifest.name}-${randomUUID().slice(0, 8)}`,
      arguments: parameterDefaults(manifest.parameters),
    },
  };
}

export interface RunFolder {
  /** A fresh, empty working folder for the node. */
  path: string;
  runtimeConfigFile: string;
  /** Removes the folder and the runtime config in it. */
  dispose(): void;
}

/**
 * Creates the working folder of one node run with the runtime config in it.
 * JSON is valid JSON5, which is what PeppyOS writes too.
 */
export function createRunFolder(config: RuntimeConfig): RunFolder {
  const path = mkdtempSync(join(tmpdir(), 'nx-peppy-run-'));
  const runtimeConfigFile = join(path, 'runtime_config.json5');
  writeFileSync(runtimeConfigFile, `${JSON.stringify(config, null, 2)}\n`);
  return { path, runtimeConfigFile, dispose: () => rmSync(path, { recursive: true, force: true }) };
}
