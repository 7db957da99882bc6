"""Helpers shared by the suites that drive lockgate as a user would (subprocesses, real services)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(args, env, check=True, timeout=1200, cwd=REPO) -> subprocess.CompletedProcess:
    """Run a command; on an unexpected exit code fail with the end of its output."""
    result = subprocess.run(args, env=env, cwd=cwd, text=True, capture_output=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{args} exited {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result
