import { readCargoReferences } from './cargo';
import { InvalidTomlError } from './toml';

describe('readCargoReferences', () => {
  it('reads path dependencies of every dependency table', () => {
    const references = readCargoReferences(
      [
        '[dependencies]',
        'a = { path = "../a" }',
        '[dev-dependencies]',
        'b = { path = "../b" }',
        '[dev_dependencies]',
        'c = { path = "../c" }',
        '[build-dependencies]',
        'd = { path = "../d" }',
        '[build_dependencies]',
        'e = { path = "../e" }',
        "[target.'cfg(unix)'.dependencies]",
        'f = { path = "../f" }',
        '[target.x86_64-pc-windows-gnu.build-dependencies]',
        'g = { path = "../g" }',
        '[workspace.dependencies]',
        'h = { path = "../h" }',
        '[patch.crates-io]',
        'i = { path = "../i" }',
        '',
      ].join('\n'),
    );

    expect(references.dependencies).toEqual([
      { path: '../a', entry: '[dependencies] a = { path = "../a" }' },
      { path: '../b', entry: '[dev-dependencies] b = { path = "../b" }' },
      { path: '../c', entry: '[dev_dependencies] c = { path = "../c" }' },
      { path: '../d', entry: '[build-dependencies] d = { path = "../d" }' },
      { path: '../e', entry: '[build_dependencies] e = { path = "../e" }' },
      { path: '../f', entry: "[target.'cfg(unix)'.dependencies] f = { path = \"../f\" }" },
      { path: '../g', entry: '[target.x86_64-pc-windows-gnu.build-dependencies] g = { path = "../g" }' },
      { path: '../i', entry: '[patch.crates-io] i = { path = "../i" }' },
      { path: '../h', entry: '[workspace.dependencies] h = { path = "../h" }' },
    ]);
    expect(references.invalid).toEqual([]);
  });

  it('reads dotted keys and dependency sub-tables', () => {
    const references = readCargoReferences('[dependencies]\na.path = "../a"\n\n[dependencies.b]\npath = "../b"\nversion = "1"\n');

    expect(references.dependencies.map((dependency) => dependency.path)).toEqual(['../a', '../b']);
  });

  it('skips registry, git and workspace-inherited dependencies', () => {
    const references = readCargoReferences(
      '[dependencies]\nserde = "1"\nrand = { version = "0.8" }\nlog = { git = "https://example.com/log" }\ncore = { workspace = true }\n',
    );

    expect(references.dependencies).toEqual([]);
  });

  it('reads workspace members and exclude', () => {
    const references = readCargoReferences('[workspace]\nmembers = ["crates/*"]\nexclude = ["crates/scratch"]\n');

    expect(references.workspace).toEqual({
      members: [{ path: 'crates/*', entry: '[workspace] members entry "crates/*"' }],
      exclude: [{ path: 'crates/scratch', entry: '[workspace] exclude entry "crates/scratch"' }],
    });
  });

  it('reports a path that is not a string', () => {
    const references = readCargoReferences('[dependencies]\na = { path = true }\n\n[workspace]\nmembers = [1]\n');

    expect(references.invalid).toEqual([
      { entry: '[dependencies] a', reason: '"path" is not a non-empty string' },
      { entry: '[workspace] members', reason: 'the value is not a list of strings' },
    ]);
  });

  it('throws InvalidTomlError for invalid TOML', () => {
    expect(() => readCargoReferences('[dependencies\n')).toThrow(InvalidTomlError);
  });
});
