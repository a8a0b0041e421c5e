import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { apptainer, imageLabels } from '../support/apptainer';
import { packOciArchive, writeBusyboxOciLayout } from '../support/oci-layout';
import { buildBusyboxBase, TestWorkspace } from '../support/workspace';
import { busyboxDefinition, containerManifest, entriesOf, registerPlugin, report } from '../fixtures/hardening/harness';

/**
 * Paths that leave the node folder or the workspace: definition files,
 * `%files` sources and image paths given with "..", absolute paths or
 * symlinks. Each is rejected, or used, hashed and warned about; none is
 * skipped without a word, and no rejected build deletes anything.
 */
describe('paths that leave the workspace', () => {
  const workspace = new TestWorkspace('nx-peppy-paths-');
  const outside = mkdtempSync(join(tmpdir(), 'nx-peppy-paths-outside-'));
  const base = workspace.path('images', 'busybox.sif');
  const started = Date.now();

  function build(project: string, ...args: string[]) {
    return workspace.nx(['build', project, '--output-style=static', ...args]);
  }

  function inImage(image: string, script: string): string {
    return apptainer(['exec', workspace.path(image), 'sh', '-c', script], workspace.root).trim();
  }

  /** Writes a node whose manifest names `defFile`, and `files` into its folder. */
  function writeNode(name: string, defFile: string, files: Record<string, string> = {}): void {
    workspace.write(`nodes/${name}/peppy.json5`, containerManifest(name).replace('def_file: "apptainer.def"', `def_file: ${JSON.stringify(defFile)}`));
    for (const [file, text] of Object.entries(files)) workspace.write(`nodes/${name}/${file}`, text);
  }

  function setOptions(name: string, options: Record<string, unknown>): void {
    workspace.write(`nodes/${name}/project.json`, JSON.stringify({ targets: { build: { options } } }, null, 2));
  }

  beforeAll(() => {
    workspace.install();
    registerPlugin(workspace);
    buildBusyboxBase(base);
    workspace.commitAll('workspace');
  });

  afterAll(() => {
    workspace.remove();
    rmSync(outside, { recursive: true, force: true });
    report(`hardening-paths: ${Math.round((Date.now() - started) / 1000)} s in all`);
  });

  describe('definition file', () => {
    it('in a sibling folder: built, and an edit rebuilds', () => {
      workspace.write('nodes/shared/apptainer.def', busyboxDefinition(base, '%labels\n    Edition one\n'));
      writeNode('sibling', '../shared/apptainer.def', { 'main.py': 'print(1)\n' });

      const first = build('sibling');
      workspace.write('nodes/shared/apptainer.def', busyboxDefinition(base, '%labels\n    Edition two\n'));
      const second = build('sibling');

      expect(first.status).toBe(0);
      expect(second.status).toBe(0);
      expect(second.output).not.toMatch(/local cache/);
      expect(imageLabels(workspace.path('dist/nodes/sibling/sibling_v1.sif')).Edition).toBe('two');
    });

    it.each([
      ['a relative path', (): string => relative(workspace.path('nodes', 'far'), join(outside, 'far.def'))],
      ['an absolute path', (): string => join(outside, 'far.def')],
    ])('outside the workspace as %s: rejected, or hashed and warned about', (_label, defFile) => {
      writeFileSync(join(outside, 'far.def'), busyboxDefinition(base, '%labels\n    Edition one\n'));
      writeNode('far', defFile());

      const first = build('far');
      if (first.status !== 0) {
        expect(first.output).not.toContain('Starting build');
        expect(first.output).toMatch(/def_file/);
        expect(first.output).toContain('Fix: ');
        return;
      }
      writeFileSync(join(outside, 'far.def'), busyboxDefinition(base, '%labels\n    Edition two\n'));
      const second = build('far');

      expect(first.output).toMatch(/outside the workspace/);
      expect(second.status).toBe(0);
      expect(second.output).not.toMatch(/local cache/);
    });

    it('symlink to a file outside: rejected, or hashed and warned about', () => {
      writeFileSync(join(outside, 'linked.def'), busyboxDefinition(base, '%labels\n    Edition one\n'));
      writeNode('linkdef', 'apptainer.def');
      symlinkSync(join(outside, 'linked.def'), workspace.path('nodes/linkdef/apptainer.def'));

      const first = build('linkdef');
      if (first.status !== 0) {
        expect(first.output).toMatch(/apptainer\.def/);
        expect(first.output).toContain('Fix: ');
        return;
      }
      writeFileSync(join(outside, 'linked.def'), busyboxDefinition(base, '%labels\n    Edition two\n'));
      const second = build('linkdef');

      expect(first.output).toMatch(/symlink|outside the workspace/);
      expect(second.output).not.toMatch(/local cache/);
      expect(imageLabels(workspace.path('dist/nodes/linkdef/linkdef_v1.sif')).Edition).toBe('two');
    });
  });

  describe('%files sources', () => {
    it('absolute path outside: built, warned about, and an edit rebuilds', () => {
      writeFileSync(join(outside, 'calib.txt'), 'first calibration\n');
      writeNode('absolute', 'apptainer.def', { 'apptainer.def': busyboxDefinition(base, `%files\n    ${join(outside, 'calib.txt')} /opt/calib.txt\n`) });

      const first = build('absolute');
      writeFileSync(join(outside, 'calib.txt'), 'second calibration\n');
      const second = build('absolute');

      expect(first.status).toBe(0);
      expect(first.output).toMatch(/nodes\/absolute\/apptainer\.def:5: the %files source ".*calib\.txt" is outside the workspace/);
      expect(second.output).not.toMatch(/local cache/);
      expect(inImage('dist/nodes/absolute/absolute_v1.sif', 'cat /opt/calib.txt')).toBe('second calibration');
    });

    it('".." out of the workspace: rejected, or the same file copied', () => {
      writeFileSync(join(outside, 'relative.txt'), 'from outside\n');
      const source = relative(workspace.path('nodes', 'climb'), join(outside, 'relative.txt'));
      writeNode('climb', 'apptainer.def', { 'apptainer.def': busyboxDefinition(base, `%files\n    ${source} /opt/relative.txt\n`) });

      const result = build('climb');

      if (result.status !== 0) {
        expect(result.output).not.toContain('Starting build');
        expect(result.output).toMatch(/nodes\/climb\/apptainer\.def:5:/);
        expect(result.output).toContain('Fix: ');
        return;
      }
      expect(inImage('dist/nodes/climb/climb_v1.sif', 'cat /opt/relative.txt')).toBe('from outside');
    });

    // Nx 24.0.7 hashes a symlink without reading its target, so the plugin
    // adds a runtime input that hashes the target's content.
    it('symlinked file: an edit of its target rebuilds', () => {
      writeFileSync(join(outside, 'target.txt'), 'first target\n');
      writeNode('linkfile', 'apptainer.def', { 'apptainer.def': busyboxDefinition(base, '%files\n    . /opt/linkfile\n') });
      symlinkSync(join(outside, 'target.txt'), workspace.path('nodes/linkfile/link.txt'));

      const first = build('linkfile');
      writeFileSync(join(outside, 'target.txt'), 'second target\n');
      const second = build('linkfile');

      expect(first.status).toBe(0);
      expect(second.output).not.toMatch(/local cache/);
      expect(inImage('dist/nodes/linkfile/linkfile_v1.sif', 'cat /opt/linkfile/link.txt')).toBe('second target');
    });

    it('symlinked file named by %files: an edit of its target rebuilds', () => {
      writeFileSync(join(outside, 'named.txt'), 'first named\n');
      writeNode('linknamed', 'apptainer.def', { 'apptainer.def': busyboxDefinition(base, '%files\n    calib.txt /opt/calib.txt\n') });
      symlinkSync(join(outside, 'named.txt'), workspace.path('nodes/linknamed/calib.txt'));

      const first = build('linknamed');
      const unchanged = build('linknamed');
      writeFileSync(join(outside, 'named.txt'), 'second named\n');
      const second = build('linknamed');

      expect(first.status).toBe(0);
      expect(unchanged.output).toMatch(/local cache/);
      expect(second.output).not.toMatch(/local cache/);
      expect(inImage('dist/nodes/linknamed/linknamed_v1.sif', 'cat /opt/calib.txt')).toBe('second named');
    });

    it('symlinked folder named by %files: rejected with its line', () => {
      mkdirSync(join(outside, 'maps'), { recursive: true });
      writeFileSync(join(outside, 'maps', 'floor.txt'), 'floor\n');
      writeNode('linkmaps', 'apptainer.def', { 'apptainer.def': busyboxDefinition(base, '%files\n    maps /opt/maps\n') });
      symlinkSync(join(outside, 'maps'), workspace.path('nodes/linkmaps/maps'));

      const result = build('linkmaps');

      expect(result.status).not.toBe(0);
      expect(result.output).not.toContain('Starting build');
      expect(result.output).toMatch(/nodes\/linkmaps\/apptainer\.def:5: nodes\/linkmaps\/maps is a symlink to a folder/);
      expect(result.output).toContain('Fix: replace the symlink with the folder itself');
    });

    it('symlinked folder: copied, or rejected; never left out', () => {
      mkdirSync(join(outside, 'models'), { recursive: true });
      writeFileSync(join(outside, 'models', 'weights.txt'), 'weights\n');
      writeNode('linkdir', 'apptainer.def', { 'apptainer.def': busyboxDefinition(base, '%files\n    . /opt/linkdir\n'), 'main.py': 'print(1)\n' });
      symlinkSync(join(outside, 'models'), workspace.path('nodes/linkdir/models'));

      const result = build('linkdir');

      if (result.status !== 0) {
        expect(result.output).toMatch(/models/);
        expect(result.output).toContain('Fix: ');
        return;
      }
      expect(inImage('dist/nodes/linkdir/linkdir_v1.sif', 'cat /opt/linkdir/models/weights.txt 2>&1 || true')).toBe('weights');
    });
  });

  describe('bases read from a host path', () => {
    it('OCI layout in the workspace: staged, hashed, and an edit rebuilds', () => {
      writeBusyboxOciLayout(workspace.path('images/oci-busybox'), 'one');
      writeNode('ocinode', 'apptainer.def', { 'apptainer.def': 'Bootstrap: oci\nFrom: ../../images/oci-busybox\n\n%labels\n    Name ocinode\n' });

      const first = build('ocinode');
      const unchanged = build('ocinode');
      writeBusyboxOciLayout(workspace.path('images/oci-busybox'), 'two');
      const second = build('ocinode');

      expect(first.status).toBe(0);
      expect(unchanged.output).toMatch(/local cache/);
      expect(second.status).toBe(0);
      expect(second.output).not.toMatch(/local cache/);
      expect(inImage('dist/nodes/ocinode/ocinode_v1.sif', 'cat /etc/variant')).toBe('two');
    });

    it('OCI archive outside the workspace: hashed, and an edit rebuilds', () => {
      const layout = join(outside, 'archive-layout');
      const archive = join(outside, 'busybox-oci.tar');
      writeBusyboxOciLayout(layout, 'first');
      packOciArchive(layout, archive);
      writeNode('ociarchive', 'apptainer.def', { 'apptainer.def': `Bootstrap: oci-archive\nFrom: ${archive}\n` });

      const first = build('ociarchive');
      writeBusyboxOciLayout(layout, 'second');
      packOciArchive(layout, archive);
      const second = build('ociarchive');

      expect(first.status).toBe(0);
      expect(second.status).toBe(0);
      expect(second.output).not.toMatch(/local cache/);
      expect(inImage('dist/nodes/ociarchive/ociarchive_v1.sif', 'cat /etc/variant')).toBe('second');
    });
  });

  describe('mount sources of serve', () => {
    beforeAll(() => {
      symlinkSync('/etc', join(outside, 'etc-link'));
      workspace.write('nodes/mounter/apptainer.def', busyboxDefinition(base, '%runscript\n    echo "inside: $(ls /host | head -3)"\n'));
    });

    it.each([
      ['a symlink to /etc', (): string => join(outside, 'etc-link')],
      ['".." up to /etc', (): string => `${outside}/../../../../../../etc`],
    ])('%s: rejected before Apptainer', (_label, source) => {
      workspace.write('nodes/mounter/peppy.json5', containerManifest('mounter', `, mount_paths: [${JSON.stringify(`${source()}:/host:ro`)}]`));

      const result = workspace.nx(['serve', 'mounter', '--output-style=static']);

      expect(result.status).not.toBe(0);
      expect(result.output).not.toContain('inside:');
      expect(result.output).toMatch(/execution\.container\.mount_paths\[0\]/);
      expect(result.output).toContain('Fix: ');
    });
  });

  describe('outputPath', () => {
    beforeAll(() => {
      writeNode('out', 'apptainer.def', { 'apptainer.def': busyboxDefinition(base, '%files\n    main.py /opt/main.py\n'), 'main.py': 'print(1)\n' });
    });

    it.each([
      ['empty', ''],
      ['a dot', '.'],
      ['an existing folder', 'dist/kept'],
    ])('%s: rejected before Apptainer, nothing deleted (case A6)', (_label, outputPath) => {
      workspace.write('dist/kept/keep.txt', 'keep me\n');
      setOptions('out', { outputPath });

      const result = build('out');

      expect(result.status).not.toBe(0);
      expect(result.output).not.toContain('Starting build');
      expect(result.output).toMatch(/outputPath: invalid image path/);
      expect(result.output).toContain('Fix: ');
      expect(readFileSync(workspace.path('dist/kept/keep.txt'), 'utf8')).toBe('keep me\n');
      expect(existsSync(workspace.path('nodes/out/main.py'))).toBe(true);
    });

    it('existing manifest: rejected and kept', () => {
      const manifest = workspace.read('nodes/out/peppy.json5');
      setOptions('out', { outputPath: 'nodes/out/peppy.json5' });

      const result = build('out');
      const after = readFileSync(workspace.path('nodes/out/peppy.json5'));
      // Later tests need the manifest, whatever this build did to it.
      workspace.write('nodes/out/peppy.json5', manifest);

      expect(after.subarray(0, 200).toString('latin1')).toBe(manifest.slice(0, 200));
      expect(result.status).not.toBe(0);
      expect(result.output).toMatch(/outputPath/);
    });

    it.each([
      ['".." out of the workspace', (): string => relative(workspace.root, join(outside, 'images', 'out.sif'))],
      ['an absolute path outside', (): string => join(outside, 'images', 'out.sif')],
    ])('%s: rejected, or warned that Nx cannot cache it', (_label, outputPath) => {
      setOptions('out', { outputPath: outputPath() });

      const result = build('out');

      expect(result.output).toMatch(/outputPath/);
      if (result.status === 0) expect(result.output).toMatch(/cache/);
    });

    // The inferred target lists the default image path as its output, so
    // with another outputPath Nx would cache a path the build never writes.
    it('custom path inside: a cache hit restores the image', () => {
      setOptions('out', { outputPath: 'images-out/out.sif' });
      const first = build('out');
      rmSync(workspace.path('images-out'), { recursive: true, force: true });

      const second = build('out');

      expect(first.status).toBe(0);
      expect(second.status).toBe(0);
      expect(existsSync(workspace.path('images-out/out.sif'))).toBe(true);
    });

    it('only the image is left in its folder', () => {
      setOptions('out', {});
      const result = build('out', '--skip-nx-cache');

      expect(result.status).toBe(0);
      expect(entriesOf(workspace.path('dist/nodes/out'))).toEqual(['out_v1.sif']);
    });
  });
});
