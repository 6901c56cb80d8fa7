#!/usr/bin/env bash
# The quick start's main command: installs the toolchain, then runs the
# region-failover game day end to end on a local stack of its own (started for
# the run and stopped after it, even on failure or Ctrl-C): a flash sale at
# compressed speed, region a lost mid-sale, failover to region b, a failback
# drill, then the checkers. Ends with the verdict and the path of the report;
# exits 0 when every assertion passed. Extra arguments go to `peakdrill run`
# (e.g. --defect slow-failover to watch the harness catch a slow cutover).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$(scripts/ensure-node.sh):$PATH"
scripts/ensure-deps.sh
node bin/peakdrill.js setup
# exec: a signal sent to this script's pid (a CI cancel, a supervisor) reaches
# peakdrill itself, which heals its faults and stops its stack.
exec node bin/peakdrill.js run region-failover "$@"
