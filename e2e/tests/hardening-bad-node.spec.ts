import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { buildBusyboxBase, TestWorkspace } from '../support/workspace';
import { busyboxDefinition, containerManifest, registerPlugin, report } from '../fixtures/hardening/harness';

const GOOD = ['good_a', 'good_b', 'good_c'];

function projectsIn(output: string): string[] {
  return (JSON.parse(output.slice(output.indexOf('['), output.lastIndexOf(']') + 1)) as string[]).sort();
}

/**
 * One broken node among good ones. A broken definition file is reported by
 * that node's build only. A broken manifest is a createNodes error, and Nx
 * 24.0 then rejects the whole project graph. These tests pin that behaviour,
 * so that an Nx upgrade that changes it fails here.
 */
describe('one bad node among many', () => {
  const workspace = new TestWorkspace('nx-peppy-bad-node-');
  const base = workspace.path('images', 'busybox.sif');
  const started = Date.now();
  let nxVersion = '';

  function build(...args: string[]) {
    return workspace.nx([...args, '--output-style=static']);
  }

  beforeAll(() => {
    workspace.install();
    registerPlugin(workspace);
    buildBusyboxBase(base);
    nxVersion = (JSON.parse(readFileSync(workspace.path('node_modules/nx/package.json'), 'utf8')) as { version: string }).version;
    for (const name of GOOD) {
      workspace.write(`nodes/${name}/peppy.json5`, containerManifest(name));
      workspace.write(`nodes/${name}/apptainer.def`, busyboxDefinition(base, `%files\n    main.py /opt/main.py\n`));
      workspace.write(`nodes/${name}/main.py`, `print("${name}")\n`);
    }
  });

  afterAll(() => {
    workspace.remove();
    report(`hardening-bad-node: ${Math.round((Date.now() - started) / 1000)} s in all, Nx ${nxVersion}`);
  });

  describe('broken definition file', () => {
    beforeAll(() => {
      workspace.write('nodes/bad_def/peppy.json5', containerManifest('bad_def'));
      workspace.write('nodes/bad_def/apptainer.def', busyboxDefinition(base, '%install\n    make\n'));
    });

    afterAll(() => rmSync(workspace.path('nodes/bad_def'), { recursive: true, force: true }));

    it('every project is listed', () => {
      const result = workspace.nx(['show', 'projects', '--json']);

      expect(result.status).toBe(0);
      expect(projectsIn(result.output)).toEqual([...GOOD, 'bad_def'].sort());
    });

    it('another node still builds', () => {
      const result = build('build', 'good_a');

      expect(result.status).toBe(0);
      expect(existsSync(workspace.path('dist/nodes/good_a/good_a_v1.sif'))).toBe(true);
    });

    it('run-many builds the others and names the line and fix', () => {
      const result = build('run-many', '-t', 'build');

      expect(result.status).not.toBe(0);
      expect(result.output).toContain('nodes/bad_def/apptainer.def:4: unknown section "%install"');
      expect(result.output).toContain('Fix: use a section Apptainer knows');
      for (const name of GOOD) expect(existsSync(workspace.path(`dist/nodes/${name}/${name}_v1.sif`))).toBe(true);
    });
  });

  describe.each([
    [
      'invalid JSON5',
      '{\n  peppy_schema: "node/v1",\n  manifest: { name: "bad_manifest", tag: "v1" }\n  execution: { language: "python", container: { def_file: "apptainer.def" } },\n}\n',
      ['nodes/bad_manifest/peppy.json5:4:3: invalid JSON5', 'Fix: correct the syntax at that position'],
    ],
    [
      'an unknown language',
      containerManifest('bad_manifest').replace('"python"', '"go"'),
      ['nodes/bad_manifest/peppy.json5: execution.language: invalid value "go"', 'Fix: use "python" or "rust"'],
    ],
    [
      'a node name with shell characters',
      containerManifest('bad_manifest').replace('name: "bad_manifest"', 'name: "cam;$(touch pwned) `id`"'),
      ['nodes/bad_manifest/peppy.json5: manifest.name: may contain only letters, digits, "_" and "-"', 'Fix: rename the node'],
    ],
    [
      'a duplicate node name',
      containerManifest('good_a'),
      ['the node name "good_a" is also used by', 'nodes/good_a/peppy.json5', 'nodes/bad_manifest/peppy.json5', 'Fix: rename one of the two nodes'],
    ],
  ])('manifest with %s', (_label, manifest, messages) => {
    beforeAll(() => {
      workspace.write('nodes/bad_manifest/peppy.json5', manifest);
      workspace.write('nodes/bad_manifest/apptainer.def', busyboxDefinition(base, '%files\n    . /opt/x\n'));
    });

    afterAll(() => rmSync(workspace.path('nodes/bad_manifest'), { recursive: true, force: true }));

    it('the error names the file, the place and the fix', () => {
      const result = workspace.nx(['show', 'projects']);

      for (const message of messages) expect(result.output).toContain(message);
    });

    it('Nx 24 rejects the graph: show projects fails', () => {
      const result = workspace.nx(['show', 'projects', '--json']);

      expect(result.status).toBe(1);
      expect(result.output).toContain('Failed to process project graph.');
    });

    it('Nx 24 rejects the graph: other builds fail', () => {
      const result = build('build', 'good_b', '--skip-nx-cache');

      expect(result.status).toBe(1);
      expect(result.output).not.toContain('Wrote dist/nodes/good_b/good_b_v1.sif');
    });

    it('nx graph still writes the partial graph', () => {
      const file = join(workspace.root, 'graph.json');
      rmSync(file, { force: true });

      const result = workspace.nx(['graph', `--file=${file}`]);

      expect(result.status).toBe(0);
      expect(result.output).toContain('Showing partial graph');
      const graph = JSON.parse(readFileSync(file, 'utf8')) as { graph: { nodes: Record<string, unknown> } };
      expect(Object.keys(graph.graph.nodes)).toEqual(expect.arrayContaining(GOOD));
    });
  });
});
