import { join } from 'node:path';

import { resolveWorkspacePath, toWorkspacePath } from './workspace-paths';

const root = '/work/robot';

describe('resolveWorkspacePath', () => {
  it('resolves a relative path against the base folder', () => {
    expect(resolveWorkspacePath(root, 'nodes/app', '../shared/x.yaml')).toEqual({
      absolute: join(root, 'nodes/shared/x.yaml'),
      workspacePath: 'nodes/shared/x.yaml',
    });
  });

  it('keeps an absolute path', () => {
    expect(resolveWorkspacePath(root, 'nodes/app', '/work/robot/libs/a/')).toEqual({ absolute: '/work/robot/libs/a', workspacePath: 'libs/a' });
  });

  it('marks a path outside the workspace', () => {
    expect(resolveWorkspacePath(root, 'nodes/app', '../../../other')).toEqual({ absolute: '/work/other', workspacePath: undefined });
  });

  it('returns . for the workspace root', () => {
    expect(resolveWorkspacePath(root, 'nodes', '..').workspacePath).toBe('.');
  });
});

describe('toWorkspacePath', () => {
  it('keeps a folder whose name starts with two dots', () => {
    expect(toWorkspacePath(root, '/work/robot/..cache/x')).toBe('..cache/x');
  });

  it('rejects a sibling folder with the same prefix', () => {
    expect(toWorkspacePath(root, '/work/robot-old/x')).toBeUndefined();
  });
});
