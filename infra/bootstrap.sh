#!/usr/bin/env bash
# Creates .venv with the exact package set in constraints.txt. Idempotent; `make install` calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
command -v java >/dev/null || { echo "bootstrap: Java 17+ is required for Spark (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
"$PYTHON" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 14) else 1)' \
  || { echo "bootstrap: Python 3.11-3.13 is required, found $("$PYTHON" --version)" >&2; exit 1; }

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check "uv==0.13.9"
.venv/bin/uv pip install -q -p .venv/bin/python -c constraints.txt -e ".[dev]"
# apache-airflow-providers-apache-spark pulls pyspark-client, which overwrites files of pyspark:
# put the real engine back as the very last step. Uninstall, then install: `--reinstall` also
# refreshes the cache, and pyspark is an sdist, so every install built it again and left
# another 0.5-1.4 GB build in uv's cache (55 of them, 58 GB, had filled this machine's disk).
PYSPARK_PIN=$(grep -E '^pyspark==' constraints.txt)
.venv/bin/uv pip uninstall -q -p .venv/bin/python pyspark
.venv/bin/uv pip install -q -p .venv/bin/python --no-deps "$PYSPARK_PIN"
.venv/bin/python - <<'PY'
import importlib.metadata as md
import pyspark
assert pyspark.__version__ == md.version("pyspark"), (pyspark.__version__, md.version("pyspark"))
print(f"bootstrap: pyspark {pyspark.__version__}, airflow {md.version('apache-airflow')}, "
      f"great-expectations {md.version('great-expectations')}, mlflow {md.version('mlflow')}")
PY
# pyspark is an sdist, and the package index here sends no caching headers, so every install
# in a new clone downloads and builds it again (1.4 GB) under a new revision in uv's cache;
# the old revisions are never read again. Drop them (uv's own pruning: only unreachable
# entries go) so clones and CI runs do not fill the disk.
.venv/bin/uv cache prune -q
# GX's Data Docs pages load their scripts and styles from public CDNs; the UI serves these
# instead (lockgate/validation/datadocs.py), from the npm registry at the locked versions.
if command -v npm >/dev/null; then
  npm ci --prefix infra/datadocs --ignore-scripts --no-audit --no-fund --loglevel=error
else
  echo "bootstrap: npm not found: Data Docs pages will need the internet for their styles (apt-get install npm)" >&2
fi
# A release compiles tree models to native code with the C compiler (lockgate.release.compile).
command -v gcc >/dev/null || echo "bootstrap: gcc not found: releases will score tree models through skops, not compiled (apt-get install gcc)" >&2
touch .venv/.installed
