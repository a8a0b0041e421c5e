// P1 and P2: `nx show projects --json` on 1,000 container nodes, cold and
// warm, against the same tree described by `project.json` files without a
// plugin, and against @nx/docker on the same tree with Dockerfiles.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { GRAPH_GROUPS, GRAPH_NODES, writeGraphTree } from './lib/fixtures.mjs';
import { measureAlternating, ratio, summarize } from './lib/timing.mjs';
import { createWorkspace, installedVersion, nx, nxCommand, nxResult, run } from './lib/workspace.mjs';

export const NX_DOCKER_VERSION = '23.2.1';
const SHOW_PROJECTS = ['show', 'projects', '--json'];
const COLD = { NX_CACHE_PROJECT_GRAPH: 'false' };
const NO_ISOLATION = { NX_ISOLATE_PLUGINS: 'false' };

const FLAVOURS = {
  'project-json': { label: 'plugin-less (project.json)', plugins: [] },
  peppy: { label: 'nx-peppy', plugins: ['nx-peppy'] },
  docker: { label: `@nx/docker ${NX_DOCKER_VERSION}`, plugins: ['@nx/docker'] },
};

function clearCommand(ctx, workspace, keepPluginCache = false) {
  return ['node', join(ctx.benchRoot, 'lib', 'clear-workspace-data.mjs'), workspace, ...(keepPluginCache ? ['--keep-plugin-cache'] : [])];
}

/** Checks that a workspace lists exactly the 1,000 nodes and that its plugin added its targets. */
function checkWorkspace(workspace, flavour, expectedNames) {
  const names = JSON.parse(nx(workspace, SHOW_PROJECTS)).sort();
  const missing = expectedNames.filter((name) => !names.includes(name));
  if (names.length !== expectedNames.length || missing.length > 0) {
    throw new Error(`${workspace}: nx show projects listed ${names.length} projects, expected ${expectedNames.length} (missing: ${missing.slice(0, 5).join(', ')})`);
  }
  const project = JSON.parse(nx(workspace, ['show', 'project', expectedNames[expectedNames.length - 1], '--json']));
  const target = { 'project-json': 'build', peppy: 'build', docker: 'docker:build' }[flavour];
  if (!project.targets?.[target]) throw new Error(`${workspace}: project ${project.name} has no ${target} target`);
  if (flavour === 'peppy' && project.targets.build.executor !== 'nx-peppy:build') {
    throw new Error(`${workspace}: the build target of ${project.name} does not use nx-peppy:build`);
  }
}

/** Creates the workspaces of one Nx version, each with its own copy of the tree. */
function prepareWorkspaces(ctx, nxVersion, flavours) {
  const major = nxVersion.split('.')[0];
  const packages = [`nx@${nxVersion}`, ctx.tarball, ...(flavours.includes('docker') ? [`@nx/docker@${NX_DOCKER_VERSION}`] : [])];
  const workspaces = {};
  let names;
  for (const flavour of flavours) {
    const root = join(ctx.workRoot, `graph-nx${major}-${flavour}`);
    mkdirSync(root, { recursive: true });
    names = writeGraphTree(root, flavour).sort();
    ctx.log(`  installing nx@${nxVersion} into ${root}`);
    // Every workspace gets the same packages, so only nx.json and one file per folder differ.
    createWorkspace(root, { packages, plugins: FLAVOURS[flavour].plugins });
    checkWorkspace(root, flavour, names);
    workspaces[flavour] = root;
  }
  return { workspaces, version: installedVersion(workspaces[flavours[0]], 'nx') };
}

