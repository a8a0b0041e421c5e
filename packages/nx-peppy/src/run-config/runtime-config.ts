import { randomUUID } from 'node:crypto';

import type { NodeManifest, ParameterSchema } from '../manifest';
import type { ParameterValue } from './parameter-types';

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
  /** `node_instance.arguments`; by default the manifest's `$default` values. */
  arguments?: Record<string, ParameterValue>;
}

export const DEFAULT_MESSAGING_HOST = '127.0.0.1';
export const DEFAULT_MESSAGING_PORT = 7448;

/**
 * Collects the `$default` values of a parameter schema, keeping its groups.
 * Unlike `resolveParameters`, it checks no types and reports no problems.
 */
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
    messaging_host: options.messagingHost ?? DEFAULT_MESSAGING_HOST,
    messaging_port: options.messagingPort ?? DEFAULT_MESSAGING_PORT,
    node_instance: {
      instance_id: options.instanceId ?? `${manifest.name}-${randomUUID().slice(0, 8)}`,
      arguments: options.arguments ?? parameterDefaults(manifest.parameters),
    },
  };
}

/**
 * Writes JSON (valid JSON5, the format PeppyOS reads) with two-space
 * indentation. Integers held as bigint are written as exact digits, because
 * `JSON.stringify` rejects them and a number would round u64 values.
 */
export function serializeRuntimeConfig(value: unknown, indent = ''): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';

  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => inner + serializeRuntimeConfig(item, inner)).join(',\n')}\n${indent}]`;
  }

  const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${serializeRuntimeConfig(item, inner)}`);
  return `{\n${lines.join(',\n')}\n${indent}}`;
}
