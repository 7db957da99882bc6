#!/usr/bin/env bash
# Re-resolves constraints.txt from pyproject.toml in a scratch venv (run after changing dependencies).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q "uv==0.13.9"
"$tmp/venv/bin/uv" pip install -q -p "$tmp/venv/bin/python" ".[dev]"
"$tmp/venv/bin/uv" pip freeze -p "$tmp/venv/bin/python" --exclude-editable \
  | grep -v -E '^lockgate( |=|@)' > constraints.txt
echo "constraints.txt: $(wc -l < constraints.txt) pins"
