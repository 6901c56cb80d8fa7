#!/usr/bin/env bash
# `npm run mutation -- --mutants N [--seed S] [--only <group|file>] [--out DIR]`:
# the mutation sample of the reference store (scripts/mutation/). Node 24,
# dependencies and the toolchain first, like rehearse.sh; then exec, so a
# Ctrl-C or a supervisor's SIGTERM reaches the sampler, which stops the
# current run (healing its faults and stopping its stack) and reports what ran.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$(scripts/ensure-node.sh):$PATH"
scripts/ensure-deps.sh
node bin/peakdrill.js setup >&2
exec node scripts/mutation/mutation-cli.ts "$@"
