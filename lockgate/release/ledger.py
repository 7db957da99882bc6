"""The release ledger: releases, change requests, approvals, deployments, scoring evidence and a
hash-chained audit log.

Every write takes the ledger's lock first (a row lock on PostgreSQL, an immediate transaction on
SQLite), then checks and changes state and appends its audit entry in the same transaction: the
ledger and its audit trail cannot disagree, and concurrent writers are applied one after another.
Its tables are `lockgate.release.tables`, their migrations `lockgate.release.schema` (Alembic),
and the audit chain's verification `lockgate.release.chain`.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine

from lockgate.release.anchor import Anchor, Verifier
from lockgate.release.bundle import ReleaseBundle
from lockgate.release.chain import GENESIS_HASH, ChainReport, check_chain, entry_hash
from lockgate.release.deployment import Deployment
from lockgate.release.request import ACTIVE_STATES
from lockgate.release.schema import migrate
from lockgate.release.tables import (
    approvals,
    audit,
    changes,
    checkpoints,
    deployments,
    lock,
    pointers,
    releases,
    scoring_runs,
)


def timestamp(moment: datetime) -> str:
    """The ledger's one time format: UTC, microseconds, so that text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def utcnow() -> str:
    return timestamp(datetime.now(UTC))


class IllegalTransition(RuntimeError):
    """A change request was asked to move in a way its state does not allow."""


