import { type DefinitionDiagnostic, parseDefinition, type ParseOptions } from './index';

const FILE = 'robots/arm/apptainer.def';
const PINNED = 'From: alpine:3.20@sha256:0000000000000000000000000000000000000000000000000000000000000000';

function parse(lines: string[], options: Partial<ParseOptions> = {}) {
  return parseDefinition(lines.join('\n') + '\n', { file: FILE, ...options });
}

function errors(diagnostics: DefinitionDiagnostic[]) {
  return diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
}

function only(diagnostics: DefinitionDiagnostic[], code: string): DefinitionDiagnostic {
  const found = diagnostics.filter((diagnostic) => diagnostic.code === code);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('parseDefinition sections', () => {
  it('A1 rejects %files followed by a TAB', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '%files\t', '    data/input.txt /opt/input.txt']);

    const diagnostic = only(definition.diagnostics, 'unknown-section');
    expect(diagnostic.severity).toBe('error');
    expect(diagnostic.line).toBe(3);
    expect(diagnostic.file).toBe(FILE);
    expect(diagnostic.message).toBe('unknown section "%files\\t": a TAB after a section name is not a separator');
    expect(diagnostic.fix).toBe('put a space or a newline after "%files"');
    expect(definition.finalStage.sections[0].name).toBe('files\t');
    expect(definition.finalStage.files).toEqual([]);
  });

  it('A11 reads section arguments', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '%post -c /bin/bash', '    echo hi']);

    expect(errors(definition.diagnostics)).toEqual([]);
    expect(definition.finalStage.sections).toEqual([
      { name: 'post', args: '-c /bin/bash', line: 3, lines: [{ text: '    echo hi', line: 4 }] },
    ]);
  });

  it('compares section names case-insensitively', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '%POST', '    echo hi', '%Files', '    a.txt /opt/']);

    expect(definition.diagnostics).toEqual([]);
    expect(definition.finalStage.sections.map((section) => section.name)).toEqual(['post', 'files']);
    expect(definition.finalStage.files).toEqual([{ source: 'a.txt', destination: '/opt/', line: 6 }]);
  });

  it('rejects an unknown section', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '%install', '    make']);

    const diagnostic = only(definition.diagnostics, 'unknown-section');
    expect(diagnostic.line).toBe(3);
    expect(diagnostic.message).toBe('unknown section "%install"');
    expect(diagnostic.fix).toContain('%post');
  });

  it('rejects a script line starting with %', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '%post', '    printf "%s\\n" hi', '    %s done']);

    const diagnostic = only(definition.diagnostics, 'indented-section');
    expect(diagnostic.line).toBe(5);
    expect(diagnostic.fix).toContain('if the line belongs to a script');
  });

  it('rejects %s at column 0', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '%post', '%s done']);

    const diagnostic = only(definition.diagnostics, 'unknown-section');
    expect(diagnostic.line).toBe(4);
    expect(diagnostic.message).toBe('unknown section "%s"');
  });

  it('rejects an indented section line', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '  %post', '    echo hi']);

    const diagnostic = only(definition.diagnostics, 'indented-section');
    expect(diagnostic.line).toBe(3);
    expect(diagnostic.message).toContain('indented section line "  %post"');
    expect(diagnostic.fix).toContain('remove the whitespace before "%post"');
  });

  it('requires an app name', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '%apprun', '    exec tool']);

    const diagnostic = only(definition.diagnostics, 'missing-app-name');
    expect(diagnostic.line).toBe(3);
    expect(diagnostic.message).toBe('section "%apprun" has no app name');
  });

  it('rejects an uppercase app section', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '%AppRun tool', '    exec tool']);

    const diagnostic = only(definition.diagnostics, 'unknown-section');
    expect(diagnostic.line).toBe(3);
    expect(diagnostic.message).toContain('only in lowercase');
  });

  it('warns about %setup', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '%setup', '    cp data $APPTAINER_ROOTFS/opt/']);

    const diagnostic = only(definition.diagnostics, 'host-section');
    expect(diagnostic.severity).toBe('warning');
    expect(diagnostic.line).toBe(3);
    expect(diagnostic.message).toBe(
      '%setup in stage 1 runs on the host, so its inputs are unknown and the whole node folder is hashed',
    );
  });

  it('warns about %pre', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '%pre', '    date']);

    const diagnostic = only(definition.diagnostics, 'host-section');
    expect(diagnostic.line).toBe(3);
    expect(diagnostic.fix).toContain('%pre is deprecated');
  });
});

