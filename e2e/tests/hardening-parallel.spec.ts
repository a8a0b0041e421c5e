import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { apptainer, imageLabels } from '../support/apptainer';
import { buildBusyboxBase, TestWorkspace } from '../support/workspace';
import { busyboxDefinition, containerManifest, entriesOf, exitWithin, registerPlugin, report, sleep, track } from '../fixtures/hardening/harness';

jest.setTimeout(10 * 60 * 1000);

const NODES = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8'];
const RUNS = 5;

/**
 * Eight nodes on one busybox `localimage` base, built four at a time with one
 * shared APPTAINER_CACHEDIR, and two builds of one node started together
 * (case A8).
 */
describe('parallel builds (case A8)', () => {
  const workspace = new TestWorkspace('nx-peppy-parallel-');
  const scratch = mkdtempSync(join(tmpdir(), 'nx-peppy-parallel-scratch-'));
  const base = workspace.path('images', 'busybox.sif');
  const env = { APPTAINER_CACHEDIR: join(scratch, 'apptainer-cache'), NX_CACHE_DIRECTORY: join(scratch, 'nx-cache') };
  const started = Date.now();

  function imagePath(node: string): string {
    return `dist/nodes/${node}/${node}_v1.sif`;
  }

  beforeAll(() => {
    workspace.install();
    registerPlugin(workspace);
    buildBusyboxBase(base);
    for (const node of NODES) {
      workspace.write(`nodes/${node}/peppy.json5`, containerManifest(node));
      workspace.write(`nodes/${node}/apptainer.def`, busyboxDefinition(base, `%files\n    . /opt/${node}\n\n%post\n    echo ${node} > /opt/built\n`));
      workspace.write(`nodes/${node}/main.py`, `print("${node}")\n`);
    }
  });

  afterAll(() => {
    workspace.remove();
    rmSync(scratch, { recursive: true, force: true });
    report(`hardening-parallel: ${Math.round((Date.now() - started) / 1000)} s in all`);
  });

  it.each(Array.from({ length: RUNS }, (_, index) => [index + 1]))('run-many --parallel=4, run %i of 5', (run) => {
    const runStarted = Date.now();
    const result = workspace.nx(['run-many', '-t', 'build', '--parallel=4', '--skip-nx-cache', '--output-style=static'], env);
    report(`run-many of 8 nodes with --parallel=4, run ${run}: status ${result.status} after ${Date.now() - runStarted} ms`);

    expect(result.output).not.toMatch(/no descriptor found for reference|hash does not match|FATAL/);
    expect(result.status).toBe(0);
    for (const node of NODES) {
      expect({ node, entries: entriesOf(workspace.path('dist', 'nodes', node)) }).toEqual({ node, entries: [`${node}_v1.sif`] });
      expect(imageLabels(workspace.path(imagePath(node)))).toHaveProperty(['org.label-schema.schema-version'], '1.0');
    }
  });

  it('every image holds its own node', () => {
    for (const node of NODES) {
      expect(apptainer(['exec', workspace.path(imagePath(node)), 'cat', '/opt/built'], workspace.root).trim()).toBe(node);
    }
  });

  it.each([[1], [2], [3]])('two builds of one node at once, round %i', async () => {
    const args = ['build', 'n1', '--skip-nx-cache', '--output-style=static'];
    const first = track(workspace.spawnNx(args, env));
    const second = track(workspace.spawnNx(args, env));

    const exits = await Promise.all([exitWithin(first, 120_000), exitWithin(second, 120_000)]);
    const sha = workspace.sha256(imagePath('n1'));
    await sleep(2_000);

    expect(exits.map((exit) => exit?.code)).toEqual([0, 0]);
    expect(first.output()).toContain('Wrote dist/nodes/n1/n1_v1.sif');
    expect(second.output()).toContain('Wrote dist/nodes/n1/n1_v1.sif');
    expect(imageLabels(workspace.path(imagePath('n1')))).toHaveProperty(['org.label-schema.schema-version'], '1.0');
    expect(apptainer(['exec', workspace.path(imagePath('n1')), 'cat', '/opt/built'], workspace.root).trim()).toBe('n1');
    expect(workspace.sha256(imagePath('n1'))).toBe(sha);
    expect(entriesOf(workspace.path('dist', 'nodes', 'n1'))).toEqual(['n1_v1.sif']);
  });
});
