#!/usr/bin/env bash
# Installs the npm dependencies when node_modules is missing or older than
# package.json / package-lock.json; otherwise does nothing. Expects the Node
# that ensure-node.sh chose to be first on PATH, so npm runs on it.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ] && [ "$stamp" -nt package.json ]; then exit 0; fi
# `npm install`, not `npm ci`: npm 11 rejects its own lockfile in `npm ci` when
# a registry lacks some platform's optional package (npm/cli#9846). install
# still takes the locked versions, and the committed lockfile already holds
# what install writes, so a clone stays clean.
npm install --no-audit --no-fund
