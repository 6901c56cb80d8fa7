#!/usr/bin/env bash
# The quick start's main command: installs the toolchain, brings up the default
# local stack, checks it, and takes it down again (always, even on failure or
# Ctrl-C). Later issues turn this into the region-failover game day.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$(scripts/ensure-node.sh):$PATH"
[ -d node_modules ] || npm install --no-audit --no-fund
peakdrill() { node bin/peakdrill.js "$@"; }
peakdrill setup
trap 'peakdrill stack down' EXIT
peakdrill stack up
peakdrill stack status
peakdrill doctor
