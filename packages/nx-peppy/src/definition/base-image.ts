import { clip, type DiagnosticList, quote } from './diagnostics';

/** Agents that pull a base image by a reference that a registry can move. */
const REGISTRY_AGENTS: readonly string[] = ['docker', 'library', 'oras'];

const DIGEST = /@sha(256|384|512):/i;

/** Splits off the tag: the text after a `:` in the last path segment, so a registry port is no tag. */
function readTag(reference: string): string | undefined {
  const withoutDigest = reference.split('@')[0];
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  return colon < 0 ? undefined : lastSegment.slice(colon + 1);
}

function isPinned(bootstrap: string, reference: string): boolean {
  if (DIGEST.test(reference)) return true;
  // The library agent writes a digest as the tag "sha256.<hex>".
  return bootstrap === 'library' && (readTag(reference) ?? '').startsWith('sha256.');
}

/**
 * Warns when a `docker`, `library` or `oras` stage names its base image without a digest. The
 * Nx cache key contains only the definition text, so it cannot see a tag that moves to a new image.
 */
export function checkBaseImage(
  bootstrap: string | undefined,
  from: string | undefined,
  line: number,
  stageLabel: string,
  diagnostics: DiagnosticList,
): void {
  if (!bootstrap || !from || !REGISTRY_AGENTS.includes(bootstrap)) return;
  if (isPinned(bootstrap, from)) return;

  const tag = readTag(from.replace(/^[a-z]+:\/\//, ''));
  let problem: string;
  if (tag === undefined) {
    problem = `has no tag, so it pulls "latest", and no digest`;
  } else if (tag === 'latest') {
    problem = 'uses the tag "latest" and no digest';
  } else {
    problem = `has the tag ${quote(tag)} but no digest`;
  }

  const pinned = bootstrap === 'library' ? `${clip(from)}:sha256.<digest>` : `${clip(from)}@sha256:<digest>`;
  diagnostics.warning(
    'unpinned-base',
    line,
    `base image ${quote(from)} of ${stageLabel} ${problem}: the Nx cache cannot see when the registry moves a tag to a new image, so it can replay a build made from the old one`,
    bootstrap === 'library' && tag !== undefined
      ? `pin the image by its digest, replacing the tag with "sha256.<digest>"`
      : `pin the image by its digest, such as "From: ${pinned}"`,
  );
}
