import { logger } from '@nx/devkit';

import { containerManifest, processManifest, TestWorkspace } from './__fixtures__/test-workspace';
import { imageOutputsByProject } from './image-outputs';

let workspace: TestWorkspace;

beforeEach(() => {
  workspace = new TestWorkspace();
});

afterEach(() => {
  jest.restoreAllMocks();
  workspace.remove();
});

describe('imageOutputsByProject', () => {
  it('returns default and custom image paths of container nodes', () => {
    workspace.write('nodes/base/peppy.json5', containerManifest('base', { tag: 'v3' }));
    workspace.write('nodes/gpu/peppy.json5', containerManifest('gpu'));
    workspace.write('nodes/proc/peppy.json5', processManifest('proc'));
    workspace.write('libs/util/project.json', '{}');
    const gpu = { root: 'nodes/gpu', targets: { build: { executor: 'nx-peppy:build', options: { outputPath: '/opt/images/gpu.sif' } } } };
    const context = workspace.context({ projects: { base: 'nodes/base', gpu, proc: 'nodes/proc', util: 'libs/util' } });

    const outputs = imageOutputsByProject(context);

    expect([...outputs]).toEqual([
      ['base', 'dist/nodes/base/base_v3.sif'],
      ['gpu', '/opt/images/gpu.sif'],
    ]);
  });

  it('warns about an invalid manifest and leaves it out', () => {
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    workspace.write('nodes/base/peppy.json5', '{ peppy_schema: "node/v1" }');
    const context = workspace.context({ projects: { base: 'nodes/base' } });

    const outputs = imageOutputsByProject(context);

    expect(outputs.size).toBe(0);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/^nx-peppy: nodes\/base\/peppy\.json5: invalid node manifest \(/);
  });
});
