import { existsSync, readdirSync, rmSync } from 'node:fs';

import { imageLabels, pathWithoutApptainer } from '../support/apptainer';
import { buildBusyboxBase, TestWorkspace } from '../support/workspace';

const IMAGE = 'dist/nodes/my_node/my_node_0.1.0.sif';

/**
 * Swaps the generated header for the offline busybox base and keeps the rest
 * of the layout (`%files . /opt/my_node`, labels), with a `%post` and a
 * runscript that use only what busybox offers.
 */
function offlineDefinition(generated: string, baseImage: string, post: string): string {
  const sections = generated.slice(generated.indexOf('%labels'));
  const withPost = sections.replace(/%post\n[\s\S]*?\n%runscript/, `%post\n${post}\n\n%runscript`);
  const withRunscript = withPost.replace(
    /%runscript\n[\s\S]*$/,
    '%runscript\n    cd /opt/my_node\n    echo "inside: PEPPY_RUNTIME_CONFIG=$PEPPY_RUNTIME_CONFIG"\n    cat "$PEPPY_RUNTIME_CONFIG"\n',
  );
  return `Bootstrap: localimage\nFrom: ${baseImage}\n\n${withRunscript}`;
}

const GOOD_POST = '    set -eux\n    ls /opt/my_node > /opt/my_node/FILES';

describe('container node', () => {
  const workspace = new TestWorkspace();
  let generatedDef = '';

  beforeAll(() => {
    workspace.install();
    buildBusyboxBase(workspace.path('images', 'busybox.sif'));
  });

  afterAll(() => workspace.remove());

  it('generator writes the container node files', () => {
    const result = workspace.nx(['g', 'nx-peppy:node', 'my_node', '--container', '--directory', 'nodes/my_node']);
    expect(result.status).toBe(0);

    for (const file of ['peppy.json5', 'apptainer.def', 'pyproject.toml', 'src/my_node/__init__.py', 'src/my_node/__main__.py', '.gitignore']) {
      expect(existsSync(workspace.path('nodes/my_node', file))).toBe(true);
    }
    generatedDef = workspace.read('nodes/my_node/apptainer.def');
    expect(generatedDef).toContain('Bootstrap: docker\nFrom: ubuntu:24.04');
    expect(generatedDef).toContain('%files\n    . /opt/my_node');
    expect(workspace.read('nodes/my_node/peppy.json5')).toContain('def_file: "apptainer.def"');
    expect(workspace.read('nx.json')).toContain('"nx-peppy"');
  });

  it('build writes a real image with the node label', () => {
    workspace.write('nodes/my_node/apptainer.def', offlineDefinition(generatedDef, workspace.path('images', 'busybox.sif'), GOOD_POST));

    const result = workspace.nx(['build', 'my_node']);
    expect(result.output).toContain('Wrote dist/nodes/my_node/my_node_0.1.0.sif');
    expect(result.status).toBe(0);
    expect(imageLabels(workspace.path(IMAGE)).Name).toBe('my_node');
  });

  it('serve prints the runtime config path from inside', () => {
    const result = workspace.nx(['serve', 'my_node']);
    expect(result.status).toBe(0);

    const line = result.output.split('\n').find((text) => text.startsWith('inside: PEPPY_RUNTIME_CONFIG='));
    expect(line).toMatch(/^inside: PEPPY_RUNTIME_CONFIG=\/.+\/runtime_config\.json5$/);
    expect(result.output).toContain('"node_name": "my_node"');
    expect(result.output).toContain('"node_tag": "0.1.0"');
  });

  it('deleted image is restored from cache without Apptainer', () => {
    const before = workspace.sha256(IMAGE);
    rmSync(workspace.path(IMAGE));

    const result = workspace.nx(['build', 'my_node'], { PATH: pathWithoutApptainer() });
    expect(result.status).toBe(0);
    expect(result.output).toMatch(/local cache/);
    expect(workspace.sha256(IMAGE)).toBe(before);
  });

  it('changed source file rebuilds the image', () => {
    const before = workspace.sha256(IMAGE);
    workspace.write('nodes/my_node/src/my_node/extra.py', 'VALUE = 1\n');

    const result = workspace.nx(['build', 'my_node']);
    expect(result.status).toBe(0);
    expect(result.output).not.toMatch(/local cache/);
    expect(result.output).toContain('Wrote dist/nodes/my_node/my_node_0.1.0.sif');
    expect(workspace.sha256(IMAGE)).not.toBe(before);
  });

  it('rebuilt base image rebuilds the node', () => {
    workspace.nx(['build', 'my_node']);
    const before = workspace.sha256(IMAGE);
    buildBusyboxBase(workspace.path('images', 'busybox.sif'), 'second version');

    const result = workspace.nx(['build', 'my_node']);
    expect(result.status).toBe(0);
    expect(result.output).not.toMatch(/local cache/);
    expect(workspace.sha256(IMAGE)).not.toBe(before);
  });

  it('failing %post keeps the previous image and caches nothing', () => {
    const before = workspace.sha256(IMAGE);
    workspace.write(
      'nodes/my_node/apptainer.def',
      offlineDefinition(generatedDef, workspace.path('images', 'busybox.sif'), '    echo "about to fail"\n    exit 1'),
    );

    const first = workspace.nx(['build', 'my_node']);
    expect(first.status).not.toBe(0);
    expect(first.output).toMatch(/Building my_node failed: FATAL:/);
    expect(workspace.sha256(IMAGE)).toBe(before);
    expect(readdirSync(workspace.path('dist/nodes/my_node'))).toEqual(['my_node_0.1.0.sif']);

    // A second run must run Apptainer again: a failed build is never cached.
    const second = workspace.nx(['build', 'my_node']);
    expect(second.status).not.toBe(0);
    expect(second.output).not.toMatch(/local cache/);
    expect(second.output).toContain('about to fail');
    expect(workspace.sha256(IMAGE)).toBe(before);
  });
});
