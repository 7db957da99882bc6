"""Decisions into the label store: a case-management export imported (`import_export`).

The import is idempotent twice over: a file already imported from the same system is
recognised by its digest and adds nothing, and a decision the store already holds (the same
document, label, value, person, moment and source) is never stored again. The rows that do not
validate are kept in the lake with their reasons; the rows, accepted and quarantined, add up to
the file's. Every import is an audited event naming who ran it and the store's files it wrote.

The store's integrity (`verify_store`, `require_intact`): its files against those the audit log
says audited commands wrote (`lockgate labels verify`); training refuses a damaged store.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from lockgate.config import Settings
from lockgate.labels import imports, label_studio, store
from lockgate.models import registered_models
from lockgate.release.deploy import open_ledger
from lockgate.storage import (
    Layout,
    read_json,
    read_rows,
    uri_exists,
    write_bytes_atomic,
    write_json_atomic,
)
from lockgate.validation.suites import validate_frame

SUITE = "label_decisions"
# The audited commands that write the store, each entry naming its files (`store.AUDIT_KEY`).
WRITERS = ("labels.import", "labels.adopt", "review.decide", "review.fields")
_SYSTEM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass
class ImportReport:
    import_id: str
    file: str
    file_sha256: str
    system: str
    imported_by: str
    imported_at: str
    rows: int
    accepted_rows: int
    quarantined_rows: int
    quarantined_by_reason: dict[str, int]
    decisions: int
    added: int
    already_held: int
    quarantine: str | None
    written: list[str]
    already_imported: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def label_classes() -> dict[str, frozenset[str]]:
    """Each label a registered model learns, with the classes it may hold (empty: any)."""
    classes: dict[str, frozenset[str]] = {}
    for spec in registered_models().values():
        if spec.label in classes and (not classes[spec.label] or not spec.classes):
            classes[spec.label] = frozenset()
        else:
            classes[spec.label] = classes.get(spec.label, frozenset()) | frozenset(spec.classes)
    return classes


def known_documents(layout: Layout) -> imports.KnownDocuments:
    """The received files of the extracted table (attachments are no documents of their own)."""
    if not uri_exists(layout.extracted):
        return imports.KnownDocuments(frozenset(), {})
    rows = read_rows(layout.extracted, ["doc_id", "source_file", "parent_doc_id"])
    received = {(r["doc_id"], r["source_file"]) for r in rows if r["parent_doc_id"] is None}
    by_name: dict[str, set[str]] = {}
    for doc_id, name in received:
        by_name.setdefault(name, set()).add(doc_id)
    return imports.KnownDocuments(
        frozenset(doc_id for doc_id, _ in received),
        {name: tuple(sorted(ids)) for name, ids in by_name.items()},
    )


def import_export(
    settings: Settings, path: Path, system: str, actor: str, now: datetime | None = None
) -> ImportReport:
    """Import the export at `path`, received from `system`, on behalf of `actor`."""
    if not _SYSTEM_NAME.match(system):
        raise imports.ExportError(
            f"--source {system!r}: a system's name is letters, digits, '.', '_' or '-'"
        )
    layout, now, data, import_id = _start(settings, system, path, now)
    if uri_exists(layout.label_import(import_id)):
        return _earlier(layout, import_id)
    checked = imports.check_rows(
        imports.read_export(path), label_classes(), known_documents(layout), now, "import", system
    )
    # A person is waiting on an import: a batch the suite refuses is refused now, before it is
    # stored (the day's decisions are validated again with the run's inputs:
    # `lockgate.pipeline.validation.validate_label_decisions`).
    return _record(settings, layout, checked, system, import_id, path.name, data, actor, now, True)


LABEL_STUDIO = "label-studio"


def import_label_studio(
    settings: Settings, path: Path, label_column: str, actor: str, now: datetime | None = None
) -> ImportReport:
    """A Label Studio JSON export of tasks lockgate exported (`review.export_label_studio`):
    each annotation a decision of source `label-studio` on `label_column`, validated and
    quarantined like any export; a skipped or empty annotation is quarantined as having no
    label. Importing the same export again adds nothing."""
    layout, now, data, import_id = _start(settings, LABEL_STUDIO, path, now)
    if uri_exists(layout.label_import(import_id)):
        return _earlier(layout, import_id)
    try:
        export = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise imports.ExportError(f"{path.name}: not a Label Studio JSON export ({exc})") from exc
    classes = label_classes()
    if label_column not in classes:
        raise imports.ExportError(f"no model learns {label_column!r}; labels: {sorted(classes)}")
    checked = imports.check_rows(
        label_studio.annotation_rows(export, label_column),
        {label_column: classes[label_column]},
        known_documents(layout),
        now,
        "label-studio",
        LABEL_STUDIO,
    )
    return _record(
        settings, layout, checked, LABEL_STUDIO, import_id, path.name, data, actor, now, True
    )


GENERATOR = "lockgate-generator"


def record_generated_truth(
    settings: Settings, run_date: str, truth: Path, actor: str, now: datetime | None = None
) -> ImportReport:
    """The generator's answer key for `run_date` (`ground_truth.jsonl`) as decisions of source
    `generator`, made at the start of that day: the department and urgency of every file it
    wrote that is not broken on purpose. Validated like an export (classes, times), against
    the files the generator wrote, since none is extracted yet; GX validates them with the
    day's inputs in the pipeline (`validation.validate_label_decisions`)."""
    layout, now, data, import_id = _start(settings, GENERATOR, truth, now)
    if uri_exists(layout.label_import(import_id)):
        return _earlier(layout, import_id)
    decided_at = f"{run_date}T00:00:00+00:00"
    classes = label_classes()
    records = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
    rows = [
        {"doc_id": r["doc_id"], "decided_by": "lockgate:generator", "decided_at": decided_at}
        | {column: r.get(column) for column in classes}
        for r in records
        if r.get("broken_reason") is None
    ]
    written = frozenset(r["doc_id"] for r in records)
    checked = imports.check_rows(
        rows, classes, imports.KnownDocuments(written, {}), now, "generator", GENERATOR
    )
    return _record(
        settings, layout, checked, GENERATOR, import_id, truth.name, data, actor, now, False
    )


