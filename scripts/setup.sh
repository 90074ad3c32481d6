#!/usr/bin/env bash
# Sets up arena in this clone: a virtual environment in .venv with arena installed
# (editable), and the pinned Showdown server installed from the lockfile by `arena setup`
# and the dashboard's charting library (in the per-user data directory, or $ARENA_HOME).
# Usage: bash scripts/setup.sh [--dev]     (--dev adds the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
[[ "${1:-}" == "--dev" ]] && extras="[dev]"

command -v node >/dev/null || { echo "arena needs Node.js 18+ (node not found on PATH)" >&2; exit 1; }
node_major=$(node -p 'process.versions.node.split(".")[0]')
(( node_major >= 18 )) || { echo "arena needs Node.js 18+, found $(node --version)" >&2; exit 1; }

[[ -x .venv/bin/python ]] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -c 'import torch' 2>/dev/null || .venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".${extras}"

if [[ -n "$extras" ]] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
    && ! command -v initdb >/dev/null && (( EUID == 0 )) && command -v apt-get >/dev/null; then
  # the tests run the store against a real PostgreSQL server they start themselves
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
    || echo "PostgreSQL could not be installed: its store tests will be skipped" >&2
fi

if [[ -n "$extras" ]] && ! [[ -x /usr/bin/chromium ]] && (( EUID == 0 )) && command -v apt-get >/dev/null; then
  # the dashboard's tests drive Debian's Chromium with Playwright (no browser downloads)
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || echo "Chromium could not be installed: the dashboard's browser tests will be skipped" >&2
fi

.venv/bin/arena setup
echo "arena is set up: .venv/bin/arena --help"
