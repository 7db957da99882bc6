"""The machine's cache of deterministic outputs, tried as a crash, a full disk, a careless
edit or another user would: a damaged or planted entry is never used, a killed build leaves
nothing behind, and a build runs once however many processes ask for it."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from lockgate.storage import cache
from lockgate.storage.cache import MANIFEST, cached, damage, key_of
from lockgate.tooling.corpus import CorpusMix, generate_corpus, generated_day

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LOCKGATE_CACHE", str(folder))
    return folder


def _build(log: Path, text: str = "letters"):
    """A build that writes two files and counts its runs in `log`."""

    def build(out: Path) -> None:
        with log.open("a") as runs:
            runs.write("built\n")
        (out / "a.txt").write_text(text)
        (out / "sub").mkdir()
        (out / "sub" / "b.bin").write_bytes(bytes(range(256)))

    return build


def _read(entry: Path) -> dict[str, bytes]:
    return {
        p.relative_to(entry).as_posix(): p.read_bytes()
        for p in sorted(entry.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def _runs(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_an_entry_is_built_once_then_read(root, tmp_path):
    log = tmp_path / "runs"
    with cached("thing", {"n": 1}, _build(log)) as entry:
        first = _read(entry)
        assert entry == root / "thing" / key_of("thing", {"n": 1})
    with cached("thing", {"n": 1}, _build(log)) as entry:
        assert _read(entry) == first == {"a.txt": b"letters", "sub/b.bin": bytes(range(256))}
    assert _runs(log) == 1
    with cached("thing", {"n": 2}, _build(log)):
        pass
    assert _runs(log) == 2
    assert oct((root / "thing").stat().st_mode & 0o777) == "0o700"


def test_a_change_of_code_makes_a_new_key(monkeypatch):
    monkeypatch.setattr(cache, "code_key", lambda: "code one")
    before = key_of("corpus", {"documents": 10})
    assert key_of("corpus", {"documents": 10}) == before
    assert key_of("corpus", {"documents": 11}) != before
    monkeypatch.setattr(cache, "code_key", lambda: "code two")
    assert key_of("corpus", {"documents": 10}) != before


def test_code_key_covers_lockgates_sources_and_the_installed_packages():
    cache.code_key.cache_clear()
    assert len(cache.code_key()) == 64 and cache.code_key() == cache.code_key()


@pytest.mark.parametrize("harm", ["edit", "symlink", "plant", "delete", "manifest"])
def test_a_damaged_entry_is_never_used_and_is_built_again(root, tmp_path, harm, caplog):
    log = tmp_path / "runs"
    with cached("thing", {}, _build(log)) as entry:
        good = _read(entry)
    outside = tmp_path / "outside.txt"
    outside.write_text("someone else's")
    if harm == "edit":
        (entry / "a.txt").write_text("letterz")  # same size, other bytes
    elif harm == "symlink":
        (entry / "a.txt").unlink()
        (entry / "a.txt").symlink_to(outside)
    elif harm == "plant":
        (entry / "sub" / "evil.py").write_text("import os")
    elif harm == "delete":
        (entry / "sub" / "b.bin").unlink()
    else:
        (entry / MANIFEST).write_text("{")
    assert damage(entry) is not None
    with caplog.at_level(logging.WARNING), cached("thing", {}, _build(log)) as again:
        assert _read(again) == good
        assert damage(again) is None
    assert _runs(log) == 2
    assert "damaged" in caplog.text
    assert outside.read_text() == "someone else's"


def test_a_file_the_build_links_is_refused(root, tmp_path):
    def build(out: Path) -> None:
        (out / "link").symlink_to(tmp_path)

    with pytest.raises(ValueError, match="regular files only: link"):
        with cached("thing", {}, build):
            pass
    assert [p.name for p in (root / "thing").iterdir()] == [f".{key_of('thing', {})}.lock"]


def test_turned_off_it_builds_every_time_and_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCKGATE_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    log = tmp_path / "runs"
    for _ in range(2):
        with cached("thing", {}, _build(log)) as entry:
            assert _read(entry)["a.txt"] == b"letters"
    assert _runs(log) == 2
    assert not entry.exists() and not (tmp_path / "xdg").exists()


@pytest.mark.parametrize("setting", ["others may write", "symbolic link", "belongs to uid"])
def test_a_cache_others_could_write_is_not_used(root, tmp_path, monkeypatch, setting, caplog):
    if setting == "others may write":
        root.mkdir(mode=0o700)
        root.chmod(0o777)
    elif setting == "symbolic link":
        (tmp_path / "elsewhere").mkdir(mode=0o700)
        root.symlink_to(tmp_path / "elsewhere")
    else:
        root.mkdir(mode=0o700)
        uid = os.geteuid()
        monkeypatch.setattr(os, "geteuid", lambda: uid + 1)
    log = tmp_path / "runs"
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            with cached("thing", {}, _build(log)) as entry:
                assert _read(entry)["a.txt"] == b"letters"
    assert _runs(log) == 2, "an untrusted cache must not be read"
    assert setting.split()[-1] in caplog.text
    assert not (root / "thing").exists() and not (tmp_path / "elsewhere" / "thing").exists()


def test_a_cache_that_cannot_be_made_is_not_used(tmp_path, monkeypatch, caplog):
    """A cache path that cannot be a directory (under a file here; a read-only home alike):
    the output is built as if there were no cache, and a warning says why."""
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("LOCKGATE_CACHE", str(tmp_path / "a-file" / "cache"))
    log = tmp_path / "runs"
    with caplog.at_level(logging.WARNING), cached("thing", {}, _build(log)) as entry:
        assert _read(entry)["a.txt"] == b"letters"
    assert _runs(log) == 1 and "not using the cache" in caplog.text


_CHILD = textwrap.dedent("""
    import os, resource, signal, sys, time
    from pathlib import Path
    from lockgate.storage.cache import cached

    mode, log = sys.argv[1], Path(sys.argv[2])

    def build(out):
        with log.open("a") as runs:
            runs.write(f"{os.getpid()}\\n")
        (out / "part").write_bytes(b"x" * 1000)
        if mode == "slow":
            time.sleep(2)
        if mode == "hang":
            time.sleep(300)
        (out / "big").write_bytes(b"y" * 200_000)

    if mode == "full":  # a disk that takes no more than 100 kB per file
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
    with cached("thing", {}, build) as entry:
        print(sorted(p.name for p in entry.iterdir()))
