// Fixture trees for the benchmarks. Every generator writes plain files into a
// folder the caller created; none of them installs packages or runs Nx.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { dirname, join, posix } from 'node:path';

export const GRAPH_GROUPS = 25;
/** Tag of every fixture node. nx-peppy accepts only tags that start with a letter and use letters, digits, "_" and "-". */
export const NODE_TAG = 'v1';
export const GRAPH_NODES = 1000;

function write(root, file, content) {
  const path = join(root, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** Writes `bytes` random bytes, which neither squashfs nor gzip can shrink. */
export function writeRandomFile(path, bytes) {
  mkdirSync(dirname(path), { recursive: true });
  const chunk = Buffer.alloc(Math.min(bytes, 16 * 1024 * 1024));
  const fd = openSync(path, 'w');
  try {
    for (let written = 0; written < bytes; ) {
      const size = Math.min(chunk.length, bytes - written);
      randomFillSync(chunk, 0, size);
      writeSync(fd, chunk, 0, size);
      written += size;
    }
  } finally {
    closeSync(fd);
  }
}

export function nodeManifest(name, tag, format = 'node/v1') {
  if (format === 'node/v1') {
    return `{
  peppy_schema: "node/v1",
  manifest: { name: "${name}", tag: "${tag}" },
  interfaces: {},
  execution: {
    language: "python",
    container: { def_file: "apptainer.def" },
  },
}
`;
  }
  return `{
  schema_version: 1,
  manifest: { name: "${name}", tag: "${tag}", language: "python" },
  container: { def_file: "apptainer.def" },
  interfaces: {},
}
`;
}

/** Lists the nodes of the 1,000-node tree with their folders, formats and bases. */
function graphNodes() {
  const nodes = [];
  const perGroup = GRAPH_NODES / GRAPH_GROUPS;
  for (let group = 0; group < GRAPH_GROUPS; group++) {
    const groupFolder = `robots/group-${String(group).padStart(2, '0')}`;
    let base;
    for (let index = 0; index < perGroup; index++) {
      const number = group * perGroup + index;
      const name = `node_${String(number).padStart(4, '0')}`;
      // Ten drivers and the rest apps, one folder level deeper, so the tree is nested three and four levels down.
      const kind = index < 10 ? 'drivers' : 'apps';
      const root = `${groupFolder}/${kind}/${name}`;
      const node = { name, root, group, tag: NODE_TAG, base: undefined, format: number % 5 === 4 ? 'schema_version-1' : 'node/v1' };
      // The first node of a group is a base image; every fourth app starts from it.
      if (index === 0) base = node;
      else if (kind === 'apps' && index % 4 === 0) node.base = base;
      nodes.push(node);
    }
  }
  return nodes;
}

function imagePath(node) {
  return `dist/${node.root}/${node.name}_${node.tag}.sif`;
}

function relativeTo(node, workspacePath) {
  return posix.relative(node.root, workspacePath);
}

function definitionFile(node) {
  const header = node.base
    ? `Bootstrap: localimage\nFrom: ${relativeTo(node, imagePath(node.base))}\n`
    : 'Bootstrap: docker\nFrom: debian:bookworm-slim\n';
  return `${header}
%labels
    Name ${node.name}
    Version ${node.tag}

%files
    pyproject.toml /opt/${node.name}/pyproject.toml
    src /opt/${node.name}/src
    config/params.yaml /opt/${node.name}/config/params.yaml

%post
    apt-get update && apt-get install -y --no-install-recommends python3-minimal

%runscript
    cd /opt/${node.name}
    exec python3 -m ${node.name} "$@"
`;
}

function nodeSources(node) {
  return {
    'pyproject.toml': `[project]\nname = "${node.name}"\nversion = "${node.tag}"\nrequires-python = ">=3.11"\ndependencies = []\n`,
    [`src/${node.name}/__init__.py`]: '',
    [`src/${node.name}/__main__.py`]: `print("${node.name} running")\n`,
    'config/params.yaml': `rate_hz: ${10 + (node.group % 5) * 10}\nframe: ${node.name}\n`,
    'README.md': `# ${node.name}\n`,
  };
}

/** Returns the `project.json` a user without the plugin writes: the same two targets with the same inputs and outputs. */
function projectJson(node) {
  const build = {
    command: `apptainer build --fakeroot --force ${relativeTo(node, imagePath(node))} apptainer.def`,
    options: { cwd: '{projectRoot}' },
    cache: true,
    inputs: ['{projectRoot}/apptainer.def', '{projectRoot}/pyproject.toml', '{projectRoot}/src/**/*', '{projectRoot}/config/params.yaml'],
    outputs: [`{workspaceRoot}/${imagePath(node)}`],
  };
  if (node.base) build.dependsOn = ['^build'];
  const project = {
    name: node.name,
    projectType: 'application',
    tags: ['peppy:container', 'peppy:python'],
    ...(node.base ? { implicitDependencies: [node.base.name] } : {}),
    targets: {
      build,
      serve: {
        command: `apptainer run --cleanenv ${relativeTo(node, imagePath(node))}`,
        options: { cwd: '{projectRoot}' },
        continuous: true,
        dependsOn: ['build'],
      },
    },
  };
  return `${JSON.stringify(project, null, 2)}\n`;
}

function dockerfile(node) {
  return `FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3-minimal
COPY pyproject.toml /opt/${node.name}/pyproject.toml
COPY src /opt/${node.name}/src
COPY config/params.yaml /opt/${node.name}/config/params.yaml
WORKDIR /opt/${node.name}
CMD ["python3", "-m", "${node.name}"]
`;
}

/**
 * Writes the 1,000-node tree (25 groups, nested two folder levels below each
 * group) and returns the node names. Its three flavours share every file but
 * one or two per node. `peppy` adds nothing, because the plugin infers from
 * `peppy.json5`. `project-json` adds a `project.json` with both targets, and
 * `docker` adds a `Dockerfile` and a `project.json` with only the name.
 */
export function writeGraphTree(root, flavour) {
  const nodes = graphNodes();
  for (const node of nodes) {
    write(root, `${node.root}/peppy.json5`, nodeManifest(node.name, node.tag, node.format));
    write(root, `${node.root}/apptainer.def`, definitionFile(node));
    for (const [file, content] of Object.entries(nodeSources(node))) write(root, `${node.root}/${file}`, content);

    if (flavour === 'project-json') write(root, `${node.root}/project.json`, projectJson(node));
    else if (flavour === 'docker') {
      // @nx/docker 23.2.1 names no project, so Nx needs a project.json that only sets the name.
      write(root, `${node.root}/Dockerfile`, dockerfile(node));
      write(root, `${node.root}/project.json`, `${JSON.stringify({ name: node.name })}\n`);
    }
    else if (flavour !== 'peppy') throw new Error(`unknown tree flavour "${flavour}"`);
  }
  write(root, '.gitignore', 'node_modules/\n.nx/\ndist/\n');
  return nodes.map((node) => node.name);
}

/**
 * Writes the 20-node tree for `nx affected`: two families of localimage
 * chains and eight nodes that stand alone. Returns the nodes with their `base` names.
 */
export function writeAffectedTree(root) {
  const nodes = [];
  const add = (name, folder, base) => {
    const node = { name, root: `${folder}/${name}`, tag: NODE_TAG, group: nodes.length, base, format: 'node/v1' };
    nodes.push(node);
    return node;
  };

  // base -> ros -> {arm_driver, arm_planner} -> arm_ui; base -> vision -> {camera, lidar}
  const base = add('base', 'images');
  const ros = add('ros', 'images', base);
  const vision = add('vision', 'images', base);
  const armDriver = add('arm_driver', 'robots/arm', ros);
  add('arm_planner', 'robots/arm', ros);
  add('arm_ui', 'robots/arm', armDriver);
  add('camera', 'robots/sensors', vision);
  add('lidar', 'robots/sensors', vision);
  // A second family with its own base.
  const sim = add('sim_base', 'images');
  add('sim_world', 'sim', sim);
  add('sim_bridge', 'sim', sim);
  add('sim_teleop', 'sim', sim);
  for (let index = 0; index < 8; index++) add(`tool_${index}`, 'tools');

  for (const node of nodes) {
    write(root, `${node.root}/peppy.json5`, nodeManifest(node.name, node.tag));
    write(root, `${node.root}/apptainer.def`, definitionFile(node));
    for (const [file, content] of Object.entries(nodeSources(node))) write(root, `${node.root}/${file}`, content);
  }
  write(root, '.gitignore', 'node_modules/\n.nx/\ndist/\n');
  return nodes.map((node) => ({ name: node.name, root: node.root, base: node.base?.name }));
}

/** Writes a node whose only `%files` source is one random file of `bytes` bytes. */
export function writeLargeNode(root, folder, name, bytes) {
  write(root, `${folder}/peppy.json5`, nodeManifest(name, NODE_TAG));
  write(root, `${folder}/apptainer.def`, `Bootstrap: scratch\n\n%files\n    payload.bin /opt/payload.bin\n\n%labels\n    Name ${name}\n`);
  writeRandomFile(join(root, folder, 'payload.bin'), bytes);
}

/** Returns the definition file of the Debian test image: debootstrap of bookworm with python3-minimal. */
export function debootstrapDefinition(mirror) {
  return `Bootstrap: debootstrap
OSVersion: bookworm
MirrorURL: ${mirror}
Include: python3-minimal

%files
    src /opt/deb_node/src

%labels
    Name deb_node

%runscript
    cd /opt/deb_node
    PYTHONPATH=/opt/deb_node/src exec python3 -m deb_node "$@"
`;
}

export function writeDebootstrapNode(root, folder, mirror) {
  write(root, `${folder}/peppy.json5`, nodeManifest('deb_node', NODE_TAG));
  write(root, `${folder}/apptainer.def`, debootstrapDefinition(mirror));
  write(root, `${folder}/src/deb_node/__init__.py`, '');
  write(root, `${folder}/src/deb_node/__main__.py`, 'print("deb_node running")\n');
}

/**
 * Writes a node folder of `fileCount` files that add up to `totalBytes`, spread
 * over 100 folders. Returns the workspace-relative paths, sorted as Nx lists them.
 */
export function writeManyFilesNode(root, folder, fileCount, totalBytes) {
  const files = [];
  const size = Math.floor(totalBytes / fileCount);
  const chunk = Buffer.alloc(size);
  for (let index = 0; index < fileCount; index++) {
    const file = `${folder}/data/part-${String(index % 100).padStart(3, '0')}/file-${String(index).padStart(5, '0')}.bin`;
    randomFillSync(chunk);
    write(root, file, chunk);
    files.push(file);
  }
  return files.sort();
}
