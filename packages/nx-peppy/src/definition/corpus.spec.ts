import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { parseDefinition } from './index';

// Unedited apptainer.def files of public PeppyOS nodes.
const CORPUS = join(__dirname, '__fixtures__', 'corpus');

interface Expected {
  from: string;
  files: [string, string][];
  warning: RegExp;
}

const EXPECTED: Record<string, Expected> = {
  openarm_sim_mujoco: {
    from: 'peppybot/openarm-mujoco-sim:3.10.0-20',
    files: [
      ['peppy.json5', '/opt/openarm_sim_mujoco/peppy.json5'],
      ['robots', '/opt/openarm_sim_mujoco/robots'],
      ['.peppy/libs/peppygen', '/opt/openarm_sim_mujoco/.peppy/libs/peppygen'],
      ['.peppy/libs/peppylib', '/opt/openarm_sim_mujoco/.peppy/libs/peppylib'],
    ],
    warning: /has the tag "3.10.0-20" but no digest/,
  },
  realsense_d4xx: {
    from: 'peppybot/rust-cargo-base',
    files: [['.', '/opt/realsense_d4xx']],
    warning: /has no tag, so it pulls "latest"/,
  },
  uvc_camera: {
    from: 'rust:1-slim',
    files: [['.', '/opt/uvc_camera']],
    warning: /has the tag "1-slim" but no digest/,
  },
  uvc_camera_video_reconstruction_python: {
    from: 'peppybot/python-uv-base:latest',
    files: [['.', '/opt/uvc_camera_video_reconstruction_python']],
    warning: /uses the tag "latest"/,
  },
  xr_commander: {
    from: 'peppybot/python-uv-base:latest',
    files: [['.', '/opt/xr_commander']],
    warning: /uses the tag "latest"/,
  },
  zed_camera: {
    from: 'peppybot/rust-cargo-base',
    files: [['.', '/opt/zed_camera']],
    warning: /has no tag, so it pulls "latest"/,
  },
};

describe('parseDefinition corpus', () => {
  it('covers every fixture', () => {
    expect(readdirSync(CORPUS).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('parses %s', (folder, expected) => {
    const file = join(CORPUS, folder, 'apptainer.def');
    const definition = parseDefinition(readFileSync(file, 'utf8'), { file });
    const stage = definition.finalStage;

    expect(definition.stages).toHaveLength(1);
    expect(definition.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
    expect(stage.header).toEqual({ bootstrap: 'docker', from: expected.from });
    expect(stage.headerLines).toEqual({ bootstrap: 1, from: 2 });
    expect(stage.files.map((entry) => [entry.source, entry.destination])).toEqual(expected.files);
    expect(stage.files.every((entry) => entry.fromStage === undefined)).toBe(true);

    const warnings = definition.diagnostics.filter((diagnostic) => diagnostic.severity === 'warning');
    expect(warnings.map((warning) => [warning.code, warning.line])).toEqual([['unpinned-base', 2]]);
    expect(warnings[0].message).toMatch(expected.warning);
  });
});
