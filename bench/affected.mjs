// P6: `nx show projects --affected -t build` after one node changes, against
// the set worked out from the fixture's own localimage chains.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { writeAffectedTree } from './lib/fixtures.mjs';
import { createWorkspace, nx, run } from './lib/workspace.mjs';

/** Returns the changed node and every node that builds from its image, directly or through other nodes. */
function expectedSet(nodes, changed) {
  const affected = new Set([changed]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const node of nodes) {
      if (node.base && affected.has(node.base) && !affected.has(node.name)) {
        affected.add(node.name);
        grew = true;
      }
    }
  }
  return [...affected].sort();
}

export function runAffectedBenchmark(ctx) {
  const root = join(ctx.workRoot, 'affected');
  mkdirSync(root, { recursive: true });
  const nodes = writeAffectedTree(root);
  ctx.log(`P6: installing nx and nx-peppy into ${root} (${nodes.length} nodes)`);
  createWorkspace(root, { packages: [`nx@${ctx.nxVersion}`, ctx.tarball], plugins: ['nx-peppy'] });

  const byName = new Map(nodes.map((node) => [node.name, node]));
  // `buildInput` is true when the changed file goes into the image. Nx 24 lists a project under
  // `--affected -t build` only when a changed file is an input of that target or of a dependency.
  const cases = [
    { node: 'tool_3', file: 'src/tool_3/__main__.py', buildInput: true, what: 'a source file of a node no other node builds from' },
    { node: 'arm_driver', file: 'config/params.yaml', buildInput: true, what: 'a %files source of a node in the middle of a chain' },
    { node: 'base', file: 'apptainer.def', buildInput: true, what: 'the definition file of the base of seven nodes' },
    { node: 'sim_base', file: 'README.md', buildInput: false, what: 'a file that no %files line copies, in the base of three nodes' },
  ];

  const results = [];
  for (const testCase of cases) {
    const file = `${byName.get(testCase.node).root}/${testCase.file}`;
    appendFileSync(join(root, file), testCase.file.endsWith('.def') ? '\n# changed by the benchmark\n' : '\n');
    const start = process.hrtime.bigint();
    const listed = JSON.parse(nx(root, ['show', 'projects', '--affected', '--base=HEAD', '-t', 'build', '--json'])).sort();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    run('git', ['checkout', '--', file], { cwd: root });

    const expected = testCase.buildInput ? expectedSet(nodes, testCase.node) : [];
    const exact = listed.length === expected.length && listed.every((name, index) => name === expected[index]);
    ctx.log(`  ${file}: ${exact ? 'exact' : 'DIFFERENT'} (${listed.length} listed, ${expected.length} expected, ${seconds.toFixed(2)} s)`);
    results.push({ ...testCase, file, expected, listed, exact, seconds });
  }
  return { nodes: nodes.length, cases: results };
}