def _sqlite_engine(url: str) -> Engine:
    """SQLite with writers serialised: every transaction starts with BEGIN IMMEDIATE."""
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Ledger:
    """One ledger database (SQLite file on the embedded default, PostgreSQL on the cluster).

    `clock` gives the current time; the demo and the tests pass a simulated one.
    """

    def __init__(
        self,
        url: str,
        engine: Engine | None = None,
        clock: Callable[[], datetime] | None = None,
        anchor: Anchor | None = None,
    ):
        if engine is None:
            engine = _sqlite_engine(url) if url.startswith("sqlite") else create_engine(url)
        self.engine = engine
        self.clock = clock or (lambda: datetime.now(UTC))
        self.anchor = anchor
        self._local = threading.local()
        migrate(self.engine)

    def now(self) -> str:
        """The clock's time; inside a transaction never earlier than the newest audit entry
        (a clock set back, or the demo's simulated clock ahead of real time, cannot make the
        ledger's time run backwards)."""
        moment = timestamp(self.clock())
        floor = getattr(self._local, "floor", None)
        return max(moment, floor) if floor else moment

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction holding the ledger lock until it commits or rolls back; the newest
        signed checkpoint is published once it has committed."""
        if getattr(self._local, "conn", None) is not None:
            raise RuntimeError("ledger transactions do not nest")
        self._local.head = None
        with self.engine.begin() as conn:
            conn.execute(select(lock.c.lock_id).where(lock.c.lock_id == 1).with_for_update())
            newest = conn.execute(select(audit.c.ts).order_by(audit.c.seq.desc()).limit(1))
            self._local.floor = newest.scalar() or ""
            self._local.conn = conn
            try:
                yield conn
            finally:
                self._local.conn = None
                self._local.floor = None
        if self._local.head is not None and self.anchor is not None:
            self.anchor.publish_head(self._local.head)

    def read(self, statement) -> list[dict]:
        """Rows as dicts; inside a transaction on this thread, read through it (what it wrote,
        and no second connection waiting on the lock it holds)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return [dict(r._mapping) for r in conn.execute(statement)]
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(statement)]

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
        """Append an entry inside a `transaction()`, linked to the entry before it."""
        last = conn.execute(select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1))
        row = last.first()
        entry = {
            "seq": (row.seq + 1) if row else 1,
            "ts": self.now(),
            "actor": actor,
            "action": action,
            "environment": environment,
            "subject": subject,
            "payload": json.dumps(payload, sort_keys=True, default=str),
            "prev_hash": row.hash if row else GENESIS_HASH,
        }
        entry["hash"] = entry_hash(entry)
        conn.execute(insert(audit).values(**entry))
        if self.anchor is not None:
            if (
                not self.anchor.has_key()
                and conn.execute(select(checkpoints.c.seq).limit(1)).first()
            ):
                # A key is made once, by an installation's first signed entry; a process that
                # cannot see it (a container on another host) must not start a chain of its own.
                raise RuntimeError(
                    f"the audit log is signed but this process has no signing key "
                    f"at {self.anchor.directory}; write to the ledger from the "
                    "installation's host"
                )
            checkpoint = self.anchor.sign(entry["seq"], entry["hash"], entry["ts"])
            conn.execute(insert(checkpoints).values(**checkpoint))
            self._local.head = checkpoint
        return entry

    def record_event(
        self, actor: str, action: str, subject: str, payload: dict, environment: str | None = None
    ) -> dict:
        """An audit entry on its own: refusals, gate decisions."""
        with self.transaction() as conn:
            return self.append_audit(conn, actor, action, subject, payload, environment)

    def record_if_changed(self, actor: str, action: str, subject: str, payload: dict) -> bool:
        """Append `action` unless its latest entry already carries `payload`; True if appended.
        Read first without the lock (every process that opens a change manager asks, and almost
        always nothing changed), then again under it before writing."""
        wanted = json.loads(json.dumps(payload, default=str))
        latest = (
            select(audit.c.payload)
            .where(audit.c.action == action)
            .order_by(audit.c.seq.desc())
            .limit(1)
        )
        rows = self.read(latest)
        if rows and json.loads(rows[0]["payload"]) == wanted:
            return False
        with self.transaction() as conn:
            last = conn.execute(latest).scalar()
            if last is not None and json.loads(last) == wanted:
                return False
            self.append_audit(conn, actor, action, subject, payload)
            return True

    def entries_about(self, subject: str) -> list[dict]:
        return self.read(select(audit).where(audit.c.subject == subject).order_by(audit.c.seq))

    def audit_entries(self) -> list[dict]:
        return self.read(select(audit).order_by(audit.c.seq))

    def checkpoints(self) -> list[dict]:
        return self.read(select(checkpoints).order_by(checkpoints.c.seq))

    def verify_audit(self, verifier: Verifier | None = None) -> ChainReport:
        """Walk the chain (contiguous sequence numbers, each entry linked to and hashed over the
        last, time never going back), then, with the installation's public key (or `verifier`),
        its signatures and the published head: truncation, appended and re-hashed entries show."""
        if verifier is None and self.anchor is not None:
            verifier = self.anchor.verifier()
        head = self.anchor.head() if self.anchor is not None else None
        return check_chain(self.audit_entries(), self.checkpoints(), head, verifier)

    # -- releases ------------------------------------------------------------------------------
    def release(self, release_id: str) -> dict | None:
        """The release's row, its `bundle` a `ReleaseBundle`; None when there is no such release."""
        rows = self.read(select(releases).where(releases.c.release_id == release_id))
        return (
            rows[0] | {"bundle": ReleaseBundle.of(json.loads(rows[0]["bundle"]))} if rows else None
        )

    def bundle(self, release_id: str) -> ReleaseBundle:
        """The bundle of a release the ledger holds (KeyError when it holds none of that id)."""
        release = self.release(release_id)
        if release is None:
            raise KeyError(f"no release {release_id} in the ledger")
        return release["bundle"]

    def record_release(self, release_id: str, bundle: ReleaseBundle, actor: str) -> bool:
        """Store an immutable bundle; False if it was already there (same id = same content)."""
        with self.transaction() as conn:
            exists = conn.execute(
                select(releases.c.release_id).where(releases.c.release_id == release_id)
            ).first()
            if exists:
                return False
            stored = bundle.as_dict()
            text_bundle = json.dumps(stored, sort_keys=True)
            conn.execute(
                insert(releases).values(
                    release_id=release_id,
                    bundle=text_bundle,
                    created_at=self.now(),
                    created_by=actor,
                )
            )
            self.append_audit(
                conn,
                actor,
                "release.built",
                release_id,
                {
                    "models": stored["models"],
                    "code": stored["code"],
                    "bundle_sha256": hashlib.sha256(text_bundle.encode()).hexdigest(),
                },
            )
        return True

    # -- change requests -----------------------------------------------------------------------
    def insert_change(
        self,
        conn: Connection,
        kind: str,
        environment: str,
        release_id: str,
        author: str,
        reason: str,
    ) -> int:
        now = self.now()
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
            )
        ).inserted_primary_key[0]
        self.append_audit(
            conn,
            author,
            "change.opened",
            f"change-{change_id}",
            {"kind": kind, "release_id": release_id, "reason": reason},
            environment,
        )
        return int(change_id)

    def change(self, change_id: int) -> dict:
        rows = self.read(select(changes).where(changes.c.change_id == change_id))
        if not rows:
            raise KeyError(f"no change request {change_id}")
        return rows[0]

    def changes(self, environment: str | None = None) -> list[dict]:
        statement = select(changes).order_by(changes.c.change_id)
        if environment:
            statement = statement.where(changes.c.environment == environment)
        return self.read(statement)

    def active_change(
        self, environment: str, release_id: str | None = None, states: tuple = ACTIVE_STATES
    ) -> int | None:
        """A change in `states` for `environment` (and `release_id`), if there is one."""
        statement = select(changes.c.change_id).where(
            changes.c.environment == environment, changes.c.state.in_(states)
        )
        if release_id:
            statement = statement.where(changes.c.release_id == release_id)
        rows = self.read(statement.order_by(changes.c.change_id).limit(1))
        return rows[0]["change_id"] if rows else None

    def set_state(
        self,
        conn: Connection,
        change_id: int,
        expected: str,
        new: str,
        actor: str,
        detail: dict,
        **values: Any,
    ) -> None:
        """Move a change from `expected` to `new` inside a transaction (compare and set)."""
        moved = conn.execute(
            update(changes)
            .where(changes.c.change_id == change_id, changes.c.state == expected)
            .values(state=new, updated_at=self.now(), **values)
        ).rowcount
        if moved != 1:
            raise IllegalTransition(
                f"change {change_id} is not {expected!r}; cannot move it to {new!r}"
            )
        env = conn.execute(
            select(changes.c.environment).where(changes.c.change_id == change_id)
        ).scalar_one()
        payload = detail | ({"set": values} if values else {})
        self.append_audit(conn, actor, f"change.{new}", f"change-{change_id}", payload, env)

    def approvals(self, change_id: int) -> list[dict]:
        return self.read(
            select(approvals)
            .where(approvals.c.change_id == change_id)
            .order_by(approvals.c.approval_id)
        )

    def insert_approval(
        self,
        conn: Connection,
        change_id: int,
        approver: str,
        role: str,
        decision: str,
        comment: str,
        environment: str,
        seen: dict | None = None,
    ) -> None:
        """An approval or rejection; `seen` is the evidence the approver decided on (recorded
        with its digest in the audit entry)."""
        now = self.now()
        conn.execute(
            insert(approvals).values(
                change_id=change_id,
                approver=approver,
                role=role,
                decision=decision,
                comment=comment,
                decided_at=now,
            )
        )
        self.append_audit(
            conn,
            approver,
            f"change.{decision}",
            f"change-{change_id}",
            {"role": role, "comment": comment, "at": now} | (seen or {}),
            environment,
        )

    # -- environments --------------------------------------------------------------------------
    def point(
        self,
        conn: Connection,
        environment: str,
        release_id: str,
        change_id: int,
        actor: str,
        action: str,
        reason: str,
    ) -> dict:
        """Move `environment`'s pointer (one row update) and record the deployment; returns the
        pointer it replaced, or an empty dict when the environment had none."""
        previous = conn.execute(
            select(pointers).where(pointers.c.environment == environment)
        ).first()
        previous = dict(previous._mapping) if previous else {}
        now = self.now()
        values = dict(
            release_id=release_id, change_id=change_id, deployed_by=actor, deployed_at=now
        )
        if previous:
            conn.execute(
                update(pointers).where(pointers.c.environment == environment).values(**values)
            )
        else:
            conn.execute(insert(pointers).values(environment=environment, **values))
        conn.execute(
            insert(deployments).values(
                environment=environment,
                release_id=release_id,
                change_id=change_id,
                action=action,
                previous_release_id=previous.get("release_id"),
                previous_change_id=previous.get("change_id"),
                actor=actor,
                at=now,
                reason=reason,
            )
        )
        self.append_audit(
            conn,
            actor,
            f"deployment.{action}",
            f"change-{change_id}",
            {
                "release_id": release_id,
                "previous_release_id": previous.get("release_id"),
                "reason": reason,
                "at": now,
            },
            environment,
        )
        return previous

    def clear_pointer(
        self, conn: Connection, environment: str, change_id: int, actor: str, reason: str
    ) -> None:
        """Take the environment back to having no release (a first deployment that failed)."""
        previous = conn.execute(select(pointers).where(pointers.c.environment == environment)).one()
        now = self.now()
        conn.execute(delete(pointers).where(pointers.c.environment == environment))
        conn.execute(
            insert(deployments).values(
                environment=environment,
                release_id="",
                change_id=change_id,
                action="auto_rollback",
                previous_release_id=previous.release_id,
                previous_change_id=previous.change_id,
                actor=actor,
                at=now,
                reason=reason,
            )
        )
        self.append_audit(
            conn,
            actor,
            "deployment.auto_rollback",
            f"change-{change_id}",
            {
                "release_id": None,
                "previous_release_id": previous.release_id,
                "reason": reason,
                "at": now,
            },
            environment,
        )

    def pointer(self, environment: str) -> Deployment | None:
        """What `environment` runs now, or None when nothing is deployed there."""
        rows = self.read(select(pointers).where(pointers.c.environment == environment))
        return Deployment.of(rows[0]) if rows else None

    def deployed_bundle(self, environment: str) -> ReleaseBundle | None:
        """The bundle of the release `environment` points at, or None when nothing is deployed."""
        pointer = self.pointer(environment)
        return self.bundle(pointer.release_id) if pointer else None

    def deployments(self, environment: str, until: str | None = None) -> list[dict]:
        """Every pointer move in `environment`, oldest first (up to `until`, inclusive)."""
        statement = (
            select(deployments)
            .where(deployments.c.environment == environment)
            .order_by(deployments.c.deployment_id)
        )
        if until:
            statement = statement.where(deployments.c.at <= until)
        return self.read(statement)

    def releases_carrying(self, model: str, version: str) -> list[str]:
        """Ids of the releases whose bundle holds `model` at `version`, oldest first."""
        rows = self.read(select(releases).order_by(releases.c.created_at))
        return [
            r["release_id"]
            for r in rows
            if ReleaseBundle.of(json.loads(r["bundle"])).carries(model, version)
        ]

    def release_history(self, release_id: str) -> list[dict]:
        """Every pointer move, in any environment, that put `release_id` in or took it out after
        it failed verification (`failed` marks those), oldest first."""
        rows = self.read(
            select(deployments)
            .where(
                (deployments.c.release_id == release_id)
                | (
                    (deployments.c.previous_release_id == release_id)
                    & (deployments.c.action == "auto_rollback")
                )
            )
            .order_by(deployments.c.deployment_id)
        )
        return [
            r | {"failed": r["action"] == "auto_rollback" and r["release_id"] != release_id}
            for r in rows
        ]

    # -- evidence ------------------------------------------------------------------------------
    def record_scoring_run(
        self,
        environment: str,
        release_id: str,
        run_date: str,
        passed: bool,
        detail: str,
        actor: str,
    ) -> None:
        status = "passed" if passed else "failed"
        with self.transaction() as conn:
            now = self.now()
            conn.execute(
                insert(scoring_runs).values(
                    environment=environment,
                    release_id=release_id,
                    run_date=run_date,
                    status=status,
                    detail=detail,
                    recorded_by=actor,
                    recorded_at=now,
                )
            )
            self.append_audit(
                conn,
                actor,
                f"scoring.{status}",
                release_id,
                {"run_date": run_date, "detail": detail, "at": now},
                environment,
            )

    def scoring_runs(self, environment: str, release_id: str) -> list[dict]:
        return self.read(
            select(scoring_runs)
            .where(
                scoring_runs.c.environment == environment, scoring_runs.c.release_id == release_id
            )
            .order_by(scoring_runs.c.scoring_run_id)
        )
