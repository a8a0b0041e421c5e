#!/usr/bin/env bash
# The main job, end to end on this machine. It sets up, creates an Nx
# workspace with the packed plugin and scaffolds a Python container node.
# Then it builds the image with the real Apptainer, runs it, and builds again
# to show the cache hit.
#
# No container registry is reachable here, so the generated `Bootstrap: docker`
# header is swapped for a Debian image made by debootstrap from the Debian
# mirror, with python3 from Debian instead of uv.
#
# Environment:
#   NX_PEPPY_DEMO_DIR        workspace folder (default /tmp/nx-peppy-demo, recreated)
#   NX_PEPPY_DEBIAN_MIRROR   Debian mirror (default http://deb.debian.org/debian)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
demo=${NX_PEPPY_DEMO_DIR:-/tmp/nx-peppy-demo}
mirror=${NX_PEPPY_DEBIAN_MIRROR:-http://deb.debian.org/debian}

bash "$repo/scripts/setup.sh"

step() { printf '\n=== %s\n' "$*"; }

step "packing the plugin"
pack_dir=$(mktemp -d)
(cd "$repo/packages/nx-peppy" && npm pack --silent --pack-destination "$pack_dir" >/dev/null)
tarball=$(ls "$pack_dir"/*.tgz)

step "creating the workspace $demo"
rm -rf "$demo"
mkdir -p "$demo"
cd "$demo"
git init -q
printf '{ "name": "robot-workspace", "private": true }\n' >package.json
printf '{}\n' >nx.json
nx_version=$(node -p "require('$repo/node_modules/nx/package.json').version")
npm install --silent --no-audit --no-fund -D "nx@$nx_version" "$tarball"

# The Apptainer the tests use: native when installed, else the test root wrapper.
if ! command -v apptainer >/dev/null 2>&1 || grep -q NX_PEPPY_APPTAINER_ROOT "$(command -v apptainer)"; then
  export PATH="$repo/e2e/support/apptainer/bin:$PATH"
fi
export NX_DAEMON=false NX_TUI=false NX_NO_CLOUD=true

step "nx g nx-peppy:node my_node --container"
npx nx g nx-peppy:node my_node --container --directory nodes/my_node
cat nodes/my_node/peppy.json5

step "switching the definition file to an offline Debian base"
def=nodes/my_node/apptainer.def
{
  printf 'Bootstrap: debootstrap\nOSVersion: bookworm\nMirrorURL: %s\nInclude: python3\n\n' "$mirror"
  # Keep the generated %labels and %files; run the module with Debian's python3.
  sed -n '/^%labels/,/^%post/p' "$def" | sed '$d'
  printf '%%runscript\n    cd /opt/my_node\n    PYTHONPATH=/opt/my_node/src exec python3 -m my_node "$@"\n'
} >"$def.new"
mv "$def.new" "$def"
cat "$def"

step "nx build my_node"
npx nx build my_node

step "apptainer inspect --labels"
apptainer inspect --labels dist/nodes/my_node/my_node_0.1.0.sif

step "nx serve my_node"
npx nx serve my_node

step "nx build my_node again: restored from the Nx cache"
rm dist/nodes/my_node/my_node_0.1.0.sif
npx nx build my_node

rm -rf "$pack_dir"
step "done: the workspace is in $demo"
