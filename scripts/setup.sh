#!/usr/bin/env bash
# Prepares a fresh clone: npm packages, the compiled plugin, and a real
# Apptainer (native when installed, otherwise the bubblewrap test root).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo '[setup] installing npm packages'
npm ci --no-audit --no-fund

echo '[setup] building the plugin'
npm run build --silent

echo '[setup] preparing Apptainer'
bash e2e/support/apptainer/setup.sh
