// Renders docs/benchmarks.md from the results of one run of bench/run.mjs.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NOTES_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'notes.md');

function seconds(value) {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  if (value < 1) return `${(value * 1000).toFixed(0)} ms`;
  if (value < 10) return `${value.toFixed(2)} s`;
  return `${value.toFixed(1)} s`;
}

function times(value) {
  return `${value.toFixed(2)}×`;
}

function spread(stats) {
  return `${seconds(stats.q1)} – ${seconds(stats.q3)}`;
}

function range(stats) {
  return `${seconds(stats.min)} – ${seconds(stats.max)}`;
}

function pairedRange(ratio) {
  return `${times(ratio.pairedMin)} – ${times(ratio.pairedMax)}`;
}

function pairedSummary(ratio) {
  return `${times(ratio.pairedMedian)} (${pairedRange(ratio)})`;
}

/**
 * Judges a ratio against its target by the ratio of medians and by the median
 * of the paired ratios. When the two disagree, the load moved the result, so
 * it is reported as borderline with both values.
 */
function verdict(ratio, target) {
  if (target === undefined) return 'no target';
  const byMedians = ratio.value <= target;
  const byPairs = (ratio.pairedMedian ?? ratio.value) <= target;
  if (byMedians && byPairs) return 'met';
  if (!byMedians && !byPairs) return '**missed**';
  return `borderline (${times(ratio.value)} and ${times(ratio.pairedMedian)})`;
}

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function bytes(value) {
  if (value >= 1024 ** 3) return `${(value / 1024 ** 3).toFixed(2)} GiB`;
  return `${(value / 1024 ** 2).toFixed(0)} MiB`;
}

/** Builds one row of the summary table per ratio with a target, plus the @nx/docker ratios for comparison. */
function summaryRows(results) {
  const rows = [];
  const { graph, restore, build, staging, affected } = results.benchmarks;
  const errors = results.errors;

  if (graph?.comparisons) {
    for (const comparison of graph.comparisons) {
      for (const entry of comparison.ratios) {
        const figure = comparison.figures.find((item) => item.label === entry.label);
        const measure = `${comparison.id === 'P1' ? '`nx show projects --json`, cold' : '`nx show projects --json`, graph cache warm'}, ${comparison.title.split(', ')[1]}: ${entry.label}`;
        rows.push([comparison.id, measure, seconds(figure.stats.median), seconds(comparison.anchor.stats.median), times(entry.value), pairedSummary(entry), entry.target ? `≤ ${entry.target}×` : '—', verdict(entry, entry.target)]);
      }
    }
  } else if (errors.graph) rows.push(['P1, P2', 'project graph of 1,000 nodes', '—', '—', '—', '—', '≤ 2.0×, ≤ 1.1×', `failed: ${errors.graph}`]);

  if (restore?.ratio) {
    rows.push(['P3', `cache-hit \`nx build\` restoring a deleted ${bytes(restore.imageBytes)} image`, seconds(restore.subject.stats.median), seconds(restore.anchor.stats.median), times(restore.ratio.value), pairedSummary(restore.ratio), `≤ ${restore.target}×`, verdict(restore.ratio, restore.target)]);
  } else if (errors.restore) rows.push(['P3', 'cache-hit restore of a 1 GiB image', '—', '—', '—', '—', '≤ 1.3×', `failed: ${errors.restore}`]);

  if (build?.ratio) {
    rows.push(['P4', 'cache-miss `nx build` of the debootstrap image', seconds(build.subject.stats.median), seconds(build.anchor.stats.median), times(build.ratio.value), pairedSummary(build.ratio), `≤ ${build.target}×`, verdict(build.ratio, build.target)]);
  } else if (errors.build) rows.push(['P4', 'cache-miss build of the debootstrap image', '—', '—', '—', '—', '≤ 1.05×', `failed: ${errors.build}`]);

  if (staging?.pairs) {
    for (const pair of staging.pairs) {
      const measure = `staging ${staging.files.toLocaleString('en-US')} files, ${Math.round(staging.bytes / 1e6)} MB, ${pair.name}${pair.target === undefined ? ' (copy fallback, for comparison)' : ''}`;
      rows.push(['P5', measure, seconds(pair.stage.stats.median), seconds(pair.copy.stats.median), times(pair.ratio.value), pairedSummary(pair.ratio), pair.target ? `≤ ${pair.target}×` : '—', verdict(pair.ratio, pair.target)]);
    }
  } else if (errors.staging) rows.push(['P5', 'build-context staging', '—', '—', '—', '—', '≤ 0.2×', `failed: ${errors.staging}`]);

  if (affected?.cases) {
    const exact = affected.cases.filter((entry) => entry.exact).length;
    rows.push(['P6', `\`nx show projects --affected -t build\`, ${affected.nodes} nodes, ${affected.cases.length} changes`, `${exact} of ${affected.cases.length} exact`, 'expected sets', '—', '—', 'exact', exact === affected.cases.length ? 'met' : '**missed**']);
  } else if (errors.affected) rows.push(['P6', 'affected set', '—', '—', '—', '—', 'exact', `failed: ${errors.affected}`]);
  return rows;
}

