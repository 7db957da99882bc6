"""Who is acting, and which approver roles they hold.

Identities are strings `<source>:<name>`. The CLI acts as the operating-system account that
runs it, read from the process's real uid: environment variables ($USER, $LOGNAME,
$LOCKGATE_USER) cannot change it. Airflow tasks act as the Airflow user who triggered the run.
Roles come from infra/access/<profile>.toml of the installation, or $LOCKGATE_HOME/access.toml
when the site keeps its own: a file the service account owns and nobody else can write, or it is
refused. Every change of roles or policy is an audited event with the files' digests.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lockgate.config import ConfigError, Settings, read_toml_file

SOURCES = ("os", "airflow", "lockgate", "demo")
_DAG_RUN = re.compile(r"^airflow:(?P<dag_id>[\w.-]+):(?P<run_id>.+)$")


def identity(source: str, *names: str) -> str:
    """The one spelling of an actor: `os:<account>`, `airflow:<user>`, `airflow:<dag_id>:<run_id>`
    (a task of a DAG run), `lockgate:<rule>` (the platform acting on a rule of its policy)."""
    if source not in SOURCES or not names or not all(names):
        raise ValueError(f"an identity is one of {SOURCES} and a name, not {source!r} {names!r}")
    return ":".join((source, *names))


def dag_run_of(actor: str | None) -> dict | None:
    """{dag_id, run_id} when `actor` is a task of a DAG run (`identity("airflow", dag, run)`)."""
    match = _DAG_RUN.match(actor or "")
    return match.groupdict() if match else None


def cli_identity() -> str:
    """The account running this process, as the kernel knows it."""
    return identity("os", os_account())


def os_account() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def airflow_identity(context: dict) -> str:
    """Who triggered the DAG run: the Airflow user who signed in to the UI or API, or `os:<name>`
    for a run triggered with `lockgate airflow dags trigger` (the OS account that ran it: see
    `trigger_environment`); scheduled runs act as the scheduler."""
    user = getattr(context.get("dag_run"), "triggering_user_name", None)
    if not user:
        return identity("airflow", "scheduler")
    return user if user.startswith("os:") else identity("airflow", user)


def trigger_environment(env: dict[str, str]) -> dict[str, str]:
    """`env` for Airflow's `dags trigger`, which records the triggering user from `getpass`
    (LOGNAME, USER, LNAME, USERNAME, whatever the caller set): all four name the process's real
    uid, as `os:<name>`, so that the run acts as the OS account that triggered it."""
    who = cli_identity()
    return env | {name: who for name in ("LOGNAME", "USER", "LNAME", "USERNAME")}


@dataclass(frozen=True)
class Access:
    """Role -> identities holding it."""

    roles: dict[str, frozenset[str]] = field(default_factory=dict)
    source: str = ""

    def holds(self, identity: str, role: str) -> bool:
        return identity in self.roles.get(role, frozenset())

    def roles_of(self, identity: str) -> list[str]:
        return sorted(r for r, people in self.roles.items() if identity in people)


def _access_file(settings: Settings) -> Path:
    site = Path(settings.home) / "access.toml"
    if not os.path.lexists(site):
        return settings.repo_root / "infra" / "access" / f"{settings.profile}.toml"
    problem = _untrusted(site)
    if problem:
        raise ConfigError(
            f"refusing the site's access file: {problem}; roles are granted only "
            "by a file this service account owns and no one else can write"
        )
    return site


def _untrusted(path: Path) -> str | None:
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return f"{path} is a symbolic link"
    if info.st_uid != os.getuid():
        return f"{path} belongs to uid {info.st_uid}, not to this service account ({os.getuid()})"
    if info.st_mode & 0o022:
        return f"{path} has mode {stat.S_IMODE(info.st_mode):04o}: others can write it"
    return None


def _read_access(settings: Settings) -> dict:
    if zipfile.is_zipfile(settings.repo_root):  # a YARN container reads no roles
        return {}
    path = _access_file(settings)
    return read_toml_file(path) if path.exists() else {}


def installation_digest(settings: Settings) -> dict:
    """The sha256 of the access file and of each release-policy file in use: a change of roles
    or policy shows as a change of this, and is audited (`ChangeManager.record_installation`)."""
    infra = settings.repo_root / "infra" / "envs"
    files = {
        "access": _access_file(settings),
        **{f"policy:{p.stem}": p for p in sorted(infra.glob("*.toml"))},
    }
    return {
        name: {
            "path": str(path),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None,
        }
        for name, path in files.items()
    }


def load_access(settings: Settings) -> Access:
    roles = _read_access(settings).get("roles", {})
    return Access(
        {role: frozenset(people) for role, people in roles.items()}, str(_access_file(settings))
    )


def airflow_users(settings: Settings) -> dict[str, str]:
    """Who signs in to Airflow and with which Airflow role (`[airflow.users]` of the access
    file); an admin alone when the file names nobody."""
    return _read_access(settings).get("airflow", {}).get("users") or {"admin": "admin"}
