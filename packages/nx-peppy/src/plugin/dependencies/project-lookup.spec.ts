import { ProjectLookup } from './project-lookup';

describe('ProjectLookup', () => {
  const lookup = new ProjectLookup({
    nodes: { root: 'nodes' },
    arm: { root: 'nodes/arm' },
    armTools: { root: 'nodes/arm/tools/' },
    armature: { root: 'nodes/armature' },
  });

  it.each([
    ['nodes/arm', 'arm'],
    ['nodes/arm/src/main.py', 'arm'],
    ['nodes/arm/tools/x', 'armTools'],
    ['nodes/armature/x', 'armature'],
    ['nodes/other', 'nodes'],
    ['nodes', 'nodes'],
    ['libs/x', undefined],
    ['node', undefined],
  ])('%s belongs to %s', (path, project) => {
    expect(lookup.projectOf(path)).toBe(project);
  });

  it('normalises roots', () => {
    expect(lookup.rootOf('armTools')).toBe('nodes/arm/tools');
  });

  it('lets a root project own every path no other project owns', () => {
    const withRoot = new ProjectLookup({ workspace: { root: '.' }, arm: { root: 'arm' } });

    expect(withRoot.projectOf('arm/x')).toBe('arm');
    expect(withRoot.projectOf('docs/x')).toBe('workspace');
    expect(withRoot.projectOf('.')).toBe('workspace');
  });
});
