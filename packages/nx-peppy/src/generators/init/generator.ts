import { formatFiles, readNxJson, updateNxJson, writeJson, type Tree } from '@nx/devkit';

import type { InitGeneratorSchema } from './schema';

export const PLUGIN_NAME = 'nx-peppy';

/**
 * Lines the workspace `.gitignore` needs: images live under `/dist/` and must
 * not be committed. Anchored, because a bare `dist/` would also hide a node's
 * own `dist` folder (wheels, say) from Nx, which then could not hash it.
 */
const IGNORED = ['/dist/', '*.sif'];

export function isPluginRegistered(tree: Tree): boolean {
  const plugins = readNxJson(tree)?.plugins ?? [];
  return plugins.some((entry) => (typeof entry === 'string' ? entry : entry.plugin) === PLUGIN_NAME);
}

function addIgnoreLines(tree: Tree): void {
  const current = tree.exists('.gitignore') ? (tree.read('.gitignore', 'utf-8') ?? '') : '';
  const present = new Set(current.split(/\r?\n/).map((line) => line.trim()));
  const missing = IGNORED.filter((line) => !present.has(line) && !present.has(line.replace(/^\//, '')));
  if (missing.length === 0) return;

  const separator = current === '' || current.endsWith('\n') ? '' : '\n';
  tree.write('.gitignore', `${current}${separator}\n# nx-peppy images\n${missing.join('\n')}\n`);
}

/** Registers the plugin in `nx.json` once, whether it is listed as a string or an object. */
export async function initGenerator(tree: Tree, options: InitGeneratorSchema = {}) {
  if (!isPluginRegistered(tree)) {
    const nxJson = readNxJson(tree) ?? {};
    nxJson.plugins = [...(nxJson.plugins ?? []), PLUGIN_NAME];
    // updateNxJson only rewrites an existing nx.json.
    if (tree.exists('nx.json')) updateNxJson(tree, nxJson);
    else writeJson(tree, 'nx.json', nxJson);
  }

  addIgnoreLines(tree);

  if (!options.skipFormat) await formatFiles(tree);
}

export default initGenerator;
