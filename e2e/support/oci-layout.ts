import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';

/** OCI names of Node.js architectures, for the image configuration. */
const OCI_ARCHITECTURES: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

interface Blob {
  digest: string;
  size: number;
}

function writeBlob(layout: string, content: Buffer | string): Blob {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const hex = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(layout, 'blobs', 'sha256', hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

/**
 * Writes an OCI image layout into `layout` (absolute): one uncompressed layer
 * with busybox from the host and `/etc/variant` containing `variant`. No
 * registry is needed, so `Bootstrap: oci` and `oci-archive` can be tested offline.
 */
export function writeBusyboxOciLayout(layout: string, variant: string): void {
  const rootfs = mkdtempSync(join(tmpdir(), 'nx-peppy-oci-rootfs-'));
  try {
    for (const folder of ['bin', 'etc', 'tmp']) mkdirSync(join(rootfs, folder));
    copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
    for (const tool of ['sh', 'cat', 'echo', 'ls']) symlinkSync('busybox', join(rootfs, 'bin', tool));
    writeFileSync(join(rootfs, 'etc', 'variant'), `${variant}\n`);

    // Fixed order, owner and times, so the same variant gives the same layer.
    const layerTar = `${rootfs}.tar`;
    execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', rootfs, '-cf', layerTar, '.']);

    rmSync(layout, { recursive: true, force: true });
    mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
    const layer = writeBlob(layout, readFileSync(layerTar));
    rmSync(layerTar);

    const config = writeBlob(
      layout,
      JSON.stringify({
        architecture: OCI_ARCHITECTURES[arch()] ?? arch(),
        os: 'linux',
        config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh'] },
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
      }),
    );
    const manifest = writeBlob(
      layout,
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      }),
    );

    writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    writeFileSync(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
      }),
    );
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

/** Packs an OCI layout folder into the tar file that `Bootstrap: oci-archive` reads. */
export function packOciArchive(layout: string, archive: string): void {
  // Apptainer 1.4.5 rejects a `./` member as an illegal extraction path, so the members are named.
  execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', layout, '-cf', archive, 'oci-layout', 'index.json', 'blobs']);
}
