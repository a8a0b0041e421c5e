import { InvalidTomlError } from './toml';
import { readUvReferences } from './uv';

describe('readUvReferences', () => {
  it('reads path sources, editable or not', () => {
    const references = readUvReferences(
      '[tool.uv.sources]\nshared = { path = "../shared" }\ntools = { path = "../tools", editable = true }\n',
    );

    expect(references.sources).toEqual([
      { path: '../shared', entry: '[tool.uv.sources] shared = { path = "../shared" }' },
      { path: '../tools', entry: '[tool.uv.sources] tools = { path = "../tools", editable = true }' },
    ]);
    expect(references.invalid).toEqual([]);
  });

  it('reads path sources from a list of sources with markers', () => {
    const references = readUvReferences(
      "[tool.uv.sources]\ntorch = [\n  { path = \"wheels/torch\", marker = \"sys_platform == 'linux'\" },\n  { index = \"pytorch\" },\n]\n",
    );

    expect(references.sources).toEqual([{ path: 'wheels/torch', entry: '[tool.uv.sources] torch = { path = "wheels/torch" }' }]);
  });

  it('skips git, url, index and workspace sources', () => {
    const references = readUvReferences(
      [
        '[tool.uv.sources]',
        'a = { git = "https://example.com/a.git" }',
        'b = { url = "https://example.com/b.whl" }',
        'c = { index = "internal" }',
        'd = { workspace = true }',
        '',
      ].join('\n'),
    );

    expect(references.sources).toEqual([]);
    expect(references.invalid).toEqual([]);
  });

  it('reads workspace members and exclude', () => {
    const references = readUvReferences('[tool.uv.workspace]\nmembers = ["libs/*", "app"]\nexclude = ["libs/old"]\n');

    expect(references.workspace).toEqual({
      members: [
        { path: 'libs/*', entry: '[tool.uv.workspace] members entry "libs/*"' },
        { path: 'app', entry: '[tool.uv.workspace] members entry "app"' },
      ],
      exclude: [{ path: 'libs/old', entry: '[tool.uv.workspace] exclude entry "libs/old"' }],
    });
  });

  it('returns nothing without a [tool.uv] table', () => {
    expect(readUvReferences('[project]\nname = "app"\n')).toEqual({ sources: [], invalid: [] });
  });

  it('reports entries of the wrong type', () => {
    const references = readUvReferences(
      '[tool.uv.sources]\na = { path = 3 }\nb = "1.0"\n\n[tool.uv.workspace]\nmembers = "libs/*"\n',
    );

    expect(references.sources).toEqual([]);
    expect(references.invalid).toEqual([
      { entry: '[tool.uv.sources] a', reason: '"path" is not a non-empty string' },
      { entry: '[tool.uv.sources] b', reason: 'the value is not a source table such as { path = "../lib" }' },
      { entry: '[tool.uv.workspace] members', reason: 'the value is not a list of strings' },
    ]);
  });

  it('quotes source names that are not bare keys', () => {
    const references = readUvReferences('[tool.uv.sources]\n"my.lib" = { path = "../lib" }\n');

    expect(references.sources[0].entry).toBe('[tool.uv.sources] \'my.lib\' = { path = "../lib" }');
  });

  it('throws InvalidTomlError with the position', () => {
    let caught: unknown;
    try {
      readUvReferences('a = 1\nb = = 2\nc = 3\n');
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(InvalidTomlError);
    expect((caught as InvalidTomlError).line).toBe(2);
    expect((caught as InvalidTomlError).message).toMatch(/^invalid TOML at line 2, column \d+: \S/);
  });
});
