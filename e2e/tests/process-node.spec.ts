import { existsSync } from 'node:fs';

import { TestWorkspace } from '../support/workspace';

describe('cargo process node', () => {
  const workspace = new TestWorkspace();

  beforeAll(() => workspace.install());
  afterAll(() => workspace.remove());

  it('generator writes the cargo node files', () => {
    const result = workspace.nx(['g', 'nx-peppy:node', 'rust_node', '--toolchain', 'cargo', '--directory', 'nodes/rust_node']);
    expect(result.status).toBe(0);

    for (const file of ['peppy.json5', 'Cargo.toml', 'src/main.rs', '.gitignore']) {
      expect(existsSync(workspace.path('nodes/rust_node', file))).toBe(true);
    }
    expect(existsSync(workspace.path('nodes/rust_node/apptainer.def'))).toBe(false);
    expect(workspace.read('nodes/rust_node/peppy.json5')).toContain('add_cmd: ["cargo", "build", "--release"]');
  });

  it('build runs cargo build --release offline', () => {
    const result = workspace.nx(['build', 'rust_node'], { CARGO_NET_OFFLINE: 'true' });
    expect(result.status).toBe(0);
    expect(existsSync(workspace.path('nodes/rust_node/target/release/rust_node'))).toBe(true);
  });

  it('serve starts the binary with the runtime config', () => {
    const result = workspace.nx(['serve', 'rust_node'], { CARGO_NET_OFFLINE: 'true' });
    expect(result.status).toBe(0);
    expect(result.output).toMatch(/rust_node started: PEPPY_RUNTIME_CONFIG=\/.+\/runtime_config\.json5/);
    expect(result.output).toContain('"node_name": "rust_node"');
  });
});
