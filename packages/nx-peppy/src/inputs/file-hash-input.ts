/** Single-quotes a value for the POSIX shell that Nx runs runtime inputs with. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

// Streams the file so a multi-gigabyte base image is never held in memory.
const HASH_SCRIPT =
  "const h=require('crypto').createHash('sha256');" +
  "require('fs').createReadStream(process.argv[1]).on('data',d=>h.update(d))" +
  ".on('end',()=>console.log(h.digest('hex'))).on('error',e=>console.log('unreadable '+e.code))";

/**
 * Builds a runtime input that hashes one file's content. It serves files Nx cannot
 * hash as a fileset: a `localimage` base that git ignores and that no project
 * builds, or one outside the workspace. Relative paths are relative to the
 * workspace root, where Nx runs runtime inputs.
 */
export function fileHashInput(path: string): { runtime: string } {
  return { runtime: `node -e ${shellQuote(HASH_SCRIPT)} ${shellQuote(path)}` };
}