describe('parseDefinition line endings', () => {
  const lines = ['Bootstrap: docker', PINNED, '', '%files', '    run.sh /opt/run.sh', '', '%post', '    chmod +x /opt/run.sh'];

  it('A2 parses CRLF like LF', () => {
    const lf = parseDefinition(lines.join('\n') + '\n', { file: FILE });
    const crlf = parseDefinition(lines.join('\r\n') + '\r\n', { file: FILE });

    expect(crlf).toEqual(lf);
    expect(crlf.finalStage.header.bootstrap).toBe('docker');
    expect(crlf.finalStage.files).toEqual([{ source: 'run.sh', destination: '/opt/run.sh', line: 5 }]);
    expect(JSON.stringify(crlf)).not.toContain('\\r');
  });

  it('drops one CR per line only', () => {
    const definition = parseDefinition(`Bootstrap: docker\r\n${PINNED}\r\n%post\r\n    echo hi\r\r\n%test\r\r\n`, { file: FILE });

    expect(definition.finalStage.sections[0].lines).toEqual([{ text: '    echo hi\r', line: 4 }]);
    const diagnostic = only(definition.diagnostics, 'unknown-section');
    expect(diagnostic.line).toBe(5);
    expect(diagnostic.message).toContain('unknown section "%test\\r": Apptainer drops only one carriage return');
  });

  it('parses a file without a final newline', () => {
    const definition = parseDefinition(`Bootstrap: docker\n${PINNED}\n%files\n  a.txt`, { file: FILE });

    expect(definition.diagnostics).toEqual([]);
    expect(definition.finalStage.files).toEqual([{ source: 'a.txt', line: 4 }]);
  });
});