function machineSection(results) {
  const { machine, software } = results;
  const disk = machine.disk ? `${machine.disk.type} on ${machine.disk.source} (${machine.disk.size}, ${machine.disk.available} free${machine.disk.rotational === false ? ', not rotational' : ''}), mounted at ${machine.disk.mount}` : 'unknown';
  const rows = [
    ['CPU', `${machine.cores} cores, ${machine.cpuModel} (${machine.arch})`],
    ['memory', `${machine.memoryGiB.toFixed(1)} GiB`],
    ['disk of the temporary folder', disk],
    ['system', `${machine.os}, Linux ${machine.kernel}`],
    ['Node.js, npm', `${software.node}, ${software.npm}`],
    ['Nx', `${software.nx} (and 23.2.1 for the @nx/docker comparison)`],
    ['plugin', `${software.plugin}, packed from commit ${software.commit ?? 'unknown'}`],
    ['timing tool', results.timer],
    ['Apptainer', software.apptainer ?? 'not used in this run'],
    ['cp', software.coreutils ?? 'unknown'],
  ];
  return table(['what', 'value'], rows);
}

function commandTable(figures) {
  return table(
    ['command', 'median', 'interquartile range', 'range', 'runs'],
    figures.map((figure) => [`${figure.label}: \`${figure.display}\``, seconds(figure.stats.median), spread(figure.stats), range(figure.stats), String(figure.stats.n)]),
  );
}

