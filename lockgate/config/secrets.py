"""Secret files: created readable by their owner only, and refused when anyone else could read
or replace them.

A secret is written to a scratch file opened with mode 0600 (never a wider mode narrowed
afterwards) and renamed into place. Reading refuses a symlink, a file of another account, and a
file that its group or other users can read or write: a secret that leaked is not used as if it
had not.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class UnsafeSecret(RuntimeError):
    """A secret file that others can read or replace."""


def write_secret(path: Path, data: bytes) -> None:
    """Write `data` to `path`, mode 0600, in its own directory (mode 0700 when it is made)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(scratch, path)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise


def unsafe(path: Path) -> str | None:
    """Why the secret at `path` may not be trusted, or None when only its owner (this account)
    can read and write it."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return f"{path} does not exist"
    if stat.S_ISLNK(info.st_mode):
        return f"{path} is a symbolic link"
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a regular file"
    if info.st_uid != os.getuid():
        return f"{path} belongs to uid {info.st_uid}, not to this account (uid {os.getuid()})"
    if info.st_mode & 0o077:
        return (
            f"{path} has mode {stat.S_IMODE(info.st_mode):04o}; a secret is readable by its "
            f"owner only (chmod 600 {path}, and replace the secret: it may have leaked)"
        )
    return None


def read_secret(path: Path) -> bytes:
    """The bytes of a secret that only this account can read; UnsafeSecret otherwise."""
    problem = unsafe(path)
    if problem:
        raise UnsafeSecret(f"refusing to use a secret: {problem}")
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        return handle.read()
