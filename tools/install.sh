#!/usr/bin/env bash
# Prepares tools/ for the tests: node modules from the lock file, then specs.
# Re-runs `npm ci` only when node_modules is missing or the lock file changed.
set -euo pipefail

tools="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stamp="$tools/node_modules/.switchboard-lock.sha256"
want="$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)"

if [[ -d "$tools/node_modules" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "install: $tools/node_modules matches package-lock.json"
else
  echo "install: npm ci --prefix $tools"
  npm ci --prefix "$tools" --no-audit --no-fund
  printf '%s' "$want" >"$stamp"
fi

"$tools/fetch-specs.sh"