function graphSection(graph) {
  if (!graph?.comparisons) return '';
  const parts = [
    '## P1 and P2: project graph of 1,000 container nodes',
    '',
    `Each workspace holds the same ${graph.nodes.toLocaleString('en-US')} node folders in ${graph.groups} groups, each group split into \`drivers/\` and \`apps/\` (\`robots/group-07/apps/node_0290\`). Every folder has \`peppy.json5\`, an \`apptainer.def\` with three \`%files\` lines, \`pyproject.toml\`, two Python files, \`config/params.yaml\` and a README; the first node of each group is a base image that every fourth app starts from (\`Bootstrap: localimage\`). The twins differ in one or two files per folder and in \`nx.json\`:`,
    '',
    '- plugin-less: a `project.json` with the name and hand-written `build` and `serve` targets with the same inputs and outputs; no plugin in `nx.json`;',
    '- nx-peppy: nothing more; `"plugins": ["nx-peppy"]`;',
    '- @nx/docker: a `Dockerfile` and a `project.json` that contains only the name (@nx/docker 23.2.1 names no project, and Nx rejects projects without one); `"plugins": ["@nx/docker"]`.',
    '',
    'All workspaces of one Nx version have the same npm packages (nx, the packed nx-peppy and, for Nx 23, @nx/docker), so their lock files are the same. Before timing, each workspace must list exactly the 1,000 names, and its plugin must have added its build target.',
    '',
    'Cold (P1): `NX_CACHE_PROJECT_GRAPH=false`, and `.nx/workspace-data` is removed before every run, so neither Nx nor any plugin finds a cache. "Plugin cache warm" keeps only nx-peppy\'s own inference cache (`.nx/workspace-data/nx-peppy-*.json`) across the removal. Warm (P2): Nx\'s default graph cache; nothing is removed, and the warm-up run fills the caches.',
    '',
  ];
  for (const comparison of graph.comparisons) {
    parts.push(`### ${comparison.id}, ${comparison.title}`, '', commandTable(comparison.figures), '');
    const ratioRows = comparison.ratios.map((entry) => [entry.label, times(entry.value), times(entry.pairedMedian), pairedRange(entry), entry.target ? `≤ ${entry.target}×` : '—', verdict(entry, entry.target)]);
    if (comparison.diagnostic) {
      ratioRows.push([`diagnostic: ${comparison.diagnostic.label}`, times(comparison.diagnostic.value), times(comparison.diagnostic.pairedMedian), pairedRange(comparison.diagnostic), '—', 'no target']);
    }
    parts.push(table(['against the plugin-less workspace', 'ratio of medians', 'median of paired ratios', 'paired ratios, range', 'target', 'result'], ratioRows), '');
  }

  if (graph.profile?.error) {
    parts.push(`### Where the time goes`, '', `The NX_PERF_LOGGING profile failed: ${graph.profile.error}`, '');
  } else if (graph.profile) {
    const { profile } = graph;
    parts.push(
      `### Where the time goes (nx@${profile.version})`,
      '',
      `Nx's own phase timings (\`NX_PERF_LOGGING=true\`), median of ${profile.runs} runs each, outside the timed rounds. Plugin phases run in parallel worker processes, so the rows do not add up to the total.`,
      '',
      table(['phase', ...profile.columns], profile.rows.map((row) => [`\`${row.phase}\``, ...row.values.map((value) => (value === undefined || value === null ? '—' : `${value.toFixed(0)} ms`))])),
      '',
    );
  }
  return parts.join('\n');
}

function restoreSection(restore) {
  if (!restore?.ratio) return '';
  const figures = restore.figures ?? [restore.anchor, restore.subject];
  const extra = [];
  if (restore.graphOnlyRatio && restore.pluginLessRatio) {
    const pluginLess = restore.pluginLessRatio;
    const overBudget = pluginLess.value > restore.target && pluginLess.pairedMedian > restore.target;
    extra.push(
      '',
      `The plugin-less twin restores the same file from Nx's cache in ${seconds(figures[3].stats.median)} (${times(pluginLess.value)} the \`cp\`). It is a workspace with the same payload as the build input and a \`project.json\` target that writes the same image path, so no plugin plays a part in it.${overBudget ? ` Nx's own cache hit is thus over the ${restore.target}× target before nx-peppy adds anything.` : ''} The difference between the two is what nx-peppy adds to every \`nx\` command: its plugin worker process and its inference, as P2 shows for the graph alone. For scale, \`nx show projects\` in the same workspace, which runs no task, takes ${seconds(figures[2].stats.median)}.`,
    );
  }
  return [
    '## P3: cache-hit restore of a 1 GiB image',
    '',
    `A node whose only \`%files\` source is a 1 GiB file of random bytes (\`Bootstrap: scratch\`), so neither squashfs nor Nx can compress it: the image is ${bytes(restore.imageBytes)}. The first \`nx build\` took ${seconds(restore.buildSeconds)} and stored the image in the Nx cache (\`NX_CACHE_DIRECTORY\` is a folder of the run). Before every timed run of the restoring commands the image under \`dist/\` is deleted; \`nx build\` then restores it from the cache, and \`cp\` copies the cached file (\`${restore.cachedPath}\`) to the same path. After the rounds, one more restore must give the same SHA-256 as the built image.`,
    '',
    commandTable(figures),
    '',
    `Ratio of medians ${times(restore.ratio.value)}; paired ratios ${pairedRange(restore.ratio)} (median ${times(restore.ratio.pairedMedian)}); target ≤ ${restore.target}×: ${verdict(restore.ratio, restore.target)}.`,
    ...extra,
    '',
  ].join('\n');
}

