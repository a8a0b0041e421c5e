// Compiles the plugin with tsc and copies what Nx reads at run time beside the
// JavaScript: executor and generator schemas, and generator template files.
// The repository's README and docs go into the package folder, so that the
// packed plugin carries the pages its messages point to.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'nx-peppy');
const sourceDir = join(packageDir, 'src');
const outputDir = join(packageDir, 'dist');

rmSync(outputDir, { recursive: true, force: true });
execFileSync(process.execPath, [join(packageDir, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(packageDir, 'tsconfig.lib.json')], {
  stdio: 'inherit',
});

function copyAssets(folder) {
  for (const entry of readdirSync(folder)) {
    const path = join(folder, entry);
    const target = join(outputDir, relative(sourceDir, path));
    if (entry === 'files' && statSync(path).isDirectory()) {
      cpSync(path, target, { recursive: true });
    } else if (statSync(path).isDirectory()) {
      if (entry !== '__fixtures__') copyAssets(path);
    } else if (entry === 'schema.json') {
      cpSync(path, target);
    }
  }
}

copyAssets(sourceDir);

const repositoryRoot = join(packageDir, '..', '..');
cpSync(join(repositoryRoot, 'README.md'), join(packageDir, 'README.md'));
rmSync(join(packageDir, 'docs'), { recursive: true, force: true });
cpSync(join(repositoryRoot, 'docs'), join(packageDir, 'docs'), { recursive: true });
