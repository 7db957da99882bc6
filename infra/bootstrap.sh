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
# put the real engine back as the very last step.
PYSPARK_PIN=$(grep -E '^pyspark==' constraints.txt)
.venv/bin/uv pip install -q -p .venv/bin/python --no-deps --reinstall "$PYSPARK_PIN"
.venv/bin/python - <<'PY'
import importlib.metadata as md
import pyspark
assert pyspark.__version__ == md.version("pyspark"), (pyspark.__version__, md.version("pyspark"))
print(f"bootstrap: pyspark {pyspark.__version__}, airflow {md.version('apache-airflow')}, "
      f"great-expectations {md.version('great-expectations')}, mlflow {md.version('mlflow')}")
PY
touch .venv/.installed
