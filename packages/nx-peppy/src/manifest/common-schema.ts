import { z } from 'zod';

/** Characters PeppyOS accepts in node names (`ALLOWED_CONFIG_CHARS`). */
export const NODE_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

export const nodeName = z
  .string()
  .min(1, { message: 'must not be empty', abort: true })
  .regex(NODE_NAME_PATTERN, 'may contain only letters, digits, "_" and "-"');

/**
 * Tags current PeppyOS accepts: `validate_repo_node_tag` in Peppy-bot/public-peppy-libs requires an
 * ASCII letter first, then letters, digits, "_" and "-". PeppyOS checks it when it builds a node,
 * since the tag becomes part of the file name `<name>_<tag>`; dots were banned in May 2026.
 */
export const NODE_V1_TAG_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Tags of the schema_version 1 era, such as `0.1.0`. No "/", "\", whitespace or shell
 * character, and no leading "." either, so a tag cannot name a path or a hidden file.
 */
export const LEGACY_TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

// The image file name is `<name>_<tag>.sif`, so both formats check the tag when they parse,
// before any path is built from it.
export const nodeV1Tag = z
  .string()
  .min(1, { message: 'must not be empty', abort: true })
  .regex(NODE_V1_TAG_PATTERN, 'invalid tag: it must start with a letter and contain only the characters A-Z, a-z, 0-9, "_" and "-"');

export const legacyNodeTag = z
  .string()
  .min(1, { message: 'must not be empty', abort: true })
  .regex(LEGACY_TAG_PATTERN, 'invalid tag: it must start with a letter or digit and contain only the characters A-Z, a-z, 0-9, ".", "_", "+" and "-"');

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
