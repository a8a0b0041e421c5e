import { expandWorkspaceMembers, type MemberSearch } from './workspace-members';

const candidates = ['robot/packages/arm', 'robot/packages/gripper', 'robot/packages/old/arm', 'robot/drivers/cam', 'shared/py'];

function search(overrides: Partial<MemberSearch> = {}): MemberSearch {
  return { workspaceRoot: '/ws', baseFolder: 'robot', candidates, manifestFile: 'pyproject.toml', excludeRule: 'uv', ...overrides };
}

function member(path: string) {
  return { path, entry: `members entry "${path}"` };
}

function exclude(path: string) {
  return { path, entry: `exclude entry "${path}"` };
}

describe('expandWorkspaceMembers', () => {
  it('matches a glob against candidate folders', () => {
    const expanded = expandWorkspaceMembers({ members: [member('packages/*')], exclude: [] }, search());

    expect(expanded.globs).toEqual([{ entry: 'members entry "packages/*"', folders: ['robot/packages/arm', 'robot/packages/gripper'] }]);
  });

  it('matches ** at any depth', () => {
    const expanded = expandWorkspaceMembers({ members: [member('packages/**/arm')], exclude: [] }, search());

    expect(expanded.globs[0].folders).toEqual(['robot/packages/arm', 'robot/packages/old/arm']);
  });

  it('matches globs that leave the base folder', () => {
    const expanded = expandWorkspaceMembers({ members: [member('../shared/*')], exclude: [] }, search());

    expect(expanded.globs[0].folders).toEqual(['shared/py']);
  });

  it('matches ./ and trailing slashes', () => {
    const expanded = expandWorkspaceMembers({ members: [member('./drivers/*/')], exclude: [] }, search());

    expect(expanded.globs[0].folders).toEqual(['robot/drivers/cam']);
  });

  it('matches an absolute glob under the workspace root', () => {
    const expanded = expandWorkspaceMembers({ members: [member('/ws/robot/drivers/*')], exclude: [] }, search());

    expect(expanded.globs[0].folders).toEqual(['robot/drivers/cam']);
  });

  it('applies uv excludes with * matching /', () => {
    const expanded = expandWorkspaceMembers({ members: [member('packages/**')], exclude: [exclude('packages/old*')] }, search());

    expect(expanded.globs[0].folders).toEqual(['robot/packages/arm', 'robot/packages/gripper']);
  });

  it('applies uv excludes to plain members', () => {
    const expanded = expandWorkspaceMembers({ members: [member('drivers/cam')], exclude: [exclude('drivers/*')] }, search());

    expect(expanded.paths).toEqual([]);
  });

  it('ignores excludes for Cargo members', () => {
    const expanded = expandWorkspaceMembers(
      { members: [member('packages/*'), member('drivers/cam')], exclude: [exclude('packages/arm'), exclude('drivers')] },
      search({ excludeRule: 'cargo', manifestFile: 'Cargo.toml' }),
    );

    expect(expanded.globs[0].folders).toEqual(['robot/packages/arm', 'robot/packages/gripper']);
    expect(expanded.paths).toEqual([member('drivers/cam')]);
  });

  it('returns plain members as paths', () => {
    const expanded = expandWorkspaceMembers({ members: [member('drivers/cam'), member('missing')], exclude: [] }, search());

    expect(expanded.paths).toEqual([member('drivers/cam'), member('missing')]);
    expect(expanded.globs).toEqual([]);
  });

  it('reports a glob that matches nothing', () => {
    const expanded = expandWorkspaceMembers({ members: [member('plugins/*')], exclude: [] }, search({ manifestFile: 'Cargo.toml' }));

    expect(expanded.invalid).toEqual([{ entry: 'members entry "plugins/*"', reason: 'the glob matches no folder that contains a Cargo.toml' }]);
  });

  it('reports invalid globs', () => {
    const expanded = expandWorkspaceMembers({ members: [member('pack[ages')], exclude: [exclude('a**')] }, search());

    expect(expanded.invalid).toEqual([
      { entry: 'exclude entry "a**"', reason: 'invalid glob "a**": "**" must be a whole path segment, such as "libs/**/crate"' },
      { entry: 'members entry "pack[ages"', reason: 'invalid glob "pack[ages": a "[" has no closing "]"' },
    ]);
  });
});