describe('parseDefinition header', () => {
  it('reads keys case-insensitively', () => {
    const definition = parse(['BOOTSTRAP: docker', 'from: alpine:3.20 # the base', 'Stage: app']);

    expect(definition.finalStage.header).toEqual({ bootstrap: 'docker', from: 'alpine:3.20', stage: 'app' });
    expect(definition.finalStage.headerLines).toEqual({ bootstrap: 1, from: 2, stage: 3 });
    expect(definition.finalStage.name).toBe('app');
    expect(errors(definition.diagnostics)).toEqual([]);
  });

  it('rejects an unknown key', () => {
    const definition = parse(['Bootstrap: docker', PINNED, 'Maintainer: robots@example.com', '%post', '    true']);

    const diagnostic = only(definition.diagnostics, 'unknown-header-key');
    expect(diagnostic.severity).toBe('error');
    expect(diagnostic.line).toBe(3);
    expect(diagnostic.message).toBe('unknown header key "Maintainer"');
    expect(diagnostic.fix).toContain('%labels');
  });

  it('accepts numbered otherurl keys', () => {
    const definition = parse(['Bootstrap: yum', 'OtherURL0: http://example.com/a', 'otherurl12: http://example.com/b']);

    expect(definition.diagnostics).toEqual([]);
    expect(definition.finalStage.header.otherurl12).toBe('http://example.com/b');
  });

  it('rejects Bootstrap: Docker', () => {
    const definition = parse(['Bootstrap: Docker', PINNED]);

    const diagnostic = only(definition.diagnostics, 'invalid-bootstrap');
    expect(diagnostic.line).toBe(1);
    expect(diagnostic.message).toBe(
      'invalid bootstrap agent "Docker": Apptainer compares agent names case-sensitively and they are lowercase',
    );
    expect(diagnostic.fix).toBe('write "Bootstrap: docker"');
  });

  it('rejects an unknown agent', () => {
    const definition = parse(['Bootstrap: podman', PINNED]);

    const diagnostic = only(definition.diagnostics, 'invalid-bootstrap');
    expect(diagnostic.message).toBe('unknown bootstrap agent "podman"');
  });

  it('rejects a header line without colon', () => {
    const definition = parse(['Bootstrap docker', PINNED]);

    const diagnostic = only(definition.diagnostics, 'invalid-header-line');
    expect(diagnostic.line).toBe(1);
    expect(diagnostic.message).toBe('header line "Bootstrap docker" has no ":"');
  });

  it('joins continued values', () => {
    const definition = parse(['Bootstrap: docker', 'From: alpine:\\', '  3.20@sha256:abc']);

    expect(definition.finalStage.from).toBe('alpine:3.20@sha256:abc');
    expect(definition.finalStage.headerLines.from).toBe(2);
  });

  it('rejects a continuation into a blank line', () => {
    const definition = parse(['Bootstrap: docker', 'From: alpine:\\', '', '%post', '    true']);

    const diagnostic = only(definition.diagnostics, 'header-continuation');
    expect(diagnostic.severity).toBe('error');
    expect(diagnostic.line).toBe(2);
  });

  it('rejects a byte order mark', () => {
    const definition = parseDefinition(`\ufeffBootstrap: docker\n${PINNED}\n`, { file: FILE });

    const diagnostic = only(definition.diagnostics, 'byte-order-mark');
    expect(diagnostic.line).toBe(1);
    expect(diagnostic.message).toContain('byte order mark (U+FEFF)');
  });

  it('rejects a file with no header', () => {
    const definition = parse(['%post', '    echo hi']);

    const diagnostic = only(definition.diagnostics, 'missing-header');
    expect(diagnostic.line).toBe(1);
    expect(diagnostic.message).toBe(
      'the definition file has no header: Apptainer needs a "Bootstrap:" line above the first section',
    );
    expect(definition.stages).toHaveLength(1);
    expect(definition.finalStage.sections[0].name).toBe('post');
  });

  it('rejects an empty file', () => {
    const definition = parseDefinition('', { file: FILE });

    const diagnostic = only(definition.diagnostics, 'missing-header');
    expect(diagnostic.line).toBe(1);
    expect(diagnostic.message).toBe('the definition file is empty');
    expect(definition.finalStage).toBe(definition.stages[0]);
  });

  it('ignores comments above Bootstrap', () => {
    const definition = parse(['# Built by nx-peppy', '', 'Bootstrap: docker', PINNED]);

    expect(definition.diagnostics).toEqual([]);
    expect(definition.stages).toHaveLength(1);
    expect(definition.finalStage.headerLines.bootstrap).toBe(3);
  });

  it('rejects From above Bootstrap', () => {
    const definition = parse(['From: alpine:3.20', 'Bootstrap: docker', '%post', '    true']);

    expect(definition.stages).toHaveLength(2);
    const missing = definition.diagnostics.filter((diagnostic) => diagnostic.code === 'missing-bootstrap');
    expect(missing.map((diagnostic) => diagnostic.line)).toEqual([1]);
    expect(missing[0].message).toContain('stage 1 has no "Bootstrap:" line: Apptainer starts a new stage');
    const noFrom = only(definition.diagnostics, 'missing-from');
    expect(noFrom.line).toBe(2);
  });
});

