import { tokenizeFilesLine } from './files';
import { type DefinitionDiagnostic, isGlobPattern, parseDefinition } from './index';

const FILE = 'apptainer.def';
const PINNED = 'From: alpine:3.20@sha256:0000000000000000000000000000000000000000000000000000000000000000';

function parseFiles(fileLines: string[], sectionLine = '%files') {
  return parseDefinition(['Bootstrap: docker', PINNED, sectionLine, ...fileLines].join('\n') + '\n', { file: FILE });
}

function only(diagnostics: DefinitionDiagnostic[], code: string): DefinitionDiagnostic {
  const found = diagnostics.filter((diagnostic) => diagnostic.code === code);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('parseDefinition %files', () => {
  it('reads quoted paths with spaces', () => {
    const definition = parseFiles(['    "my file.txt" "/opt/my dir/"']);

    expect(definition.diagnostics).toEqual([]);
    expect(definition.finalStage.files).toEqual([{ source: 'my file.txt', destination: '/opt/my dir/', line: 4 }]);
  });

  it('reads a line with only a source', () => {
    const definition = parseFiles(['    config.yaml']);

    expect(definition.diagnostics).toEqual([]);
    expect(definition.finalStage.files).toEqual([{ source: 'config.yaml', line: 4 }]);
  });

  it('skips comments and blank lines', () => {
    const definition = parseFiles(['    # the app', '', '    app.py /opt/app.py', '    #skipped.txt /opt/']);

    expect(definition.diagnostics).toEqual([]);
    expect(definition.finalStage.files).toEqual([{ source: 'app.py', destination: '/opt/app.py', line: 6 }]);
  });

  it('merges several %files sections', () => {
    const definition = parseDefinition(
      ['Bootstrap: docker', PINNED, '%files', '  a /a', '%post', '  true', '%files # more', '  b /b'].join('\n'),
      { file: FILE },
    );

    expect(definition.diagnostics).toEqual([]);
    expect(definition.finalStage.files.map((entry) => entry.source)).toEqual(['a', 'b']);
  });

  it('rejects an unterminated quote', () => {
    const definition = parseFiles(['    "my file.txt /opt/']);

    const diagnostic = only(definition.diagnostics, 'unterminated-quote');
    expect(diagnostic.severity).toBe('error');
    expect(diagnostic.line).toBe(4);
    expect(diagnostic.message).toBe(
      'unterminated double quote in %files line "\\"my file.txt /opt/": Apptainer skips the quote and splits the path at its spaces',
    );
    expect(definition.finalStage.files).toEqual([{ source: 'my', destination: 'file.txt', line: 4 }]);
  });

  it('rejects single quotes', () => {
    const definition = parseFiles(["    'my file.txt' /opt/"]);

    const diagnostic = only(definition.diagnostics, 'single-quote-in-files');
    expect(diagnostic.line).toBe(4);
    expect(diagnostic.message).toContain('%files source "\'my file.txt" contains a single quote');
  });

  it('warns about $HOME in a source', () => {
    const definition = parseFiles(['    $HOME/x /opt/x']);

    const diagnostic = only(definition.diagnostics, 'shell-in-files-source');
    expect(diagnostic.severity).toBe('warning');
    expect(diagnostic.line).toBe(4);
    expect(diagnostic.message).toContain('%files source "$HOME/x" contains "$": Apptainer expands sources as shell words');
    expect(definition.finalStage.files).toEqual([{ source: '$HOME/x', destination: '/opt/x', line: 4 }]);
  });

  it('warns about ~ and backticks', () => {
    const definition = parseFiles(['    ~/`whoami` /opt/x']);

    const diagnostic = only(definition.diagnostics, 'shell-in-files-source');
    expect(diagnostic.message).toContain('contains "`" and "~"');
  });

  it('warns about a comment after the source', () => {
    const definition = parseFiles(['    app.py # the entry point']);

    const diagnostic = only(definition.diagnostics, 'comment-in-files-line');
    expect(diagnostic.line).toBe(4);
    expect(diagnostic.message).toContain('has "#" as its destination');
  });

  it('warns about extra fields', () => {
    const definition = parseFiles(['    my file.txt /opt/']);

    const diagnostic = only(definition.diagnostics, 'extra-files-field');
    expect(diagnostic.line).toBe(4);
    expect(diagnostic.message).toContain('has 3 fields');
  });

  it('warns about a skipped section', () => {
    const definition = parseFiles(['    a.txt /opt/'], '%files  ');

    const diagnostic = only(definition.diagnostics, 'ignored-files-section');
    expect(diagnostic.line).toBe(3);
    expect(diagnostic.message).toContain('"%files" is followed by whitespace');
    expect(definition.finalStage.files).toEqual([]);
  });

  it('warns about a missing from keyword', () => {
    const definition = parseDefinition(
      ['Bootstrap: docker', PINNED, 'Stage: a', 'Bootstrap: docker', PINNED, '%files form a', '  /x /x'].join('\n'),
      { file: FILE },
    );

    const diagnostic = only(definition.diagnostics, 'files-from-keyword');
    expect(diagnostic.line).toBe(6);
    expect(diagnostic.fix).toBe('write "%files from a"');
    expect(definition.finalStage.files).toEqual([{ source: '/x', destination: '/x', fromStage: 'a', line: 7 }]);
  });

  it('keeps one trailing space', () => {
    const definition = parseFiles(['    a.txt /opt/'], '%files ');

    expect(definition.diagnostics).toEqual([]);
    expect(definition.finalStage.files).toHaveLength(1);
  });

  it('reads %appfiles sources', () => {
    const definition = parseFiles(['    bin/tool tool', '    README.md # docs'], '%appfiles tool');

    expect(definition.diagnostics).toEqual([]);
    expect(definition.finalStage.files).toEqual([
      { source: 'bin/tool', destination: 'tool', app: 'tool', line: 4 },
      { source: 'README.md', destination: 'README.md', app: 'tool', line: 5 },
    ]);
  });
});

describe('tokenizeFilesLine', () => {
  it.each([
    ['a b', ['a', 'b']],
    ['"a b" c', ['"a b"', 'c']],
    ['a"b c"', ['a', '"b c"']],
    ["'a b' c", ["'a b", "' c"]],
    ['{{ A }}/x /y', ['{{ A }}/x', '/y']],
    ['a\u00a0b c', ['a\u00a0b', 'c']],
  ])('splits %j', (line, words) => {
    expect(tokenizeFilesLine(line).words).toEqual(words);
  });

  it('flags an unclosed quote', () => {
    expect(tokenizeFilesLine('a "b c')).toEqual({ words: ['a', 'b', 'c'], unterminatedQuoteAt: 2 });
  });
});

describe('isGlobPattern', () => {
  it.each([
    ['dist/*.whl', true],
    ['config/.?', true],
    ['file[0-9].txt', true],
    ['src/**', true],
    ['@(a|b).txt', true],
    ['plain/path.txt', false],
    ['literal\\*.txt', false],
    ['.', false],
  ])('classifies %s', (source, expected) => {
    expect(isGlobPattern(source)).toBe(expected);
  });
});
