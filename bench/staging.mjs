// P5: staging the build context of a 500 MB node of 10,000 files with the
// plugin's stageBuildContext, against `cp -r` of the node folder to the same
// place. A second pair stages onto another file system, where hard links are
// impossible and the plugin copies.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { NODE_TAG, nodeManifest, writeManyFilesNode } from './lib/fixtures.mjs';
import { measureAlternating, ratio, summarize } from './lib/timing.mjs';
import { run } from './lib/workspace.mjs';

export const STAGING_FILES = 10_000;
export const STAGING_BYTES = 500_000_000;
const NODE_FOLDER = 'nodes/big';

function fileSystemOf(path) {
  const output = run('df', ['--output=source,fstype,target', path]).trim().split('\n').pop().trim().split(/\s+/);
  return { device: statSync(path).dev, source: output[0], type: output[1], mount: output[2] };
}

function inProcessTimes(report) {
  const lines = readFileSync(report, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  return { stats: summarize(lines.map((line) => line.seconds)), linked: lines[lines.length - 1].linked, copied: lines[lines.length - 1].copied };
}

/** Returns a folder on a second file system for the copy fallback: /dev/shm when it is another device with room. */
function otherFileSystem(workspace) {
  const candidate = process.env.NX_PEPPY_BENCH_OTHER_FS ?? '/dev/shm';
  try {
    if (statSync(candidate).dev === statSync(workspace).dev) return undefined;
    const available = Number(run('df', ['--output=avail', '-B1', candidate]).trim().split('\n').pop());
    return available > 3 * STAGING_BYTES ? candidate : undefined;
  } catch {
    return undefined;
  }
}

export function runStagingBenchmark(ctx) {
  const root = join(ctx.workRoot, 'staging');
  const workspace = join(root, 'workspace');
  mkdirSync(workspace, { recursive: true });
  ctx.log(`P5: writing ${STAGING_FILES} files of ${STAGING_BYTES / STAGING_FILES} bytes into ${workspace}/${NODE_FOLDER}`);
  const files = writeManyFilesNode(workspace, NODE_FOLDER, STAGING_FILES, STAGING_BYTES);
  writeFileSync(join(workspace, NODE_FOLDER, 'peppy.json5'), nodeManifest('big', NODE_TAG));
  writeFileSync(join(workspace, NODE_FOLDER, 'apptainer.def'), 'Bootstrap: scratch\n\n%files\n    data /opt/big/data\n');
  files.push(`${NODE_FOLDER}/apptainer.def`, `${NODE_FOLDER}/peppy.json5`);
  const fileList = join(root, 'files.txt');
  writeFileSync(fileList, `${files.sort().join('\n')}\n`);

  const stagingModule = join(ctx.repositoryRoot, 'packages', 'nx-peppy', 'dist', 'staging', 'index.js');
  // The executor stages next to the image under dist/, inside the workspace.
  const sameFolder = join(workspace, 'dist', NODE_FOLDER);
  mkdirSync(sameFolder, { recursive: true });
  const targets = [{ name: 'same file system', folder: sameFolder }];
  const other = otherFileSystem(workspace);
  if (other) {
    const otherFolder = join(other, `nx-peppy-bench-${process.pid}`);
    mkdirSync(otherFolder, { recursive: true });
    targets.push({ name: 'another file system', folder: otherFolder });
  } else {
    ctx.log('  no second file system with room (set NX_PEPPY_BENCH_OTHER_FS); only the same-file-system pair runs');
  }

  const commands = [];
  for (const target of targets) {
    const context = join(target.folder, '.big_v1.sif.tmp-bench.sif.context');
    const copy = join(target.folder, 'cp-r-copy');
    target.report = join(root, `stage-${commands.length}.jsonl`);
    target.stageIndex = commands.length;
    commands.push({
      label: `stageBuildContext, ${target.name}`,
      argv: ['node', join(ctx.benchRoot, 'lib', 'stage-context.mjs'), stagingModule, workspace, fileList, context, target.report],
      prepare: ['rm', '-rf', context],
      display: `node bench/lib/stage-context.mjs … (${files.length} paths)`,
    });
    commands.push({ label: `cp -r, ${target.name}`, argv: ['cp', '-r', join(workspace, NODE_FOLDER), copy], prepare: ['rm', '-rf', copy], display: `cp -r ${NODE_FOLDER} DEST` });
  }

  ctx.log(`P5: ${ctx.rounds.staging} alternating rounds of ${commands.length} commands`);
  const measurement = measureAlternating(commands, { rounds: ctx.rounds.staging, warmup: 1, timer: ctx.timer, log: ctx.log });

  const pairs = targets.map((target) => {
    const inProcess = inProcessTimes(target.report);
    return {
      name: target.name,
      fileSystem: fileSystemOf(target.folder),
      sameAsSource: statSync(target.folder).dev === statSync(workspace).dev,
      stage: { label: commands[target.stageIndex].label, stats: summarize(measurement.times[target.stageIndex]) },
      copy: { label: commands[target.stageIndex + 1].label, stats: summarize(measurement.times[target.stageIndex + 1]) },
      inProcess,
      ratio: ratio(measurement, target.stageIndex, target.stageIndex + 1),
      target: target.name === 'same file system' ? 0.2 : undefined,
    };
  });
  for (const target of targets.slice(1)) rmSync(target.folder, { recursive: true, force: true });
  return { files: files.length, bytes: STAGING_BYTES, source: fileSystemOf(workspace), pairs };
}