describe('parseDefinition stages', () => {
  it('starts a stage at each Bootstrap', () => {
    const definition = parse([
      'Bootstrap: docker',
      'From: rust:1.85@sha256:1111111111111111111111111111111111111111111111111111111111111111',
      'Stage: build',
      '%files',
      '    Cargo.toml /src/',
      'bootstrap: docker',
      PINNED,
      'Stage: final',
      '%files from build',
      '    /src/target/release/arm /usr/local/bin/arm',
    ]);

    expect(definition.diagnostics).toEqual([]);
    expect(definition.stages.map((stage) => [stage.index, stage.name])).toEqual([
      [0, 'build'],
      [1, 'final'],
    ]);
    expect(definition.finalStage).toBe(definition.stages[1]);
    expect(definition.stages[0].files).toEqual([{ source: 'Cargo.toml', destination: '/src/', line: 5 }]);
    expect(definition.finalStage.files).toEqual([
      { source: '/src/target/release/arm', destination: '/usr/local/bin/arm', fromStage: 'build', line: 10 },
    ]);
  });

  it('rejects %files from an unknown stage', () => {
    const definition = parse(['Bootstrap: docker', PINNED, 'Stage: final', '%files from builder', '    /a /a']);

    const diagnostic = only(definition.diagnostics, 'unknown-stage');
    expect(diagnostic.line).toBe(4);
    expect(diagnostic.message).toBe('"%files from builder" in stage 1 ("final"): no stage is named "builder"');
  });

  it('rejects %files from a later stage', () => {
    const definition = parse([
      'Bootstrap: docker',
      PINNED,
      'Stage: one',
      '%files from two',
      '    /a /a',
      'Bootstrap: docker',
      PINNED,
      'Stage: two',
    ]);

    const diagnostic = only(definition.diagnostics, 'files-from-later-stage');
    expect(diagnostic.line).toBe(4);
    expect(diagnostic.message).toContain('names stage 2 ("two"), but Apptainer builds stages in file order');
  });

  it('exposes a localimage base', () => {
    const definition = parse(['Bootstrap: localimage', 'From: ../base/base.sif', '%post', '    true']);

    expect(definition.diagnostics).toEqual([]);
    expect(definition.finalStage.bootstrap).toBe('localimage');
    expect(definition.finalStage.localImage).toBe('../base/base.sif');
  });

  it.each([
    ['oci', '../images/layout', '../images/layout'],
    ['oci', '../images/layout:v2', '../images/layout:v2'],
    ['oci-archive', '/srv/images/base.tar:latest', '/srv/images/base.tar'],
    ['docker-archive', 'base.tar', 'base.tar'],
  ])('exposes the host path of a %s base: %s', (agent, from, path) => {
    const definition = parse([`Bootstrap: ${agent}`, `From: ${from}`]);

    expect(definition.finalStage.localImage).toBe(path);
  });

  it('omits localImage for docker', () => {
    const definition = parse(['Bootstrap: docker', PINNED]);

    expect(definition.finalStage.localImage).toBeUndefined();
  });

  it('warns about duplicate stage names', () => {
    const definition = parse(['Bootstrap: docker', PINNED, 'Stage: a', 'Bootstrap: docker', PINNED, 'Stage: a']);

    const diagnostic = only(definition.diagnostics, 'duplicate-stage-name');
    expect(diagnostic.line).toBe(6);
  });
});

describe('parseDefinition odd input', () => {
  it.each([
    ['only a percent sign', '%\n'],
    ['a lone quote in %files', 'Bootstrap: docker\n%files\n"\n'],
    ['unclosed braces', 'Bootstrap: docker\nFrom: {{\n%post\n  {{ }} {{\n'],
    ['binary bytes', '\u0000\u0001\uffff\n\r\r\n%\u0000\n'],
    ['an empty continuation', 'Bootstrap: docker\nFrom: \\'],
    ['a section line with only spaces after it', 'Bootstrap: docker\n%files   \n%files from\n'],
  ])('never throws on %s', (_name, text) => {
    const definition = parseDefinition(text, { file: FILE, buildArgs: { A: '{{ A }}' } });

    expect(definition.finalStage).toBe(definition.stages[definition.stages.length - 1]);
    expect(errors(definition.diagnostics).length).toBeGreaterThan(0);
  });
});

describe('parseDefinition base image', () => {
  it.each([
    ['peppybot/rust-cargo-base', 'has no tag, so it pulls "latest", and no digest'],
    ['peppybot/python-uv-base:latest', 'uses the tag "latest" and no digest'],
    ['localhost:5000/rust:1-slim', 'has the tag "1-slim" but no digest'],
  ])('warns about %s', (from, problem) => {
    const definition = parse(['Bootstrap: docker', `From: ${from}`]);

    const diagnostic = only(definition.diagnostics, 'unpinned-base');
    expect(diagnostic.severity).toBe('warning');
    expect(diagnostic.line).toBe(2);
    expect(diagnostic.message).toBe(
      `base image "${from}" of stage 1 ${problem}: the Nx cache cannot see when the registry moves a tag to a new image, so it can replay a build made from the old one`,
    );
    expect(diagnostic.fix).toContain('@sha256:<digest>');
  });

  it('accepts a digest', () => {
    expect(parse(['Bootstrap: docker', PINNED]).diagnostics).toEqual([]);
  });

  it('accepts a library digest tag', () => {
    const definition = parse(['Bootstrap: library', 'From: alpine:sha256.03883ca565b32e58fa0a496316d69de35741f2ef34b5b4658a6fec04ed8149a8']);

    expect(definition.diagnostics).toEqual([]);
  });

  it('ignores scratch and localimage', () => {
    expect(parse(['Bootstrap: scratch']).diagnostics).toEqual([]);
  });
});
