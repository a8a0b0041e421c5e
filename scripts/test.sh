#!/usr/bin/env bash
# Sets up a fresh clone, then runs the unit tests and the end-to-end tests
# with the real Apptainer.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
npm run test:unit
npm run test:e2e
