import { z } from 'zod';

import { commandLine, containerBlock, interfaces, language, nodeName, legacyNodeTag, parameters } from './common-schema';

/**
 * `schema_version: 1`, the format of early 2026 that the PeppyOS containers
 * page still shows: commands in `process`, or a top-level `container`.
 */
export const schemaVersion1Manifest = z.strictObject({
  schema_version: z.number().int().min(0).max(65535),
  manifest: z.strictObject({
    name: nodeName,
    tag: legacyNodeTag,
    language,
    labels: z.array(z.string()).optional(),
  }),
  process: z
    .strictObject({
      add_cmd: z.array(z.string()).optional(),
      start_cmd: commandLine,
    })
    .optional(),
  container: containerBlock.optional(),
  parameters: parameters.optional(),
  interfaces: interfaces.optional(),
});

export type SchemaVersion1Manifest = z.infer<typeof schemaVersion1Manifest>;
