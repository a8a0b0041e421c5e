import { readFileSync } from 'node:fs';

import { NxPeppyError } from '../errors';

// Kept apart from the parser, so that reading a manifest for the inference
// cache does not load zod and json5.

/** The file name PeppyOS looks for in a node folder. */
export const MANIFEST_FILE = 'peppy.json5';

/** Reads a manifest's text; a missing or unreadable file is an input error, not a crash. */
export function readManifestText(path: string, displayPath = path): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    throw new NxPeppyError({ file: displayPath, message: `cannot read the manifest: ${reason}`, fix: `create ${MANIFEST_FILE} in the node folder` });
  }
}
