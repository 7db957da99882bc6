"""The release ledger: releases, change requests, environment pointers and a hash-chained audit log.

Every state change and its audit entry are written in one transaction, so the ledger
and its audit trail cannot disagree.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine

GENESIS_HASH = "0" * 64

metadata = MetaData()
releases = Table(
    "releases",
    metadata,
    Column("release_id", String(80), primary_key=True),
    Column("bundle", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
)
changes = Table(
    "change_requests",
    metadata,
    Column("change_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("environment", String(20), nullable=False),
    Column("release_id", String(80), nullable=False),
    Column("state", String(20), nullable=False),
    Column("author", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)
pointers = Table(
    "environment_pointers",
    metadata,
    Column("environment", String(20), primary_key=True),
    Column("release_id", String(80), nullable=False),
    Column("change_id", Integer, nullable=False),
    Column("deployed_by", String(200), nullable=False),
    Column("deployed_at", String(40), nullable=False),
)
audit = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("ts", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(60), nullable=False),
    Column("environment", String(20)),
    Column("subject", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def entry_hash(entry: dict[str, Any]) -> str:
    """sha256 of an audit entry's content and the hash of the entry before it."""
    fields = {k: entry[k] for k in ("seq", "ts", "actor", "action", "environment", "subject",
                                      "payload", "prev_hash")}  # fmt: skip
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    entries: int
    first_broken_seq: int | None = None
    problem: str | None = None


class Ledger:
    """One ledger database (SQLite file on the embedded default, PostgreSQL on the cluster)."""

    def __init__(self, url: str, engine: Engine | None = None):
        self.engine = engine or create_engine(url, future=True)
        metadata.create_all(self.engine)

    # -- audit ---------------------------------------------------------------------------------
    def append_audit(
        self,
        conn: Connection,
        actor: str,
        action: str,
        subject: str,
        payload: dict,
        environment: str | None = None,
    ) -> dict:
        last = conn.execute(select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1))
        row = last.first()
        entry = {
            "seq": (row.seq + 1) if row else 1,
            "ts": utcnow(),
            "actor": actor,
            "action": action,
            "environment": environment,
            "subject": subject,
            "payload": json.dumps(payload, sort_keys=True, default=str),
            "prev_hash": row.hash if row else GENESIS_HASH,
        }
        entry["hash"] = entry_hash(entry)
        conn.execute(insert(audit).values(**entry))
        return entry

    def audit_entries(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(audit).order_by(audit.c.seq))]

    def verify_audit(self) -> ChainReport:
        """Walk the chain: contiguous sequence numbers, each entry linked to and hashed over the last."""
        entries = self.audit_entries()
        previous_hash = GENESIS_HASH
        for position, entry in enumerate(entries, start=1):
            if entry["seq"] != position:
                return ChainReport(False, len(entries), entry["seq"],
                                   f"expected entry {position}, found {entry['seq']} (deleted or reordered)")  # fmt: skip
            if entry["prev_hash"] != previous_hash:
                return ChainReport(False, len(entries), entry["seq"],
                                   "does not link to the entry before it")  # fmt: skip
            if entry_hash(entry) != entry["hash"]:
                return ChainReport(False, len(entries), entry["seq"],
                                   "content does not match its hash (edited)")  # fmt: skip
            previous_hash = entry["hash"]
        return ChainReport(True, len(entries))

    # -- releases and changes -----------------------------------------------------------------
    def release(self, release_id: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(releases).where(releases.c.release_id == release_id)).first()
        if row is None:
            return None
        return dict(row._mapping) | {"bundle": json.loads(row.bundle)}

    def record_release(self, release_id: str, bundle: dict, actor: str) -> bool:
        """Store an immutable bundle; False if it was already there (same id = same content)."""
        with self.engine.begin() as conn:
            exists = conn.execute(
                select(releases.c.release_id).where(releases.c.release_id == release_id)
            ).first()
            if exists:
                return False
            conn.execute(
                insert(releases).values(
                    release_id=release_id,
                    bundle=json.dumps(bundle, sort_keys=True),
                    created_at=utcnow(),
                    created_by=actor,
                )
            )
            self.append_audit(conn, actor, "release.built", release_id,
                              {"models": bundle["models"], "code": bundle["code"]})  # fmt: skip
        return True

    def open_change(
        self, kind: str, environment: str, release_id: str, author: str, reason: str
    ) -> int:
        now = utcnow()
        with self.engine.begin() as conn:
            change_id = conn.execute(
                insert(changes).values(
                    kind=kind,
                    environment=environment,
                    release_id=release_id,
                    state="open",
                    author=author,
                    reason=reason,
                    created_at=now,
                    updated_at=now,
                )  # fmt: skip
            ).inserted_primary_key[0]
            self.append_audit(conn, author, "change.opened", f"change-{change_id}",
                              {"kind": kind, "release_id": release_id, "reason": reason},
                              environment)  # fmt: skip
        return int(change_id)

    def change(self, change_id: int) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(select(changes).where(changes.c.change_id == change_id)).first()
        if row is None:
            raise KeyError(f"no change request {change_id}")
        return dict(row._mapping)

    def set_change_state(
        self, change_id: int, expected: str, new: str, actor: str, detail: dict
    ) -> None:
        """Move a change from `expected` to `new`; refused if another process moved it first."""
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(changes)
                .where(changes.c.change_id == change_id, changes.c.state == expected)
                .values(state=new, updated_at=utcnow())
            ).rowcount
            if moved != 1:
                raise IllegalTransition(
                    f"change {change_id} is not {expected!r}; cannot move it to {new!r}"
                )
            env = conn.execute(
                select(changes.c.environment).where(changes.c.change_id == change_id)
            ).scalar_one()
            self.append_audit(conn, actor, f"change.{new}", f"change-{change_id}", detail, env)

    def move_pointer(self, change_id: int, actor: str) -> None:
        """Point the change's environment at its release and mark the change deployed, atomically."""
        with self.engine.begin() as conn:
            change = conn.execute(select(changes).where(changes.c.change_id == change_id)).one()
            if change.state != "approved":
                raise IllegalTransition(f"change {change_id} is {change.state!r}, not approved")
            previous = conn.execute(
                select(pointers).where(pointers.c.environment == change.environment)
            ).first()
            values = dict(
                release_id=change.release_id, change_id=change_id,
                deployed_by=actor, deployed_at=utcnow(),
            )  # fmt: skip
            if previous:
                conn.execute(
                    update(pointers)
                    .where(pointers.c.environment == change.environment)
                    .values(**values)
                )
            else:
                conn.execute(insert(pointers).values(environment=change.environment, **values))
            conn.execute(
                update(changes).where(changes.c.change_id == change_id)
                .values(state="deployed", updated_at=values["deployed_at"])
            )  # fmt: skip
            self.append_audit(
                conn, actor, "deployment.completed", f"change-{change_id}",
                {"release_id": change.release_id,
                 "previous_release_id": previous.release_id if previous else None},
                change.environment,
            )  # fmt: skip

    def deployed_bundle(self, environment: str) -> dict | None:
        """The bundle of the release `environment` points at, or None when nothing is deployed."""
        pointer = self.pointer(environment)
        return self.release(pointer["release_id"])["bundle"] if pointer else None

    def pointer(self, environment: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(pointers).where(pointers.c.environment == environment)
            ).first()
        return dict(row._mapping) if row else None


class IllegalTransition(RuntimeError):
    """A change request was asked to move in a way its state does not allow."""
