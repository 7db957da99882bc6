"""Which process holds a deploying change, and whether it is still alive.

A token names the host, its boot, the pid and the process's start time (from /proc), so a pid
reused after a crash or a reboot is not taken for the process that died. A process on another
host cannot be looked at: its hold ends with its lease.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lockgate.release.ledger import timestamp

# How long a deploy on another host may hold a change without finishing: verification loads
# every model of the release and scores its canaries, a few minutes at most.
LEASE = timedelta(minutes=30)


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown-boot"


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # fields after the command name start at 3


def token(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}|{_boot_id()}|{pid}|{_start_time(pid)}"


def lease_until() -> str:
    return timestamp(datetime.now(UTC) + LEASE)


def holds(owner: str | None, lease: str | None) -> bool:
    """True while the process named by `owner` may still be deploying."""
    if not owner:
        return False
    try:
        host, boot, pid, started = owner.split("|")
    except ValueError:
        return False
    if host == socket.gethostname():
        return boot == _boot_id() and started != "None" and _start_time(int(pid)) == started
    return bool(lease) and timestamp(datetime.now(UTC)) < lease


def describe(owner: str | None) -> str:
    if not owner:
        return "an unknown process"
    host, _, pid, _ = (owner.split("|") + ["?"] * 4)[:4]
    return f"process {pid} on {host}"
