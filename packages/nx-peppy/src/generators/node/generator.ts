import { join } from 'node:path';

import { formatFiles, generateFiles, joinPathFragments, logger, type Tree } from '@nx/devkit';

import { NxPeppyError } from '../../errors';
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

function normalizeOptions(options: NodeGeneratorSchema): NormalizedOptions {
  const toolchain = options.toolchain ?? 'uv';
  validateName(options.name, toolchain);

  const format = options.format ?? 'schema_version-1';
  return {
    name: options.name,
    directory: options.directory ?? options.name,
    toolchain,
    container: options.container ?? false,
    tag: options.tag ?? (format === 'node/v1' ? 'v1' : '0.1.0'),
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
