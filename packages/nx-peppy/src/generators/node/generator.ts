import { join, posix, win32 } from 'node:path';

import { formatFiles, generateFiles, joinPathFragments, logger, type Tree } from '@nx/devkit';

import { NxPeppyError } from '../../errors';
import { LEGACY_TAG_PATTERN, NODE_V1_TAG_PATTERN } from '../../manifest';
import { initGenerator, isPluginRegistered } from '../init/generator';
import type { NodeGeneratorSchema, Toolchain } from './schema';

/** Node names the generator accepts: stricter than the manifest, as `peppy node init` is. */
const GENERATED_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

const COMMANDS: Record<Toolchain, (name: string) => { build: string[]; run: string[] }> = {
  uv: (name) => ({ build: ['uv', 'sync', '--no-editable'], run: ['./.venv/bin/python', '-m', name] }),
  cargo: (name) => ({ build: ['cargo', 'build', '--release'], run: [`./target/release/${name}`] }),
};

interface NormalizedOptions extends Required<Omit<NodeGeneratorSchema, 'skipFormat'>> {
  skipFormat: boolean;
  language: 'python' | 'rust';
  moduleName: string;
}

function validateName(name: string, toolchain: Toolchain): void {
  if (!GENERATED_NAME_PATTERN.test(name)) {
    throw new NxPeppyError({
      file: 'nx g nx-peppy:node',
      field: 'name',
      message: `invalid node name "${name}"`,
      fix: 'start the name with a letter and use only letters, digits, "_" and "-", for example "my_node"',
    });
  }
  if (toolchain === 'uv' && name.includes('-')) {
    throw new NxPeppyError({
      file: 'nx g nx-peppy:node',
      field: 'name',
      message: `invalid name "${name}" for a uv node: a Python module name cannot contain "-"`,
      fix: `use "${name.replace(/-/g, '_')}" instead`,
    });
  }
}

function validateTag(tag: string, format: NormalizedOptions['format']): void {
  const nodeV1 = format === 'node/v1';
  if ((nodeV1 ? NODE_V1_TAG_PATTERN : LEGACY_TAG_PATTERN).test(tag)) return;
  throw new NxPeppyError({
    file: 'nx g nx-peppy:node',
    field: 'tag',
    message: `invalid tag "${tag}" for the ${format} format`,
    fix: nodeV1
      ? 'start the tag with a letter and use only letters, digits, "_" and "-" (current PeppyOS rejects dots), for example "v1"'
      : 'use letters, digits, ".", "_", "+" and "-", for example "0.1.0"',
  });
}

/** Header values go on one line of the definition file; a line break would add header keys. */
function validateHeaderValue(field: 'baseImage' | 'bootstrap', value: string | undefined): void {
  if (value === undefined || (value.trim() !== '' && !/[\r\n#]/.test(value))) return;
  throw new NxPeppyError({
    file: 'nx g nx-peppy:node',
    field,
    message: `invalid ${field} ${JSON.stringify(value)}: it must be one non-empty line without "#"`,
    fix: field === 'bootstrap' ? 'use an agent such as docker, localimage or debootstrap' : 'use an image reference such as ubuntu:24.04 or a path to a .sif',
  });
}

/**
 * Rejects a node folder outside the workspace. When Nx's tree flushes the changes, it writes a
 * path whose ".." segments climb above the workspace root outside the workspace. It writes an
 * absolute path below the root, which is not the requested folder either.
 */
function validateDirectory(directory: string): void {
  const reject = (reason: string): never => {
    throw new NxPeppyError({
      file: 'nx g nx-peppy:node',
      field: 'directory',
      message: `invalid directory ${JSON.stringify(directory)}: ${reason}`,
      fix: 'give the node folder relative to the workspace root, without ".." segments that leave it, for example "nodes/my_node"',
    });
  };

  // A leading "/" or "\", or a drive letter ("C:evil" included), makes a path absolute or
  // drive-relative on Windows, where Nx also runs.
  if (posix.isAbsolute(directory) || win32.isAbsolute(directory) || /^[A-Za-z]:/.test(directory)) {
    reject('it is an absolute path, and the node folder must be inside the workspace');
  }

  // "\" separates folders on Windows, so it counts as a separator here on every system.
  const normalized = posix.normalize(directory.replace(/\\/g, '/')).replace(/\/+$/, '');
  if (normalized === '..' || normalized.startsWith('../')) reject('it is outside the workspace');
  if (normalized === '.') reject('it is the workspace root itself');
}

function normalizeOptions(options: NodeGeneratorSchema): NormalizedOptions {
  const toolchain = options.toolchain ?? 'uv';
  validateName(options.name, toolchain);

  const format = options.format ?? 'schema_version-1';
  const tag = options.tag ?? (format === 'node/v1' ? 'v1' : '0.1.0');
  validateTag(tag, format);
  for (const field of ['baseImage', 'bootstrap'] as const) validateHeaderValue(field, options[field]);
  validateDirectory(options.directory ?? options.name);
  return {
    name: options.name,
    directory: options.directory ?? options.name,
    toolchain,
    container: options.container ?? false,
    tag,
    format,
    baseImage: options.baseImage ?? 'ubuntu:24.04',
    bootstrap: options.bootstrap ?? 'docker',
    skipFormat: options.skipFormat ?? false,
    language: toolchain === 'uv' ? 'python' : 'rust',
    moduleName: options.name.replace(/-/g, '_'),
  };
}

function assertFolderIsFree(tree: Tree, directory: string): void {
  if (tree.exists(directory) && (!tree.isFile(directory) ? tree.children(directory).length > 0 : true)) {
    throw new NxPeppyError({
      file: directory,
      message: 'the folder already exists and is not empty; the generator never overwrites files',
      fix: 'choose another --directory or node name, or remove the folder first',
    });
  }
}

/** Scaffolds a PeppyOS node; the inference plugin turns it into an Nx project. */
export async function nodeGenerator(tree: Tree, schema: NodeGeneratorSchema) {
  const options = normalizeOptions(schema);
  assertFolderIsFree(tree, options.directory);

  if (!isPluginRegistered(tree)) await initGenerator(tree, { skipFormat: true });

  const commands = COMMANDS[options.toolchain](options.name);
  const substitutions = {
    ...options,
    buildCommand: JSON.stringify(commands.build).replace(/","/g, '", "'),
    runCommand: JSON.stringify(commands.run).replace(/","/g, '", "'),
    dot: '.',
    template: '',
  };

  const filesRoot = join(__dirname, 'files');
  generateFiles(tree, join(filesRoot, 'manifest'), options.directory, substitutions);
  generateFiles(tree, join(filesRoot, options.toolchain), options.directory, substitutions);
  if (options.container) generateFiles(tree, join(filesRoot, 'container'), options.directory, substitutions);

  if (!options.skipFormat) await formatFiles(tree);

  logger.info(`Created the ${options.container ? 'container' : 'process'} node ${options.name} in ${joinPathFragments(options.directory)}`);
}

export default nodeGenerator;