/** Runs `nx show projects` with NX_PERF_LOGGING and returns Nx's own timings of its phases, in ms. */
function perfPhases(workspace, env, runs) {
  const phases = new Map();
  for (let index = 0; index < runs; index++) {
    const result = nxResult(workspace, SHOW_PROJECTS, { ...env, NX_PERF_LOGGING: 'true' });
    if (result.status !== 0) throw new Error(`nx show projects with NX_PERF_LOGGING failed in ${workspace}:\n${result.stderr.slice(-2000)}`);
    // Nx prints "Time taken for 'PHASE' 12.3ms", coloured when the output is a terminal.
    const text = `${result.stdout}\n${result.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
    for (const match of text.matchAll(/Time taken for '(.+?)' ([\d.]+)ms/g)) {
      const phase = match[1].replaceAll(`${workspace}/node_modules/`, '').replace(/^(.*)plugin worker \d+ code loading$/, '$1plugin worker code loading');
      if (!phases.has(phase)) phases.set(phase, []);
      phases.get(phase).push(Number(match[2]));
    }
  }
  return phases;
}

const PROFILE_PHASES = [
  'code-loading',
  'loadDefaultNxPlugins',
  'loadSpecifiedNxPlugins',
  'start-plugin-worker:nx-peppy',
  'Load Nx Plugin: nx-peppy',
  'nx-peppy:createNodes',
  'build-project-configs',
  'createNodes:merge',
  'nx-peppy:createDependencies',
  'nx/js/dependencies-and-lockfile:createDependencies',
  'createProjectGraphAsync >> retrieve-project-configurations',
  'createProjectGraphAsync >> build-project-graph-using-project-file-map',
  'createProjectGraphAsync',
  'write cache',
];

/** Medians of Nx's phase timings for the plugin-less and the nx-peppy workspace, cold and warm. */
function profile(ctx, workspaces) {
  const runs = ctx.rounds.profile;
  const columns = [
    { label: 'plugin-less, cold', workspace: workspaces['project-json'], env: COLD, prepare: true },
    { label: 'nx-peppy, cold', workspace: workspaces.peppy, env: COLD, prepare: true },
    { label: 'plugin-less, warm', workspace: workspaces['project-json'], env: {} },
    { label: 'nx-peppy, warm', workspace: workspaces.peppy, env: {} },
  ];
  const measured = columns.map((column) => {
    if (column.prepare) {
      // Cold: each profile run starts without workspace data, as the timed runs do.
      const phases = new Map();
      for (let index = 0; index < runs; index++) {
        const clear = clearCommand(ctx, column.workspace);
        run(clear[0], clear.slice(1));
        for (const [phase, values] of perfPhases(column.workspace, column.env, 1)) phases.set(phase, [...(phases.get(phase) ?? []), ...values]);
      }
      return phases;
    }
    return perfPhases(column.workspace, column.env, runs);
  });
  const rows = PROFILE_PHASES.map((phase) => ({
    phase,
    values: measured.map((phases) => (phases.has(phase) ? summarize(phases.get(phase)).median : undefined)),
  })).filter((row) => row.values.some((value) => value !== undefined));
  return { runs, columns: columns.map((column) => column.label), rows };
}

function figure(measurement, commands, index) {
  return { label: commands[index].label, display: commands[index].display, stats: summarize(measurement.times[index]) };
}

function comparison(id, title, measurement, commands, anchorIndex, subjects) {
  return {
    id,
    title,
    anchor: figure(measurement, commands, anchorIndex),
    figures: commands.map((_, index) => figure(measurement, commands, index)),
    ratios: subjects.map(({ index, target }) => ({ label: commands[index].label, target, ...ratio(measurement, index, anchorIndex) })),
  };
}

/** Runs P1 and P2 for one Nx version; returns their comparisons. */
function measureVersion(ctx, nxVersion, flavours, { diagnostics }) {
  ctx.log(`P1/P2 with nx@${nxVersion}: creating ${flavours.length} workspaces of ${GRAPH_NODES} nodes`);
  const { workspaces, version } = prepareWorkspaces(ctx, nxVersion, flavours);
  const show = 'nx show projects --json';
  const results = [];

  // P1: cold, every command after the removal of its workspace's .nx/workspace-data.
  const cold = [
    { label: 'plugin-less', workspace: workspaces['project-json'], keep: false, env: COLD },
    { label: 'nx-peppy, no cache', workspace: workspaces.peppy, keep: false, env: COLD },
    { label: 'nx-peppy, plugin cache warm', workspace: workspaces.peppy, keep: true, env: COLD },
  ];
  if (workspaces.docker) cold.push({ label: `@nx/docker ${NX_DOCKER_VERSION}`, workspace: workspaces.docker, keep: false, env: COLD });
  if (diagnostics) {
    cold.push({ label: 'plugin-less, NX_ISOLATE_PLUGINS=false', workspace: workspaces['project-json'], keep: false, env: { ...COLD, ...NO_ISOLATION } });
    cold.push({ label: 'nx-peppy, no cache, NX_ISOLATE_PLUGINS=false', workspace: workspaces.peppy, keep: false, env: { ...COLD, ...NO_ISOLATION } });
  }
  const coldCommands = cold.map((entry) => ({
    label: entry.label,
    argv: nxCommand(entry.workspace, SHOW_PROJECTS, entry.env),
    prepare: clearCommand(ctx, entry.workspace, entry.keep),
    display: `${Object.entries(entry.env).map(([name, value]) => `${name}=${value} `).join('')}${show}`,
  }));
  ctx.log(`P1 (nx@${version}): ${ctx.rounds.graph} alternating rounds of ${coldCommands.length} commands`);
  const coldMeasurement = measureAlternating(coldCommands, { rounds: ctx.rounds.graph, warmup: 1, timer: ctx.timer, log: ctx.log });
  const coldSubjects = [
    { index: 1, target: 2.0 },
    { index: 2, target: 2.0 },
  ];
  if (workspaces.docker) coldSubjects.push({ index: 3 });
  const p1 = comparison('P1', `cold graph, nx@${version}`, coldMeasurement, coldCommands, 0, coldSubjects);
  if (diagnostics) {
    const base = workspaces.docker ? 4 : 3;
    p1.diagnostic = { label: 'both with NX_ISOLATE_PLUGINS=false (plugins in the nx process, no worker processes)', ...ratio(coldMeasurement, base + 1, base) };
  }
  results.push(p1);

  // P2: warm, Nx's graph cache and the plugin caches kept between runs; the warm-up run fills them.
  const warm = [
    { label: 'plugin-less', workspace: workspaces['project-json'], env: {} },
    { label: 'nx-peppy', workspace: workspaces.peppy, env: {} },
  ];
  if (workspaces.docker) warm.push({ label: `@nx/docker ${NX_DOCKER_VERSION}`, workspace: workspaces.docker, env: {} });
  if (diagnostics) {
    warm.push({ label: 'plugin-less, NX_ISOLATE_PLUGINS=false', workspace: workspaces['project-json'], env: NO_ISOLATION });
    warm.push({ label: 'nx-peppy, NX_ISOLATE_PLUGINS=false', workspace: workspaces.peppy, env: NO_ISOLATION });
  }
  const warmCommands = warm.map((entry) => ({
    label: entry.label,
    argv: nxCommand(entry.workspace, SHOW_PROJECTS, entry.env),
    display: `${Object.entries(entry.env).map(([name, value]) => `${name}=${value} `).join('')}${show}`,
  }));
  ctx.log(`P2 (nx@${version}): ${ctx.rounds.graph} alternating rounds of ${warmCommands.length} commands`);
  const warmMeasurement = measureAlternating(warmCommands, { rounds: ctx.rounds.graph, warmup: 1, timer: ctx.timer, log: ctx.log });
  const warmSubjects = [{ index: 1, target: 1.1 }];
  if (workspaces.docker) warmSubjects.push({ index: 2 });
  const p2 = comparison('P2', `warm graph, nx@${version}`, warmMeasurement, warmCommands, 0, warmSubjects);
  if (diagnostics) {
    const base = workspaces.docker ? 3 : 2;
    p2.diagnostic = { label: 'both with NX_ISOLATE_PLUGINS=false (plugins in the nx process, no worker processes)', ...ratio(warmMeasurement, base + 1, base) };
  }
  results.push(p2);

  if (diagnostics) {
    ctx.log(`profile (nx@${version}): NX_PERF_LOGGING, ${ctx.rounds.profile} runs each`);
    try {
      results.profile = { version, ...profile(ctx, workspaces) };
    } catch (error) {
      // The timed figures stand without the profile, so they are kept.
      ctx.log(`profile failed: ${error.stack ?? error}`);
      results.profile = { version, error: String(error.message ?? error) };
    }
  }
  return results;
}

/**
 * P1 and P2 on the Nx version of this repository (24) with the plugin-less
 * anchor, and on Nx 23 with @nx/docker beside them, since @nx/docker has no
 * 24 release.
 */
export function runGraphBenchmarks(ctx) {
  const current = measureVersion(ctx, ctx.nxVersion, ['project-json', 'peppy'], { diagnostics: true });
  const previous = measureVersion(ctx, NX_DOCKER_VERSION, ['project-json', 'peppy', 'docker'], { diagnostics: false });
  return { comparisons: [...current, ...previous], profile: current.profile, nodes: GRAPH_NODES, groups: GRAPH_GROUPS };
}
