/** Single-quotes a value for the POSIX shell that Nx runs runtime inputs with. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

// Streams each file, so a multi-gigabyte base image is never held in memory.
// A folder (an OCI layout, a sandbox) hashes the relative path and content of
// every file below it, in name order. One line per path; a path that cannot be
// read prints its error code instead.
const HASH_SCRIPT = [
  "const c=require('crypto'),f=require('fs'),P=require('path')",
  'const list=(d)=>f.readdirSync(d,{withFileTypes:true}).sort((a,b)=>(a.name<b.name?-1:1))' +
    '.flatMap((e)=>(e.isDirectory()?list(P.join(d,e.name)):[P.join(d,e.name)]))',
  '(async()=>{for(const p of process.argv.slice(1)){const h=c.createHash(\'sha256\');try{' +
    'const folder=f.statSync(p).isDirectory();for(const q of folder?list(p):[p]){' +
    "if(folder)h.update(P.relative(p,q)+'\\0');for await(const d of f.createReadStream(q))h.update(d)}" +
    "console.log(p+' '+h.digest('hex'))}catch(e){console.log(p+' unreadable '+e.code)}}})()",
].join(';');

/**
 * Bound on the paths in one command. Nx hands a runtime input to the shell
 * as one argument, and Linux limits a single argument to 128 KiB.
 */
const MAX_PATHS_LENGTH = 32 * 1024;

/**
 * Builds runtime inputs that hash the content of files, reading through
 * symlinks. They serve files that Nx cannot hash as a fileset: a `localimage`
 * base that git ignores and that no project builds, a file outside the
 * workspace, or the target of a symlink. Relative paths are relative to the
 * workspace root, where Nx runs runtime inputs. Long lists are split over
 * several commands.
 */
export function fileHashInputs(paths: readonly string[]): { runtime: string }[] {
  const inputs: { runtime: string }[] = [];
  let chunk: string[] = [];
  let length = 0;

  const flush = () => {
    if (chunk.length === 0) return;
    inputs.push({ runtime: `node -e ${shellQuote(HASH_SCRIPT)} ${chunk.join(' ')}` });
    chunk = [];
    length = 0;
  };

  for (const path of paths) {
    const quoted = shellQuote(path);
    if (length + quoted.length > MAX_PATHS_LENGTH) flush();
    chunk.push(quoted);
    length += quoted.length + 1;
  }
  flush();
  return inputs;
}

/** Builds the runtime input that hashes one file's content; see `fileHashInputs`. */
export function fileHashInput(path: string): { runtime: string } {
  return fileHashInputs([path])[0];
}
