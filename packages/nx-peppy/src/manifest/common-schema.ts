import { z } from 'zod';

/** Characters PeppyOS accepts in node names (`ALLOWED_CONFIG_CHARS`). */
export const NODE_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

export const nodeName = z
  .string()
  .min(1, 'must not be empty')
  .regex(NODE_NAME_PATTERN, 'may contain only letters, digits, "_" and "-"');

export const nodeTag = z.string().min(1, 'must not be empty');

export const language = z.enum(['python', 'rust']);

const stringList = z.array(z.string());

export const commandLine = z.array(z.string()).min(1, 'must not be empty');

export const containerBlock = z.strictObject({
  def_file: z.string().min(1, 'must not be empty'),
  mount_paths: stringList.optional(),
  apptainer_build_extra_args: stringList.optional(),
  apptainer_run_extra_args: stringList.optional(),
  lima_shell_extra_args: stringList.optional(),
});

export type ContainerBlock = z.infer<typeof containerBlock>;

export const parameters = z.record(z.string(), z.unknown());

// NOTE: topic, service and action entries are checked only as arrays of
// objects; PeppyOS validates their message formats, which no Nx target needs.
const interfaceEntries = z.array(z.record(z.string(), z.unknown()));
const interfaceGroup = (produced: string) =>
  z.strictObject({ [produced]: interfaceEntries.optional(), consumes: interfaceEntries.optional() });

export const interfaces = z.strictObject({
  topics: interfaceGroup('emits').optional(),
  services: interfaceGroup('exposes').optional(),
  actions: interfaceGroup('exposes').optional(),
});
