import { parseDefinition } from '../../definition';
import { localImageReferences } from './localimage';

function referencesOf(text: string, buildArgs?: Record<string, string>) {
  return localImageReferences(parseDefinition(text, { file: 'apptainer.def', buildArgs }));
}

describe('localImageReferences', () => {
  it('reads the From path of a localimage stage', () => {
    const references = referencesOf('Bootstrap: localimage\nFrom: ../base/base.sif\n');

    expect(references.images).toEqual([{ path: '../base/base.sif', entry: 'line 2: "Bootstrap: localimage" with "From: ../base/base.sif"' }]);
    expect(references.invalid).toEqual([]);
  });

  it('reads every localimage stage and skips other bootstraps', () => {
    const references = referencesOf(
      [
        'Bootstrap: localimage',
        'From: tools.sif',
        'Stage: tools',
        '',
        'Bootstrap: docker',
        'From: ubuntu@sha256:' + 'b'.repeat(64),
        'Stage: other',
        '',
        'Bootstrap: localimage',
        'From: /images/base.sif',
        '',
      ].join('\n'),
    );

    expect(references.images.map((image) => image.path)).toEqual(['tools.sif', '/images/base.sif']);
  });

  it('uses templated build arguments', () => {
    const references = referencesOf('Bootstrap: localimage\nFrom: {{ BASE }}\n', { BASE: 'dist/base.sif' });

    expect(references.images.map((image) => image.path)).toEqual(['dist/base.sif']);
  });

  it('reports a From with an undefined build argument', () => {
    const references = referencesOf('Bootstrap: localimage\nFrom: images/{{ BASE }}.sif\n');

    expect(references.images).toEqual([]);
    expect(references.invalid).toEqual([
      {
        entry: 'line 2: "Bootstrap: localimage" with "From: images/{{ BASE }}.sif"',
        reason: 'the path uses a build argument that has no value, so it is unknown before the build',
      },
    ]);
  });
});