function buildSection(build, rounds) {
  if (!build?.ratio) return '';
  return [
    '## P4: cache-miss build of the Debian image',
    '',
    `The definition file below, built ${rounds} times each way in alternating order, with no warm-up because each build takes about a minute. Before every \`nx build\` the Nx cache folder and the image are removed, so it is a real miss that also stores the new image (${bytes(build.imageBytes)}) in the cache. The hand-typed build writes its image (${bytes(build.handImageBytes)}) to another path of the same file system. debootstrap downloads its packages from the Debian mirror in every build, so the mirror's speed is part of both figures.`,
    '',
    '```',
    build.definition.trimEnd(),
    '```',
    '',
    commandTable([
      { label: build.anchor.label, display: build.anchor.display, stats: build.anchor.stats },
      { label: build.subject.label, display: build.subject.display, stats: build.subject.stats },
    ]),
    '',
    `Ratio of medians ${times(build.ratio.value)}; paired ratios ${pairedRange(build.ratio)} (median ${times(build.ratio.pairedMedian)}); target ≤ ${build.target}×: ${verdict(build.ratio, build.target)}. With ${rounds} runs each, the spread is wide; read the ratio together with the paired range.`,
    '',
    ...buildProfile(build),
  ].join('\n');
}

function buildProfile(build) {
  if (!build.profile?.phases) return [];
  return [
    `Where the time of one more \`nx build\` (cache miss, after the rounds) went, ${seconds(build.profile.seconds)} in all, split at the output lines that start each phase:`,
    '',
    table(['phase', 'time'], build.profile.phases.map((entry) => [entry.phase, seconds(entry.seconds)])),
    '',
  ];
}

function stagingSection(staging) {
  if (!staging?.pairs) return '';
  const rows = staging.pairs.map((pair) => [
    pair.name,
    `${pair.fileSystem.type} at ${pair.fileSystem.mount} (${pair.sameAsSource ? 'same device as the node' : 'another device'})`,
    `${seconds(pair.stage.stats.median)} (${spread(pair.stage.stats)})`,
    `${seconds(pair.inProcess.stats.median)}`,
    `${pair.inProcess.linked} linked, ${pair.inProcess.copied} copied`,
    `${seconds(pair.copy.stats.median)} (${spread(pair.copy.stats)})`,
    times(pair.ratio.value),
    pairedSummary(pair.ratio),
    pair.target ? `≤ ${pair.target}× ${verdict(pair.ratio, pair.target)}` : 'no target',
  ]);
  return [
    '## P5: build-context staging',
    '',
    `A node folder of ${staging.files.toLocaleString('en-US')} files (10,000 random files of 50,000 bytes in 100 folders, plus \`peppy.json5\` and \`apptainer.def\`; ${Math.round(staging.bytes / 1e6)} MB) on ${staging.source.type} at ${staging.source.mount}. The timed command is \`node bench/lib/stage-context.mjs\`, which loads \`stageBuildContext\` from the built \`packages/nx-peppy/dist\` and stages the list of all those files, as the build executor does with the list from Nx's hash planner; it includes Node's start and module loading. The anchor is \`cp -r\` of the node folder to the same folder. "In-process" is the time of the \`stageBuildContext\` call alone, measured inside the timed command. The executor's other steps before staging (asking Nx's hash planner for the files) are not part of this figure.`,
    '',
    table(['staging folder', 'file system', 'stageBuildContext, median (IQR)', 'in-process', 'files', 'cp -r, median (IQR)', 'ratio of medians', 'paired ratios: median (range)', 'target'], rows),
    '',
    'Hard links make staging independent of file sizes on one file system. On another file system the plugin falls back to copying each file, which that row shows for comparison.',
    '',
  ].join('\n');
}

