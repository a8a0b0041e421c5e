import { type DefinitionDiagnostic, parseDefinition, type ParseOptions } from './index';

const FILE = 'apptainer.def';
const PINNED = 'From: alpine:3.20@sha256:0000000000000000000000000000000000000000000000000000000000000000';

function parse(lines: string[], options: Partial<ParseOptions> = {}) {
  return parseDefinition(lines.join('\n') + '\n', { file: FILE, ...options });
}

function only(diagnostics: DefinitionDiagnostic[], code: string): DefinitionDiagnostic {
  const found = diagnostics.filter((diagnostic) => diagnostic.code === code);
  expect(found).toHaveLength(1);
  return found[0];
}

function bodyText(lines: { text: string }[]): string[] {
  return lines.map((line) => line.text);
}

describe('parseDefinition templating', () => {
  const twoStages = [
    'Bootstrap: docker', // 1
    PINNED, // 2
    'Stage: build', // 3
    '', // 4
    '%arguments', // 5
    '    APP_DIR=/opt/app', // 6
    '    PKG=tool-{{ VER }}', // 7
    '    VER=2', // 8
    '', // 9
    '%post', // 10
    '    echo {{ PKG }} > {{APP_DIR}}/pkg', // 11
    '', // 12
    'Bootstrap: docker', // 13
    PINNED, // 14
    'Stage: final', // 15
    '', // 16
    '%files from build', // 17
    '    {{ APP_DIR }}/pkg /opt/pkg', // 18
  ];

  it('A9 resolves arguments per stage', () => {
    const definition = parse(twoStages);
    const [build, final] = definition.stages;

    expect(build.arguments).toEqual({ APP_DIR: '/opt/app', PKG: 'tool-2', VER: '2' });
    expect(bodyText(build.sections[1].lines)[0]).toBe('    echo tool-2 > /opt/app/pkg');
    expect(final.arguments).toEqual({});

    const diagnostic = only(definition.diagnostics, 'undefined-build-arg');
    expect(diagnostic.severity).toBe('error');
    expect(diagnostic.line).toBe(18);
    expect(diagnostic.message).toBe(
      'build argument "APP_DIR" is not defined for stage 2 ("final"); stage 1 ("build") declares it in %arguments, but those values apply only to their own stage',
    );
    expect(diagnostic.fix).toBe(
      'add APP_DIR=VALUE to the %arguments section of stage 2 ("final"), or pass --build-arg APP_DIR=VALUE',
    );
  });

  it('A9 resolves with a build arg', () => {
    const definition = parse(twoStages, { buildArgs: { APP_DIR: '/srv' } });

    expect(definition.diagnostics).toEqual([]);
    expect(definition.stages[0].arguments.APP_DIR).toBe('/srv');
    expect(definition.finalStage.files).toEqual([
      { source: '/srv/pkg', destination: '/opt/pkg', fromStage: 'build', line: 18 },
    ]);
  });

  it('A10 skips placeholders after #', () => {
    const lines = ['Bootstrap: docker', PINNED, '%post', '    echo "count=${#items[@]} {{ VER }}"'];

    const withoutArg = parse(lines);
    expect(withoutArg.diagnostics).toEqual([]);
    expect(bodyText(withoutArg.finalStage.sections[0].lines)).toEqual(['    echo "count=${#items[@]} {{ VER }}"']);

    const withArg = parse(lines, { buildArgs: { VER: '1' } });
    expect(bodyText(withArg.finalStage.sections[0].lines)).toEqual(['    echo "count=${#items[@]} {{ VER }}"']);
    const diagnostic = only(withArg.diagnostics, 'unused-build-arg');
    expect(diagnostic.severity).toBe('error');
    expect(diagnostic.line).toBe(0);
    expect(diagnostic.message).toContain('build argument "VER" from --build-arg is not used by any stage');
  });

  it('replaces placeholders in a shebang', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '%runscript', '#!/bin/{{ SHELL }}'], {
      buildArgs: { SHELL: 'bash' },
    });

    expect(definition.diagnostics).toEqual([]);
    expect(bodyText(definition.finalStage.sections[0].lines)).toEqual(['#!/bin/bash']);
  });

  it('replaces placeholders before #', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '%post', '    echo {{ A }} # {{ B }}'], {
      buildArgs: { A: 'one' },
    });

    expect(definition.diagnostics).toEqual([]);
    expect(bodyText(definition.finalStage.sections[0].lines)).toEqual(['    echo one # {{ B }}']);
  });

  it('applies build-arg precedence', () => {
    const definition = parse(
      [
        'Bootstrap: docker',
        'From: alpine:{{ TAG }}@sha256:0000000000000000000000000000000000000000000000000000000000000000',
        '%arguments',
        '    TAG=3.18',
        '    A=from-arguments',
        '    B=from-arguments',
        '    C=from-arguments',
        '%post',
        '    echo {{ A }} {{ B }} {{ C }}',
      ],
      { buildArgs: { A: 'cli' }, buildArgFile: { A: 'file', B: 'file' } },
    );

    expect(definition.diagnostics).toEqual([]);
    expect(definition.finalStage.from).toBe('alpine:3.18@sha256:0000000000000000000000000000000000000000000000000000000000000000');
    expect(bodyText(definition.finalStage.sections[1].lines)).toEqual(['    echo cli file from-arguments']);
    expect(definition.finalStage.arguments).toEqual({ TAG: '3.18', A: 'cli', B: 'file', C: 'from-arguments' });
  });

  it('counts a use inside %arguments', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '%arguments', '    PKG=tool-{{ VER }}', '    VER=2'], {
      buildArgs: { VER: '3' },
    });

    expect(definition.diagnostics).toEqual([]);
    expect(definition.finalStage.arguments).toEqual({ PKG: 'tool-3', VER: '3' });
  });

  it('reports an unused build-arg-file value', () => {
    const definition = parse(['Bootstrap: docker', PINNED], { buildArgFile: { EXTRA: 'x' } });

    const diagnostic = only(definition.diagnostics, 'unused-build-arg');
    expect(diagnostic.message).toContain('build argument "EXTRA" from --build-arg-file is not used');
    expect(diagnostic.fix).toContain('delete EXTRA from the build-arg file');
  });

  it('warns about unused args on request', () => {
    const definition = parse(['Bootstrap: docker', PINNED], { buildArgs: { X: '1' }, warnUnusedBuildArgs: true });

    expect(only(definition.diagnostics, 'unused-build-arg').severity).toBe('warning');
  });

  it('reports an undefined placeholder', () => {
    const definition = parse(['Bootstrap: docker', 'From: alpine:{{ TAG }}', '%post', '    echo {{ TAG }}']);

    const diagnostic = only(definition.diagnostics, 'undefined-build-arg');
    expect(diagnostic.line).toBe(2);
    expect(diagnostic.message).toBe('build argument "TAG" is not defined for stage 1');
  });

  it('warns about an argument line without =', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '%arguments', '    VERSION 2']);

    const diagnostic = only(definition.diagnostics, 'invalid-argument-line');
    expect(diagnostic.line).toBe(4);
    expect(diagnostic.message).toBe('line "VERSION 2" in %arguments is not NAME=value, so Apptainer skips it');
  });

  it('leaves non-word names alone', () => {
    const definition = parse(['Bootstrap: docker', PINNED, '%post', '    echo {{ my-name }}']);

    expect(definition.diagnostics).toEqual([]);
    expect(bodyText(definition.finalStage.sections[0].lines)).toEqual(['    echo {{ my-name }}']);
  });
});
