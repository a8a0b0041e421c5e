import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { imageLabels } from '../support/apptainer';
import { buildBusyboxBase, TestWorkspace } from '../support/workspace';
import { busyboxDefinition, containerManifest, registerPlugin, report } from '../fixtures/hardening/harness';

/**
 * Values that a shell would interpret reach Apptainer or the container as
 * written, or are rejected with a clear error; no marker file ever appears.
 */
describe('no shell interpretation', () => {
  const workspace = new TestWorkspace('nx-peppy-literal-');
  const scratch = mkdtempSync(join(tmpdir(), 'nx-peppy-literal-scratch-'));
  const markers = join(scratch, 'markers');
  const base = workspace.path('images', 'busybox.sif');
  const started = Date.now();

  /** Returns a command that would create a marker file, were any shell to run it. */
  function attack(name: string): string {
    return `touch ${join(markers, name)}`;
  }

  function markersCreated(): string[] {
    return readdirSync(markers);
  }

  function setBuildArgs(node: string, buildArgs: Record<string, string>): void {
    workspace.write(`nodes/${node}/project.json`, JSON.stringify({ targets: { build: { options: { buildArgs } } } }, null, 2));
  }

  beforeAll(() => {
    mkdirSync(markers);
    workspace.install();
    registerPlugin(workspace);
    buildBusyboxBase(base);

    workspace.write('nodes/labels/peppy.json5', containerManifest('labels'));
    workspace.write('nodes/labels/apptainer.def', busyboxDefinition(base, '%labels\n    Value {{ X }}\n'));
  });

  afterAll(() => {
    workspace.remove();
    rmSync(scratch, { recursive: true, force: true });
    report(`hardening-literal: ${Math.round((Date.now() - started) / 1000)} s in all`);
  });

  describe('build argument values', () => {
    // Apptainer trims the ends of a label value, so every value has text at both ends.
    it.each([
      ['a semicolon', () => `a; ${attack('semicolon')}; b`],
      ['a command substitution', () => `a $(${attack('substitution')}) b`],
      ['backticks', () => `a \`${attack('backticks')}\` b`],
      ['single quotes', () => `a 'quoted'; ${attack('single-quote')} 'b'`],
      ['inner spaces', () => 'a  two   spaces b'],
      ['a double quote', () => `a "quoted" b`],
      ['a comma', () => 'a,b'],
      ['a line break', () => `a\n%post\n    ${attack('line-break')}\nb`],
    ])('%s: literal label or a clear error', (label, value) => {
      setBuildArgs('labels', { X: value() });

      const result = workspace.nx(['build', 'labels', '--skip-nx-cache', '--output-style=static']);

      report(`build argument with ${label}: ${result.status === 0 ? 'built' : 'rejected'}`);
      expect(markersCreated()).toEqual([]);
      if (result.status === 0) {
        expect(imageLabels(workspace.path('dist/nodes/labels/labels_v1.sif')).Value).toBe(value());
        return;
      }
      expect(result.output).not.toContain('Starting build');
      expect(result.output).toMatch(/buildArgs\.X/);
      expect(result.output).toContain('Fix: ');
    });
  });

  describe('serve values', () => {
    const odd = 'a b;$(touch MARK) `id` \'q\' "d"';

    beforeAll(() => {
      const mountFolder = join(scratch, odd.replace('MARK', join(markers, 'mount-name')));
      mkdirSync(mountFolder, { recursive: true });
      writeFileSync(join(mountFolder, 'seen.txt'), 'mounted\n');

      workspace.write(
        'nodes/echo/peppy.json5',
        `{
  peppy_schema: "node/v1",
  manifest: { name: "echo", tag: "v1" },
  execution: {
    language: "python",
    parameters: { dir: { $type: "string", $default: ${JSON.stringify(mountFolder)} }, note: { $type: "string", $default: "none" } },
    container: { def_file: "apptainer.def", mount_paths: ["\${parameters:dir}:/data:ro"] },
  },
}
`,
      );
      workspace.write(
        'nodes/echo/apptainer.def',
        busyboxDefinition(
          base,
          '%runscript\n    printf \'X=[%s]\\n\' "$X"\n    for arg in "$@"; do printf \'ARG=[%s]\\n\' "$arg"; done\n    cat /data/seen.txt\n    echo BEGIN-CONFIG\n    cat "$PEPPY_RUNTIME_CONFIG"\n    echo\n    echo END-CONFIG\n',
        ),
      );
      const build = workspace.nx(['build', 'echo', '--output-style=static']);
      if (build.status !== 0) throw new Error(build.output);
    });

    function configFrom(output: string): { node_instance: { arguments: Record<string, unknown> } } {
      return JSON.parse(output.slice(output.indexOf('BEGIN-CONFIG') + 'BEGIN-CONFIG'.length, output.indexOf('END-CONFIG')));
    }

    it.each([
      ['a semicolon', () => `a; ${attack('env-semicolon')}`],
      ['a command substitution', () => `$(${attack('env-substitution')})`],
      ['backticks', () => `\`${attack('env-backticks')}\``],
      ['quotes', () => `'single' "double" \\ back`],
      ['a line break', () => `one\ntwo $(${attack('env-line')})`],
    ])('env value with %s arrives as written', (_label, value) => {
      const result = workspace.nx(['serve', 'echo', `--env.X=${value()}`, '--output-style=static']);

      expect(markersCreated()).toEqual([]);
      expect(result.status).toBe(0);
      expect(result.output).toContain(`X=[${value()}]`);
    });

    it('runscript arguments arrive as written', () => {
      const first = `a b;$(${attack('arg')})`;
      const second = "`id` 'q'";

      const result = workspace.nx(['serve', 'echo', `--args=${first}`, `--args=${second}`, '--output-style=static']);

      expect(markersCreated()).toEqual([]);
      expect(result.status).toBe(0);
      expect(result.output).toContain(`ARG=[${first}]`);
      expect(result.output).toContain(`ARG=[${second}]`);
    });

    it('parameter values reach the runtime config as written', () => {
      const note = `$(${attack('param')}); \`id\` "q"\nline`;

      const result = workspace.nx(['serve', 'echo', `--param=note=${note}`, '--output-style=static']);

      expect(markersCreated()).toEqual([]);
      expect(result.status).toBe(0);
      expect(configFrom(result.output).node_instance.arguments.note).toBe(note);
    });

    it('mount source with shell characters is bound as written', () => {
      const result = workspace.nx(['serve', 'echo', '--output-style=static']);

      expect(markersCreated()).toEqual([]);
      expect(result.status).toBe(0);
      expect(result.output).toContain('mounted');
    });
  });

  describe('node folder with shell characters', () => {
    function writeNode(folder: string, name: string): void {
      workspace.write(`${folder}/peppy.json5`, containerManifest(name));
      workspace.write(`${folder}/apptainer.def`, busyboxDefinition(base, '%files\n    . /opt/odd\n\n%runscript\n    ls /opt/odd\n'));
    }

    it('";", backticks, "$", quotes and spaces: builds and serves', () => {
      const folder = `nodes/odd;\`touch ${join(markers, 'folder')}\` $HOME 'q' dir`;
      writeNode(folder, 'oddfolder');

      const build = workspace.nx(['build', 'oddfolder', '--output-style=static']);
      const serve = workspace.nx(['serve', 'oddfolder', '--output-style=static']);

      expect(markersCreated()).toEqual([]);
      expect(build.status).toBe(0);
      expect(existsSync(workspace.path('dist', folder, 'oddfolder_v1.sif'))).toBe(true);
      expect(serve.status).toBe(0);
      expect(serve.output).toContain('apptainer.def');
    });

    // Nx 24 puts the project root into its input globs as it is, so "(",
    // "[" and "{" in a folder name make "{projectRoot}/**/*" match nothing,
    // and no file is hashed or staged. The build must then report that.
    it('"$(...)": builds, or a clear error about the folder', () => {
      const folder = `nodes/sub$(touch ${join(markers, 'parens')}) dir`;
      writeNode(folder, 'parens');

      const build = workspace.nx(['build', 'parens', '--output-style=static']);

      expect(markersCreated()).toEqual([]);
      if (build.status === 0) {
        expect(existsSync(workspace.path('dist', folder, 'parens_v1.sif'))).toBe(true);
        return;
      }
      expect(build.output).not.toContain('command not found');
      expect(build.output).toMatch(/folder|project root/);
      expect(build.output).toContain('Fix: ');
    });
  });
});
