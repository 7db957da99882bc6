"""The `lockgate` command line."""

from lockgate.cli.main import main

__all__ = ["main"]