def _start(
    settings: Settings, system: str, path: Path, now: datetime | None
) -> tuple[Layout, datetime, bytes, str]:
    """(the lake, now in UTC, the file's bytes, the import's id: a digest of system and file)."""
    data = path.read_bytes()
    import_id = hashlib.sha256(f"{system}\n{hashlib.sha256(data).hexdigest()}".encode())
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return Layout(settings.storage_root), now, data, import_id.hexdigest()


def _earlier(layout: Layout, import_id: str) -> ImportReport:
    earlier = read_json(layout.label_import(import_id))
    return ImportReport(**earlier | {"added": 0, "written": [], "already_imported": True})


def _record(
    settings: Settings,
    layout: Layout,
    checked: imports.Checked,
    system: str,
    import_id: str,
    file_name: str,
    data: bytes,
    actor: str,
    now: datetime,
    validate_now: bool,
) -> ImportReport:
    new, repeated = store.unrecorded(layout, checked.decisions, recorded_files(settings))
    written: list[str] = []
    if new:
        frame = store.as_frame(new, import_id, now)
        if validate_now:
            validate_frame(frame, SUITE).raise_for_critical()
        written = store.write_frame(layout, frame)
    quarantine = None
    if checked.quarantined:
        quarantine = layout.label_quarantine(import_id)
        lines = (json.dumps(q, sort_keys=True) for q in checked.quarantined)
        write_bytes_atomic(quarantine, ("\n".join(lines) + "\n").encode())
    report = ImportReport(
        import_id=import_id,
        file=file_name,
        file_sha256=hashlib.sha256(data).hexdigest(),
        system=system,
        imported_by=actor,
        imported_at=now.isoformat(),
        rows=checked.rows,
        accepted_rows=checked.accepted_rows,
        quarantined_rows=len(checked.quarantined),
        quarantined_by_reason=dict(
            sorted(Counter(q["reason"] for q in checked.quarantined).items())
        ),
        decisions=len(checked.decisions),
        added=len(new),
        already_held=repeated,
        quarantine=quarantine,
        written=written,
    )
    # The record of the import last: an import stopped before it is simply run again.
    write_json_atomic(layout.label_import(import_id), report.as_dict())
    summary = {k: v for k, v in report.as_dict().items() if k not in ("written", "imported_by")}
    summary[store.AUDIT_KEY] = written
    open_ledger(settings).record_event(actor, "labels.import", system, summary)
    return report


def recorded_files(settings: Settings) -> frozenset[str]:
    """The store's files that audited commands wrote, as the audit log names them."""
    names: set[str] = set()
    for entry in open_ledger(settings).audit_entries():
        if entry["action"] in WRITERS:
            names.update(json.loads(entry["payload"]).get(store.AUDIT_KEY) or [])
    return frozenset(names)


class LabelStoreDamaged(RuntimeError):
    """The label store does not hold what lockgate wrote: nothing may learn from it."""


def verify_store(settings: Settings) -> tuple[int, int, list[store.Finding]]:
    """(files, decisions, findings) of the store against the audit log (`store.verify`)."""
    return store.verify(Layout(settings.storage_root), recorded_files(settings))


def require_intact(settings: Settings) -> None:
    """Raise `LabelStoreDamaged`, naming every finding, unless the store is intact."""
    _, _, findings = verify_store(settings)
    if findings:
        shown = "\n".join(f"  {f.file}: {f.problem}" for f in findings[:20])
        more = f"\n  ... and {len(findings) - 20} more" if len(findings) > 20 else ""
        raise LabelStoreDamaged(
            f"the label store fails its integrity check ({len(findings)} finding(s)); "
            f"`lockgate labels verify` lists them:\n{shown}{more}"
        )


def adopt(settings: Settings, actor: str) -> list[str]:
    """Record, in the audit log as `actor`'s act (`labels.adopt`), the store's files that no
    audited command recorded but that are whole (every row says what its id says, the file
    holds what its name says): a file written by a command killed before it was audited, or
    by a lockgate from before files were audited. A file with any other finding stays out.
    The files adopted."""
    _, _, findings = verify_store(settings)
    unrecorded = {f.file for f in findings if f.problem == store.UNRECORDED}
    damaged = {f.file for f in findings if f.problem != store.UNRECORDED}
    adopted = sorted(unrecorded - damaged)
    if adopted:
        open_ledger(settings).record_event(
            actor, "labels.adopt", "label_store", {store.AUDIT_KEY: adopted}
        )
    return adopted