""")


def _child(mode: str, log: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, mode, str(log)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def test_a_killed_build_leaves_nothing_and_the_next_one_completes(root, tmp_path):
    log = tmp_path / "runs"
    hung = _child("hang", log)
    deadline = time.monotonic() + 60
    while _runs(log) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _runs(log) == 1, hung.communicate()
    time.sleep(0.3)
    hung.send_signal(signal.SIGKILL)
    hung.wait()
    folder = root / "thing"
    assert [p for p in folder.iterdir() if not p.name.endswith(".lock")], "a scratch was left"
    assert not (folder / key_of("thing", {})).exists()
    done = _child("quick", log)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    assert out.strip() == "['MANIFEST.json', 'big', 'part']"
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock")) == [
        key_of("thing", {})
    ], "the killed build's scratch is removed by the next build"


def test_a_full_disk_fails_the_build_and_keeps_nothing(root, tmp_path):
    log = tmp_path / "runs"
    full = _child("full", log)
    _, err = full.communicate(timeout=120)
    assert full.returncode != 0 and "File too large" in err
    assert [p.name for p in (root / "thing").iterdir()] == [f".{key_of('thing', {})}.lock"]


def test_processes_asking_at_once_share_one_build(root, tmp_path):
    log = tmp_path / "runs"
    children = [_child("slow", log) for _ in range(3)]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0, 0, 0], outputs
    assert {out.strip() for out, _ in outputs} == {"['MANIFEST.json', 'big', 'part']"}
    assert _runs(log) == 1


def test_a_kept_corpus_day_is_the_generators_bytes(root, tmp_path):
    direct = generate_corpus(tmp_path / "landing", tmp_path / "labels", "2026-11-20", 30, seed=5)
    for _ in range(2):
        with generated_day("2026-11-20", 30, seed=5) as (landing, labels, summary):
            assert _read(landing) == _read(tmp_path / "landing")
            assert _read(labels) == _read(tmp_path / "labels")
            assert (summary.documents, summary.by_format) == (30, direct.by_format)
    inputs = {
        "run_date": "2026-11-20",
        "documents": 30,
        "seed": 5,
        "broken_share": 0.03,
        "mix": asdict(CorpusMix()),
    }
    entry = root / "corpus" / key_of("corpus", json.loads(json.dumps(inputs)))
    assert entry.is_dir() and damage(entry) is None
