#!/usr/bin/env bash
# The quick start's test command (`npm test`): the whole suite on a machine
# that may have nothing but an old Node and npm. Puts the pinned Node 24 first
# on PATH (ensure-node.sh), installs the npm dependencies when they are missing
# or older than the lockfile, installs the toolchain (`peakdrill setup`,
# idempotent, cached under ~/.cache/peakdrill), then lint, type checks and every
# test. Extra arguments go to vitest (e.g. `npm test -- src/checkers`).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$(scripts/ensure-node.sh):$PATH"
scripts/ensure-deps.sh
node bin/peakdrill.js setup
npx biome check .
npx tsc -p tsconfig.json
npx tsc -p tsconfig.k6.json
exec npx vitest run "$@"
