// Stages a build context with the plugin's own stageBuildContext, as the
// build executor does after Nx's hash planner listed the files.
// Usage: node stage-context.mjs STAGING_MODULE WORKSPACE FILE_LIST CONTEXT_ROOT [REPORT]
// FILE_LIST contains workspace-relative paths, one a line. REPORT, when given,
// gets one JSON line: the time stageBuildContext took and its counts.
import { appendFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [stagingModule, workspace, fileList, contextRoot, report] = process.argv.slice(2);
if (!contextRoot) {
  console.error('usage: node stage-context.mjs STAGING_MODULE WORKSPACE FILE_LIST CONTEXT_ROOT [REPORT]');
  process.exit(2);
}

const { stageBuildContext } = createRequire(import.meta.url)(stagingModule);
const files = readFileSync(fileList, 'utf8').split('\n').filter(Boolean);

const start = process.hrtime.bigint();
const staged = stageBuildContext(files, workspace, contextRoot);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;

if (staged.files.length !== files.length) {
  console.error(`staged ${staged.files.length} of ${files.length} files; missing: ${staged.missing.slice(0, 5).join(', ')}`);
  process.exit(1);
}
if (report) appendFileSync(report, `${JSON.stringify({ seconds, linked: staged.linked, copied: staged.copied })}\n`);
