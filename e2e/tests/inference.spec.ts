import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { TestWorkspace } from '../support/workspace';

const CORPUS = join(__dirname, '..', '..', 'fixtures', 'corpus');

interface ProjectJson {
  root: string;
  targets: Record<string, { executor?: string; cache?: boolean; continuous?: boolean; outputs?: string[]; inputs?: unknown[]; metadata?: { technologies?: string[]; description?: string } }>;
}

/** Every corpus node with its expected kind, read from the folder layout. */
const CORPUS_NODES: Record<string, 'container' | 'process'> = {
  uvc_camera: 'container',
  my_python_robot_arm: 'process',
  my_rust_robot_arm: 'process',
  openarm_sim_mujoco: 'container',
  realsense_d4xx: 'container',
  uvc_camera_video_reconstruction_python: 'container',
  xr_commander: 'container',
  zed_camera: 'container',
};

describe('inference on the corpus', () => {
  const workspace = new TestWorkspace('nx-peppy-corpus-');

  beforeAll(() => {
    for (const format of readdirSync(CORPUS, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
      cpSync(join(CORPUS, format.name), workspace.path('nodes', format.name), { recursive: true });
    }
    workspace.installWithNxAdd();
  });

  afterAll(() => workspace.remove());

  function showProject(name: string): ProjectJson {
    const result = workspace.nx(['show', 'project', name, '--json']);
    if (result.status !== 0) throw new Error(result.output);
    return JSON.parse(result.output.slice(result.output.indexOf('{'))) as ProjectJson;
  }

  it('every corpus manifest becomes a project', () => {
    const result = workspace.nx(['show', 'projects', '--json']);
    expect(result.status).toBe(0);
    const projects = JSON.parse(result.output.slice(result.output.indexOf('['))) as string[];
    expect(projects.sort()).toEqual(Object.keys(CORPUS_NODES).sort());
  });

  it.each(Object.entries(CORPUS_NODES))('%s has the %s targets', (name, kind) => {
    const project = showProject(name);
    const { build, serve } = project.targets;

    expect(build.executor).toBe('nx-peppy:build');
    expect(serve.executor).toBe('nx-peppy:serve');
    expect(serve.continuous).toBe(true);
    if (kind === 'container') {
      expect(build.cache).toBe(true);
      expect(build.outputs).toEqual(['{options.outputPath}']);
      expect((build as { options?: { outputPath?: string } }).options?.outputPath).toMatch(new RegExp(`^dist/${project.root}/${name}_.+\\.sif$`));
      expect(build.metadata?.technologies).toEqual(['apptainer']);
    } else {
      expect(build.cache).toBeFalsy();
      expect(build.outputs).toBeUndefined();
    }
  });

  it('explicit %files list hashes only the listed paths', () => {
    const inputs = showProject('openarm_sim_mujoco').targets.build.inputs;
    expect(inputs).toContain('{projectRoot}/robots/**/*');
    expect(inputs).toContain('{projectRoot}/peppy.json5');
    expect(inputs).not.toContain('{projectRoot}/**/*');
  });

  it('unpinned base warning shows in metadata', () => {
    const metadata = showProject('zed_camera').targets.build.metadata as { warnings?: string[] };
    expect(metadata.warnings).toHaveLength(1);
    expect(metadata.warnings?.[0]).toContain('nodes/node-v1/zed_camera/apptainer.def:2:');
    expect(metadata.warnings?.[0]).toContain('peppybot/rust-cargo-base');
  });

  it('broken manifest names its file', () => {
    workspace.write('nodes/broken/peppy.json5', '{ peppy_schema: "node/v1", manifest: { name: "broken", tag: "v1" }, execution: { language: "go", run_cmd: ["x"] } }');
    try {
      const result = workspace.nx(['show', 'projects']);
      expect(result.output).toContain('nodes/broken/peppy.json5');
      expect(result.output).toContain('execution.language');
      expect(result.output).toMatch(/Fix: use "python" or "rust"/);
    } finally {
      workspace.run('rm', ['-rf', workspace.path('nodes/broken')]);
    }
  });

  it('duplicate node names name both manifests', () => {
    cpSync(workspace.path('nodes/legacy/uvc_camera'), workspace.path('nodes/copy_of_uvc'), { recursive: true });
    try {
      const result = workspace.nx(['show', 'projects']);
      expect(result.output).toMatch(/the node name "uvc_camera" is also used by/);
      expect(result.output).toContain('nodes/copy_of_uvc/peppy.json5');
      expect(result.output).toContain('nodes/legacy/uvc_camera/peppy.json5');
    } finally {
      workspace.run('rm', ['-rf', workspace.path('nodes/copy_of_uvc')]);
    }
  });

  it('project.json settings win over inferred ones', () => {
    workspace.write('nodes/node-v1/zed_camera/project.json', JSON.stringify({ targets: { build: { options: { outputPath: 'images/zed.sif' } } } }));
    try {
      expect((showProject('zed_camera').targets.build as { options?: { outputPath?: string } }).options?.outputPath).toBe('images/zed.sif');
    } finally {
      workspace.run('rm', ['-f', workspace.path('nodes/node-v1/zed_camera/project.json')]);
    }
  });

  it('generator format default comes from nx.json', () => {
    const nxJson = JSON.parse(workspace.read('nx.json')) as Record<string, unknown>;
    workspace.write('nx.json', JSON.stringify({ ...nxJson, generators: { 'nx-peppy:node': { format: 'node/v1' } } }, null, 2));

    const result = workspace.nx(['g', 'nx-peppy:node', 'fresh_node', '--directory', 'nodes/fresh_node']);
    expect(result.status).toBe(0);
    const manifest = workspace.read('nodes/fresh_node/peppy.json5');
    expect(manifest).toContain('peppy_schema: "node/v1"');
    expect(manifest).toContain('tag: "v1"');
  });
});
