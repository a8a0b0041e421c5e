// Removes Nx's workspace data of a bench workspace before a cold run.
// Usage: node clear-workspace-data.mjs WORKSPACE [--keep-plugin-cache]
// With --keep-plugin-cache the nx-peppy inference cache files stay.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const [workspace, flag] = process.argv.slice(2);
if (!workspace || (flag !== undefined && flag !== '--keep-plugin-cache')) {
  console.error('usage: node clear-workspace-data.mjs WORKSPACE [--keep-plugin-cache]');
  process.exit(2);
}

const folder = join(workspace, '.nx', 'workspace-data');
const keep = (name) => flag === '--keep-plugin-cache' && /^nx-peppy-[0-9a-f]+\.json$/.test(name);
let entries = [];
try {
  entries = readdirSync(folder);
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
for (const name of entries) if (!keep(name)) rmSync(join(folder, name), { recursive: true, force: true });
