import { parseDefinition, staticPrefix } from '../../definition';
import { hostFileSources } from './files-sources';

const HEADER = 'Bootstrap: docker\nFrom: ubuntu@sha256:' + 'c'.repeat(64) + '\n';

function sourcesOf(body: string) {
  return hostFileSources(parseDefinition(`${HEADER}${body}`, { file: 'apptainer.def' }));
}

describe('staticPrefix', () => {
  it.each([
    ['../shared/config.yaml', '../shared/config.yaml'],
    ['../shared/*.yaml', '../shared'],
    ['../shared/conf/**/x', '../shared/conf'],
    ['../models/[ab].onnx', '../models'],
    ['*.txt', '.'],
    ['/opt/data/*', '/opt/data'],
    ['/*', '/'],
    ['../shared/a\\*b', '../shared/a\\*b'],
  ])('%s is %s', (source, prefix) => {
    expect(staticPrefix(source)).toBe(prefix);
  });
});

describe('hostFileSources', () => {
  it('reads %files host sources with their lines', () => {
    const references = sourcesOf('%files\n    ../shared/config.yaml /etc/config.yaml\n    "my file.txt" /opt/\n');

    expect(references.sources).toEqual([
      { path: '../shared/config.yaml', entry: 'line 4: %files source "../shared/config.yaml"' },
      { path: 'my file.txt', entry: 'line 5: %files source "my file.txt"' },
    ]);
  });

  it('reads %appfiles sources', () => {
    const references = sourcesOf('%appfiles tool\n    ../tool/bin tool\n');

    expect(references.sources).toEqual([{ path: '../tool/bin', entry: 'line 4: %appfiles tool source "../tool/bin"' }]);
  });

  it('skips %files from STAGE entries', () => {
    const text = ['Bootstrap: docker', 'From: ubuntu@sha256:' + 'c'.repeat(64), 'Stage: build', '', HEADER, '%files from build', '    /out /opt/out', ''].join('\n');

    expect(hostFileSources(parseDefinition(text, { file: 'apptainer.def' })).sources).toEqual([]);
  });

  it('reduces glob sources to their folder', () => {
    const references = sourcesOf('%files\n    ../models/*.onnx /opt/models/\n');

    expect(references.sources).toEqual([{ path: '../models', entry: 'line 4: %files source "../models/*.onnx"' }]);
  });

  it('reports sources with shell syntax or an undefined build argument', () => {
    const references = sourcesOf('%files\n    ~/.ssh /root/.ssh\n    {{ DATA }}/x /x\n');

    expect(references.sources).toEqual([]);
    expect(references.invalid).toEqual([
      {
        entry: 'line 4: %files source "~/.ssh"',
        reason: 'the path uses shell syntax ("$", "`" or a leading "~") that Apptainer expands only at build time',
      },
      { entry: 'line 5: %files source "{{ DATA }}/x"', reason: 'the path uses a build argument that has no value, so it is unknown before the build' },
    ]);
  });
});
