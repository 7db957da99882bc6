"""Outputs that are a pure function of their inputs and of the code that makes them (a generated
corpus, the name model trained on generated letters), built once per machine and reused by
every home, like pip's wheel cache.

An entry is a directory named by the digest of its kind, its inputs and `code_key()` (lockgate's
sources, every installed distribution's version, Python and platform), so any change to the code
or a package makes a new entry and nothing stale is ever read. Each entry carries a manifest of
its files' sizes and sha256; one that does not match it (an edited file, a symlink, a file added
or missing, a build killed half way) is never used: it is built again. A build runs once under
an exclusive lock while other processes wait for it, in a scratch directory renamed into place
when complete, so a crash or a full disk leaves no entry behind.

The cache is `LOCKGATE_CACHE` (default `$XDG_CACHE_HOME/lockgate`, else `~/.cache/lockgate`);
`LOCKGATE_CACHE=off` builds every time. A cache directory that is not the user's own, or that
others may write, is not used (others could plant an entry): the output is built instead and a
warning says why.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import logging
import os
import platform
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from lockgate.storage.files import sha256_file

log = logging.getLogger(__name__)

MANIFEST = "MANIFEST.json"


def cache_root() -> Path | None:
    """The cache directory, or None when it is turned off or cannot be trusted."""
    configured = os.environ.get("LOCKGATE_CACHE", "")
    if configured.lower() == "off":
        return None
    if configured:
        root = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        root = Path(base) / "lockgate"
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:  # a read-only home, a path through a file: build without a cache
        log.warning("not using the cache %s: %s; building instead", root, exc)
        return None
    problem = _untrusted(root)
    if problem:
        log.warning("not using the cache %s: %s; building instead", root, problem)
        return None
    return root


def _untrusted(path: Path) -> str | None:
    """Why a directory of the cache may hold what someone else put there (None if it may not)."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a directory"
    if info.st_uid != os.geteuid():
        return f"it belongs to uid {info.st_uid}, not to this user ({os.geteuid()})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"others may write to it (mode {stat.S_IMODE(info.st_mode):o})"
    return None


@functools.cache
def code_key() -> str:
    """Digest of what an entry's content may depend on besides its inputs: lockgate's source
    files, the name and version of every installed distribution, Python and the platform."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(source.read_bytes()).digest())
    installed = sorted(
        f"{dist.metadata['Name']}=={dist.version}" for dist in metadata.distributions()
    )
    digest.update("\n".join(installed).encode())
    digest.update(f"{sys.version}|{platform.platform()}".encode())
    return digest.hexdigest()


def _files(root: Path) -> dict[str, os.stat_result]:
    """Every entry under `root` but the manifest, by relative path, not following links."""
    found = {}
    for folder, dirs, names in os.walk(root):
        for name in dirs + names:
            path = Path(folder, name)
            info = os.lstat(path)
            if not stat.S_ISDIR(info.st_mode):
                found[path.relative_to(root).as_posix()] = info
    found.pop(MANIFEST, None)
    return found


def _write_manifest(root: Path, kind: str, inputs: dict) -> None:
    files = {}
    for name, info in sorted(_files(root).items()):
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"a cache entry holds regular files only: {name} is not one")
        files[name] = {"size": info.st_size, "sha256": sha256_file(root / name)}
    manifest = {"kind": kind, "inputs": inputs, "code_key": code_key(), "files": files}
    (root / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))


def damage(entry: Path) -> str | None:
    """What is wrong with a cache entry (None when every file is as its manifest says)."""
    try:
        listed = json.loads((entry / MANIFEST).read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"no readable manifest ({exc.__class__.__name__})"
    present = _files(entry)
    if set(present) != set(listed):
        extra, missing = set(present) - set(listed), set(listed) - set(present)
        return f"files added {sorted(extra)[:3]} or missing {sorted(missing)[:3]}"
    for name, expected in listed.items():
        info = present[name]
        if not stat.S_ISREG(info.st_mode):
            return f"{name} is not a regular file"
        if info.st_size != expected["size"] or sha256_file(entry / name) != expected["sha256"]:
            return f"{name} differs from its manifest"
    return None


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def key_of(kind: str, inputs: dict) -> str:
    """The name of the entry for `inputs` under this code: the same inputs and code, the same key."""
    payload = {"kind": kind, "inputs": inputs, "code": code_key()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@contextmanager
def cached(kind: str, inputs: dict, build: Callable[[Path], None]) -> Iterator[Path]:
    """A directory holding what `build(directory)` writes for `inputs`: an intact entry of the
    cache, built first (once, other processes waiting) when there is none. Read it inside the
    `with`; never write to it. With no usable cache it is a temporary directory built now."""
    root = cache_root()
    if root is None:
        with tempfile.TemporaryDirectory(prefix=f"lockgate-{kind}-") as scratch:
            build(Path(scratch))
            yield Path(scratch)
        return
    key = key_of(kind, inputs)
    folder = root / kind
    folder.mkdir(mode=0o700, exist_ok=True)
    problem = _untrusted(folder)
    if problem:
        raise PermissionError(f"cache folder {folder}: {problem}; remove it")
    entry = folder / key
    # Held while the caller reads, so that no other process replaces the entry meanwhile.
    with _locked(folder / f".{key}.lock"):
        problem = damage(entry) if entry.exists() or entry.is_symlink() else "absent"
        if problem:
            if problem != "absent":
                log.warning("cache entry %s is damaged (%s): building it again", entry, problem)
                _remove(entry)
            for dead in folder.glob(f".{key}.*"):  # scratch of a build that was killed
                if dead.is_dir() and not dead.is_symlink():
                    shutil.rmtree(dead)
            scratch = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=folder))
            try:
                build(scratch)
                _write_manifest(scratch, kind, inputs)
                os.rename(scratch, entry)
            except BaseException:
                shutil.rmtree(scratch, ignore_errors=True)
                raise
        yield entry


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink()
    else:
        shutil.rmtree(path)
