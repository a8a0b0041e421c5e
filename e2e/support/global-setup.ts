import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repositoryRoot = join(__dirname, '..', '..');

/**
 * Packs the built plugin once per test run, so every e2e workspace installs it
 * the way a user gets it from the registry.
 */
export default function globalSetup(): void {
  if (process.env.NX_PEPPY_TARBALL) return;

  const packageDir = join(repositoryRoot, 'packages', 'nx-peppy');
  execFileSync('node', [join(repositoryRoot, 'scripts', 'build-plugin.mjs')], { stdio: 'inherit' });

  const destination = mkdtempSync(join(tmpdir(), 'nx-peppy-pack-'));
  execFileSync('npm', ['pack', '--silent', '--pack-destination', destination], { cwd: packageDir, stdio: 'pipe' });
  const tarball = readdirSync(destination).find((file) => file.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${destination}`);

  process.env.NX_PEPPY_TARBALL = join(destination, tarball);
}
