"""Who is acting, and which approver roles they hold.

Identities are strings `<source>:<name>`. The CLI acts as the operating-system account that
runs it, read from the process's real uid: environment variables ($USER, $LOGNAME,
$LOCKGATE_USER) cannot change it. Airflow tasks act as the Airflow user who triggered the run.
Roles come from infra/access/<profile>.toml, or $LOCKGATE_HOME/access.toml when the site keeps
its own (a directory only the service account can write).
"""

from __future__ import annotations

import os
import pwd
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from lockgate.config import Settings


def cli_identity() -> str:
    """The account running this process, as the kernel knows it."""
    return f"os:{pwd.getpwuid(os.getuid()).pw_name}"


def airflow_identity(context: dict) -> str:
    """The Airflow user who triggered the DAG run; scheduled runs act as the scheduler."""
    user = getattr(context.get("dag_run"), "triggering_user_name", None)
    return f"airflow:{user}" if user else "airflow:scheduler"


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
    return (
        site
        if site.exists()
        else settings.repo_root / "infra" / "access" / f"{settings.profile}.toml"
    )


def _read_access(settings: Settings) -> dict:
    path = _access_file(settings)
    return tomllib.loads(path.read_text()) if path.exists() else {}


def load_access(settings: Settings) -> Access:
    roles = _read_access(settings).get("roles", {})
    return Access({role: frozenset(people) for role, people in roles.items()},
                  str(_access_file(settings)))  # fmt: skip


def airflow_users(settings: Settings) -> dict[str, str]:
    """Who signs in to Airflow and with which Airflow role (`[airflow.users]` of the access
    file); an admin alone when the file names nobody."""
    return _read_access(settings).get("airflow", {}).get("users") or {"admin": "admin"}
