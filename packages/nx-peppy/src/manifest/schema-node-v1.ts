import { z } from 'zod';

import { commandLine, containerBlock, interfaces, language, nodeName, nodeV1Tag, parameters } from './common-schema';

const cardinality = z.string().optional();
const sha256 = z.string().optional();

const nodeReference = z.strictObject({ name: z.string(), tag: z.string(), link_id: z.string(), cardinality });
const contractReference = z.strictObject({ name: z.string(), tag: z.string(), link_id: z.string(), sha256, cardinality });
const pairingReference = z.strictObject({
  name: z.string(),
  tag: z.string(),
  role: z.string(),
  link_id: z.string(),
  sha256,
  optional: z.boolean().optional(),
});
const observerReference = z.strictObject({
  name: z.string(),
  tag: z.string(),
  role: z.string(),
  link_id: z.string(),
  sha256,
  cardinality,
});

/** `peppy_schema: "node/v1"`, the current format: commands and container live in `execution`. */
export const nodeV1Manifest = z.strictObject({
  peppy_schema: z.literal('node/v1'),
  manifest: z.strictObject({
    name: nodeName,
    tag: nodeV1Tag,
    labels: z.array(z.string()).optional(),
    implements: z.array(z.strictObject({ name: z.string(), tag: z.string(), link_id: z.string(), sha256 })).optional(),
    depends_on: z
      .strictObject({
        nodes: z.array(nodeReference).optional(),
        contracts: z.array(contractReference).optional(),
        pairings: z.array(pairingReference).optional(),
        pairing_observers: z.array(observerReference).optional(),
      })
      .optional(),
  }),
  interfaces: interfaces.optional(),
  execution: z.strictObject({
    language,
    parameters: parameters.optional(),
    // PeppyOS accepts build_cmd beside container and ignores it for container nodes.
    build_cmd: z.array(z.string()).optional(),
    run_cmd: commandLine.optional(),
    container: containerBlock.optional(),
  }),
});

export type NodeV1Manifest = z.infer<typeof nodeV1Manifest>;
