#!/usr/bin/env bash
# axe-core (Deque's accessibility rules, from the npm registry) for the browser tests
# (tests/e2e/accessibility.py): installed once under var/axe/, then only checked.
#
#   scripts/ensure-axe.sh        # prints the path of axe.min.js
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.14.1
PREFIX=var/axe
FILE="$PREFIX/node_modules/axe-core/axe.min.js"

if [ "$(cat "$PREFIX/.version" 2>/dev/null)" != "$VERSION" ] || [ ! -f "$FILE" ]; then
  if ! command -v npm >/dev/null; then
    scripts/apt-install.sh npm >&2
  fi
  echo "==> installing axe-core $VERSION into $PREFIX" >&2
  rm -rf "$PREFIX"
  mkdir -p "$PREFIX"
  npm install --prefix "$PREFIX" --no-save --no-audit --no-fund --silent "axe-core@$VERSION" >&2
  echo "$VERSION" >"$PREFIX/.version"
fi
echo "$(pwd)/$FILE"