function affectedSection(affected) {
  if (!affected?.cases) return '';
  const rows = affected.cases.map((entry) => [
    `\`${entry.file}\``,
    entry.what,
    entry.expected.length === 0 ? '(none)' : entry.expected.join(', '),
    entry.listed.length === 0 ? '(none)' : entry.listed.join(', '),
    entry.exact ? 'exact' : '**different**',
    seconds(entry.seconds),
  ]);
  return [
    '## P6: affected nodes',
    '',
    `${affected.nodes} container nodes in a git repository: two base images (\`images/base\`, \`images/sim_base\`) with chains of \`Bootstrap: localimage\` nodes on them, and eight nodes that stand alone. For each case one line is appended to one file, \`nx show projects --affected --base=HEAD -t build --json\` runs, and the file is restored. The expected set is worked out from the fixture, not from Nx. When the changed file is a build input (the definition file or a \`%files\` source), it is the changed node and every node that builds from its image, directly or through other nodes. Otherwise it is empty, because Nx 24 lists a project for \`-t build\` only when a changed file is an input of that target.`,
    '',
    table(['changed file', 'case', 'expected', 'listed by Nx', 'result', 'time'], rows),
    '',
  ].join('\n');
}

function methodSection(results) {
  const { rounds } = results;
  return [
    '## Method',
    '',
    `- Every figure is a ratio of two commands timed in the same run. The commands of one comparison run in alternating rounds: each round runs every command once, and the order rotates from round to round (odd rounds run it backwards), so a busy moment on the shared machine hits all commands alike. The first round starts with one untimed warm-up run of each command, except for P4.`,
    `- Timing: ${results.timer.startsWith('hyperfine') ? `${results.timer}, one \`hyperfine -N --runs 1\` call per round with a \`--prepare\` command per command (untimed)` : 'the Node harness of `bench/lib/timing.mjs`, timing from spawn to exit, with the prepare command untimed'}. Rounds: ${rounds.graph} for P1 and P2, ${rounds.restore} for P3, ${rounds.build} for P4, ${rounds.staging} for P5.`,
    '- Each figure is the median of its runs; the spread is the interquartile range (nearest rank) and the range. The ratio is the ratio of the two medians. "Paired ratios" are the ratios of the two commands in the same round: their median cancels slow changes of the load, and their range shows how far the ratio moved. A target counts as met when both the ratio of medians and the median of the paired ratios are within it, as missed when neither is, and as borderline otherwise.',
    '- Every `nx` command runs with `NX_DAEMON=false NX_TUI=false NX_NO_CLOUD=true CI=true` and without `NX_SKIP_NX_CACHE`, `NX_CACHE_PROJECT_GRAPH`, `NX_ISOLATE_PLUGINS` and `NX_PERF_LOGGING` unless a row sets them. `NX_CACHE_DIRECTORY` is the `.nx/cache` folder of the workspace (a folder of the run for P3 and P4), because Nx 24 otherwise keeps its cache and task database under `~/.nx`. The timed command line is `env -C WORKSPACE VARIABLES node_modules/.bin/nx ARGS`.',
    '- Workspaces are created in a temporary folder; npm installs `nx` and the plugin tarball from `npm pack` into each, as a user would, and git commits the fixture.',
    '- The machine is shared: other jobs (such as other test runs) may run at the same time, which the load averages in the first table show. Alternation spreads that load over all commands of a comparison, but it still widens the spread.',
    '',
  ].join('\n');
}

function referenceSection(graph) {
  const docker = (id) => graph?.comparisons?.find((comparison) => comparison.id === id && comparison.title.includes('23.'));
  const dockerRatio = (id) => docker(id)?.ratios.find((entry) => entry.label.startsWith('@nx/docker'));
  const anchor = (id) => docker(id)?.anchor.stats.median;
  const rows = [
    ['plugin-less `nx show projects`', '0.87 s', anchor('P1') === undefined ? 'n/a' : `${seconds(anchor('P1'))} cold, ${seconds(anchor('P2'))} warm`],
    ['@nx/docker, cold', '8.5 s (9.8×)', dockerRatio('P1') ? `${seconds(docker('P1').figures.find((figure) => figure.label.startsWith('@nx/docker')).stats.median)} (${times(dockerRatio('P1').value)})` : 'n/a'],
    ['@nx/docker, warm', '1.4 s (1.6×)', dockerRatio('P2') ? `${seconds(docker('P2').figures.find((figure) => figure.label.startsWith('@nx/docker')).stats.median)} (${times(dockerRatio('P2').value)})` : 'n/a'],
  ];
  return [
    '## Reference',
    '',
    'Measured by the author of the benchmark request on 2026-12-04 with Nx 23.2.1 on 2 cores, 1,000 folders in 25 groups, beside this run\'s Nx 23.2.1 figures:',
    '',
    table(['figure', 'reference', 'this run'], rows),
    '',
  ].join('\n');
}

const BENCHMARK_IDS = { affected: 'P6', staging: 'P5', restore: 'P3', build: 'P4', graph: 'P1 and P2' };

function runsTable(results) {
  const rows = Object.entries(results.benchmarks).map(([name, value]) => [
    BENCHMARK_IDS[name] ?? name,
    `${(value.date ?? results.date).slice(0, 16).replace('T', ' ')} UTC`,
    `${(value.seconds / 60).toFixed(1)} min`,
    value.load ? `${value.load.before} / ${value.load.after}` : 'n/a',
  ]);
  return table(['benchmark', 'started', 'took', 'load average (1, 5, 15 min) before / after'], rows);
}

export function renderPage(results) {
  const notes = existsSync(NOTES_FILE) ? readFileSync(NOTES_FILE, 'utf8').trim() : '';
  const sections = [
    '# Benchmarks',
    '',
    `This page is written by \`npm run bench\` (\`node bench/run.mjs\`); do not edit it by hand. The benchmarks are not part of \`npm test\`. To run them, set up the clone as the README says (\`npm run setup\`), then run \`npm run bench\`. \`node bench/run.mjs --only=graph,staging\` runs a subset and keeps the other figures from \`bench/results.json\`; \`--render=bench/results.json\` writes this page again from the saved results. The figures below were measured at these times:`,
    '',
    runsTable(results),
    '',
    `A whole run of all benchmarks takes about ${Math.ceil(Object.values(results.benchmarks).reduce((sum, value) => sum + value.seconds, 0) / 60 + 1)} min on this machine, including the plugin build and the npm installs.`,
    '',
    '## Results',
    '',
    table(['id', 'measure', 'nx-peppy, median', 'anchor, median', 'ratio of medians', 'paired ratios: median (range)', 'target', 'result'], summaryRows(results)),
    '',
    ...Object.entries(results.errors).map(([name, message]) => `Benchmark "${name}" failed: ${message}\n`),
    '## Machine and versions',
    '',
    machineSection(results),
    '',
    methodSection(results),
    referenceSection(results.benchmarks.graph),
    graphSection(results.benchmarks.graph),
    restoreSection(results.benchmarks.restore),
    buildSection(results.benchmarks.build, (results.benchmarks.build?.rounds ?? results.rounds).build),
    stagingSection(results.benchmarks.staging),
    affectedSection(results.benchmarks.affected),
    notes,
    '',
  ];
  return sections.filter((section, index) => section !== '' || sections[index - 1] !== '').join('\n');
}
