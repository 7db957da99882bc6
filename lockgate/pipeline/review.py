"""The review queue: documents a model sent to manual review, for a person to decide.

A model's queue in an environment is every document its scores there sent to manual review
that no person has decided yet (a decision of source `review`, `label-studio` or `import` for
the model's label; the generator's answer key is no person's), oldest run date first. Anyone
may list it; only a holder of the `reviewer` role (in the access file) sees a document's
content or decides it, and every view, decision and refusal is an audit event naming the user.
A decision is a label-store decision of source `review` that answers the release whose score
sent the document to review.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from lockgate.config import ENVIRONMENTS, Settings
from lockgate.labels import store
from lockgate.models import ModelSpec, UnknownModel, get_model
from lockgate.release.deploy import open_ledger
from lockgate.release.identity import load_access
from lockgate.storage import Layout, read_rows, uri_exists
from lockgate.storage.files import filesystem
from lockgate.validation.suites import validate_frame

ROLE = "reviewer"
SYSTEM = "lockgate-review"
# Decisions that take a document out of the queue: a person's, through lockgate or another tool.
BY_PEOPLE = ("review", "label-studio", "import")
_SCORE_COLUMNS = [
    "doc_id",
    "prediction",
    "confidence",
    "decision",
    "top_classes",
    "model_version",
    "release_id",
]


class ReviewRefused(PermissionError):
    """The user may not see or decide documents, or the document is not the model's to decide."""


class NotAReviewer(ReviewRefused):
    """The user does not hold the reviewer role."""


@dataclass(frozen=True)
class Item:
    doc_id: str
    run_date: str
    model: str
    environment: str
    release_id: str
    model_version: str
    prediction: str
    confidence: float
    decision: str
    top_classes: list[dict]


@dataclass(frozen=True)
class Document:
    """What a reviewer sees: the item, and the document's masked text and extracted fields."""

    item: Item
    format: str | None
    language: str | None
    masked_text: str
    fields: list[dict]


def _spec(environment: str, model: str) -> ModelSpec:
    """The model, when it is one and `environment` is one (both become paths in the lake)."""
    if environment not in ENVIRONMENTS:
        raise ReviewRefused(f"no environment {environment!r}; one of {', '.join(ENVIRONMENTS)}")
    try:
        return get_model(model)
    except UnknownModel as unknown:
        raise ReviewRefused(str(unknown)) from unknown


def _score_days(layout: Layout, environment: str, model: str) -> list[str]:
    uri = layout.scores(environment, model)
    if not uri_exists(uri):
        return []
    fs, path = filesystem(uri)
    names = (entry.rstrip("/").rsplit("/", 1)[-1] for entry in fs.ls(path, detail=False))
    return sorted(n.removeprefix("run_date=") for n in names if n.startswith("run_date="))


def _scored(layout: Layout, environment: str, model: str, day: str, filters) -> list[Item]:
    uri = f"{layout.scores(environment, model)}/{Layout.partition(day)}"
    return [
        Item(
            run_date=day,
            model=model,
            environment=environment,
            **row | {"top_classes": row["top_classes"] or []},
        )
        for row in read_rows(uri, _SCORE_COLUMNS, filters)
    ]


def decided_by_people(layout: Layout, label_column: str) -> set[str]:
    """The documents a person has decided `label_column` of."""
    if not uri_exists(layout.label_decisions):
        return set()
    rows = read_rows(
        layout.label_decisions,
        ["doc_id"],
        [("label_column", "=", label_column), ("source", "in", list(BY_PEOPLE))],
    )
    return {r["doc_id"] for r in rows}


def queue(settings: Settings, environment: str, model: str) -> list[Item]:
    """The model's undecided manual-review documents in `environment`, oldest run date first
    (then by document id); no document content."""
    spec = _spec(environment, model)
    layout = Layout(settings.storage_root)
    decided = decided_by_people(layout, spec.label)
    waiting: dict[str, Item] = {}
    for day in _score_days(layout, environment, model):  # oldest first: a rescored document
        for item in _scored(layout, environment, model, day, [("decision", "=", "manual_review")]):
            if item.doc_id not in decided:  # waits from the first day it was sent to review
                waiting.setdefault(item.doc_id, item)
    return sorted(waiting.values(), key=lambda i: (i.run_date, i.doc_id))


def _require_reviewer(settings: Settings, who: str, doc_id: str, action: str) -> None:
    if not load_access(settings).holds(who, ROLE):
        open_ledger(settings).record_event(
            who, "review.refused", doc_id, {"action": action, "reason": f"not a {ROLE}"}
        )
        raise NotAReviewer(f"{who} does not hold the {ROLE} role: no document content")


def _latest_score(settings: Settings, environment: str, model: str, doc_id: str) -> Item:
    layout = Layout(settings.storage_root)
    for day in reversed(_score_days(layout, environment, model)):
        found = _scored(layout, environment, model, day, [("doc_id", "=", doc_id)])
        if found:
            return found[0]
    raise ReviewRefused(f"{model} scored no document {doc_id} in {environment}")


def open_document(
    settings: Settings, environment: str, model: str, doc_id: str, who: str
) -> Document:
    """A document with its latest score in `environment`, for a reviewer; the view is audited."""
    _require_reviewer(settings, who, doc_id, "view")
    _spec(environment, model)
    item = _latest_score(settings, environment, model, doc_id)
    layout = Layout(settings.storage_root)
    rows = read_rows(
        f"{layout.extracted}/{Layout.partition(item.run_date)}",
        ["doc_id", "format", "language", "masked_text", "entities"],
        [("doc_id", "=", doc_id)],
    )
    row = rows[0] if rows else {}
    open_ledger(settings).record_event(
        who,
        "review.view",
        doc_id,
        {"model": model, "environment": environment, "run_date": item.run_date},
        environment,
    )
    return Document(
        item=item,
        format=row.get("format"),
        language=row.get("language"),
        masked_text=row.get("masked_text") or "",
        fields=[
            {k: e[k] for k in ("type", "value", "normalized", "valid", "source")}
            for e in row.get("entities") or []
        ],
    )


def next_document(settings: Settings, environment: str, model: str, who: str) -> Document | None:
    """The oldest document of the queue, opened for `who`; None when the queue is empty."""
    _require_reviewer(settings, who, "-", "next")
    waiting = queue(settings, environment, model)
    return open_document(settings, environment, model, waiting[0].doc_id, who) if waiting else None


def _store(settings: Settings, decisions: list[store.Decision], now: datetime) -> dict:
    """A reviewer's decisions into the label store, refused whole if the suite refuses them;
    what the audit entry says of the files written (`store.AUDIT_KEY`)."""
    frame = store.as_frame(decisions, decisions[0].decision_id, now)
    validate_frame(frame, "label_decisions").raise_for_critical()
    return {store.AUDIT_KEY: store.write_frame(Layout(settings.storage_root), frame)}


def _latest(rows: list[dict], key) -> dict:
    """Per `key(row)`, the value of the row decided last (ties: the larger decision id)."""
    latest: dict = {}
    for row in rows:
        order = (row["decided_at"], row["decision_id"])
        if key(row) not in latest or order > latest[key(row)][0]:
            latest[key(row)] = (order, row["value"])
    return {k: value for k, (_, value) in latest.items()}


def decide(
    settings: Settings,
    environment: str,
    model: str,
    doc_id: str,
    label: str,
    who: str,
    now: datetime | None = None,
) -> store.Decision:
    """Record `who`'s label for the document: a decision of source `review` answering the
    release of its latest score; audited as `review.decide`."""
    _require_reviewer(settings, who, doc_id, "decide")
    spec = _spec(environment, model)
    if spec.classes and label not in spec.classes:
        raise ReviewRefused(f"{label!r} is not a class of {model}: {', '.join(spec.classes)}")
    item = _latest_score(settings, environment, model, doc_id)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    decision = store.Decision(
        doc_id=doc_id,
        label_column=spec.label,
        value=label,
        decided_by=who,
        decided_at=now,
        source="review",
        system=SYSTEM,
        answers_release=item.release_id,
    )
    written = _store(settings, [decision], now)
    open_ledger(settings).record_event(
        who,
        "review.decide",
        doc_id,
        {
            "model": model,
            "environment": environment,
            "label": label,
            "prediction": item.prediction,
            "confidence": item.confidence,
            "release_id": item.release_id,
            "decision_id": decision.decision_id,
        }
        | written,
        environment,
    )
    return decision


def export_label_studio(
    settings: Settings, environment: str, model: str, who: str
) -> tuple[list[dict], str]:
    """(the queue as Label Studio tasks, the project's labelling config) for `who`, a reviewer:
    the tasks hold document text, so the export is audited with the documents it holds."""
    from lockgate.labels import label_studio

    _require_reviewer(settings, who, "-", "export")
    spec = _spec(environment, model)
    layout = Layout(settings.storage_root)
    waiting = queue(settings, environment, model)
    texts: dict[str, str] = {}
    for day in sorted({i.run_date for i in waiting}):
        ids = [i.doc_id for i in waiting if i.run_date == day]
        for row in read_rows(
            f"{layout.extracted}/{Layout.partition(day)}",
            ["doc_id", "masked_text"],
            [("doc_id", "in", ids)],
        ):
            texts[row["doc_id"]] = row["masked_text"] or ""
    tasks = [
        label_studio.task(
            {
                "doc_id": i.doc_id,
                "text": texts.get(i.doc_id, ""),
                "model": model,
                "environment": environment,
                "run_date": i.run_date,
                "release_id": i.release_id,
                "model_version": i.model_version,
                "prediction": i.prediction,
                "confidence": i.confidence,
            }
        )
        for i in waiting
    ]
    open_ledger(settings).record_event(
        who,
        "review.export",
        model,
        {
            "environment": environment,
            "tool": "label-studio",
            "documents": [i.doc_id for i in waiting],
        },
        environment,
    )
    return tasks, label_studio.labeling_config(spec.label, list(spec.classes))


def _people_decisions(layout: Layout, label_column: str) -> dict[str, str]:
    """Each document's label as people decided it last (latest `decided_at`)."""
    if not uri_exists(layout.label_decisions):
        return {}
    rows = read_rows(
        layout.label_decisions,
        ["doc_id", "value", "decided_at", "decision_id"],
        [("label_column", "=", label_column), ("source", "in", list(BY_PEOPLE))],
    )
    return _latest(rows, lambda row: row["doc_id"])


def feedback(settings: Settings, environment: str, model: str, first: str, last: str) -> dict:
    """What people made of the model's scores in `environment` on the days `first`..`last`:
    per day and in all, the documents scored and decided automatically (`automation_rate`),
    those sent to review, decided by people and still waiting (`queue`, the oldest waiting
    day), how often the people agreed with the model on the reviewed ones (`agreement`), and
    the share of automatically decided documents people later labelled otherwise
    (`correction_rate`). Rates are None where nothing was there to count."""
    from lockgate.storage import run_dates

    spec = _spec(environment, model)
    layout = Layout(settings.storage_root)
    decided = _people_decisions(layout, spec.label)
    scored_days = set(_score_days(layout, environment, model))
    days, total = [], Counter()
    oldest_waiting = None
    for day in run_dates(first, last):
        if day not in scored_days:
            continue
        counts = Counter()
        for item in _scored(layout, environment, model, day, None):
            label = decided.get(item.doc_id)
            counts["scored"] += 1
            if item.decision == "auto_route":
                counts["auto"] += 1
                counts["corrected"] += label is not None and label != item.prediction
            elif label is None:
                counts["waiting"] += 1
                oldest_waiting = oldest_waiting or day
            else:
                counts["reviewed"] += 1
                counts["agreed"] += label == item.prediction
        days.append({"run_date": day, **_rates(counts)})
        total.update(counts)
    return {
        "model": model,
        "environment": environment,
        "from": first,
        "to": last,
        "days": days,
        "total": _rates(total),
        "oldest_waiting": oldest_waiting,
    }


def _rates(counts: Counter) -> dict:
    def share(part: str, whole: str) -> float | None:
        return round(counts[part] / counts[whole], 4) if counts[whole] else None

    names = ("scored", "auto", "reviewed", "waiting", "agreed", "corrected")
    return {name: counts[name] for name in names} | {
        "automation_rate": share("auto", "scored"),
        "agreement": share("agreed", "reviewed"),
        "correction_rate": share("corrected", "auto"),
    }


def recent_feedback(settings: Settings, environment: str, model: str, days: int) -> dict | None:
    """`feedback` over the `days` days ending on the model's latest scored day; None when it
    has scored nothing in `environment`."""
    from datetime import date, timedelta

    scored = _score_days(Layout(settings.storage_root), environment, model)
    if not scored:
        return None
    first = (date.fromisoformat(scored[-1]) - timedelta(days=days - 1)).isoformat()
    return feedback(settings, environment, model, first, scored[-1])


# A reviewer's word on a document's extracted fields of one type: the normalised values that
# are right (none: the document holds no such field), stored as a decision on `field_<type>`.
FIELD_PREFIX = "field_"


def field_column(entity_type: str) -> str:
    from lockgate.extraction import ENTITY_TYPES

    if entity_type not in ENTITY_TYPES:
        raise ReviewRefused(f"no field type {entity_type!r}; one of {', '.join(ENTITY_TYPES)}")
    return FIELD_PREFIX + entity_type.lower()


def correct_fields(
    settings: Settings,
    environment: str,
    model: str,
    doc_id: str,
    fields: dict[str, list[str]],
    who: str,
    now: datetime | None = None,
) -> list[store.Decision]:
    """Record `who`'s field labels of the document: per entity type, the normalised values that
    are right (confirming what extraction found, or correcting it). Audited as `review.fields`;
    `lockgate eval-extraction --reviewed` scores the extractor on them."""
    import json

    _require_reviewer(settings, who, doc_id, "fields")
    _spec(environment, model)
    if not fields:
        raise ReviewRefused("no field type given")
    item = _latest_score(settings, environment, model, doc_id)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    decisions = [
        store.Decision(
            doc_id=doc_id,
            label_column=field_column(kind),
            value=json.dumps(sorted({v.strip() for v in values if v.strip()})),
            decided_by=who,
            decided_at=now,
            source="review",
            system=SYSTEM,
            answers_release=item.release_id,
        )
        for kind, values in sorted(fields.items())
    ]
    written = _store(settings, decisions, now)
    open_ledger(settings).record_event(
        who,
        "review.fields",
        doc_id,
        {
            "model": model,
            "environment": environment,
            "fields": {d.label_column: d.value for d in decisions},
        }
        | written,
        environment,
    )
    return decisions


def reviewed_fields(settings: Settings) -> dict[str, dict[str, list[str]]]:
    """Per document, per entity type, the values reviewers last said are right."""
    import json

    layout = Layout(settings.storage_root)
    if not uri_exists(layout.label_decisions):
        return {}
    rows = read_rows(
        layout.label_decisions,
        ["doc_id", "label_column", "value", "decided_at", "decision_id"],
        [("source", "=", "review")],
    )
    fields = [row for row in rows if row["label_column"].startswith(FIELD_PREFIX)]
    found: dict[str, dict[str, list[str]]] = {}
    for (doc_id, column), value in _latest(
        fields, lambda row: (row["doc_id"], row["label_column"])
    ).items():
        kind = column.removeprefix(FIELD_PREFIX).upper()
        found.setdefault(doc_id, {})[kind] = json.loads(value)
    return found


def received_file(settings: Settings, doc_id: str) -> tuple[str, str] | None:
    """(run date, URI of the received file) of a document, from its extracted row."""
    layout = Layout(settings.storage_root)
    if not uri_exists(layout.extracted):
        return None
    rows = read_rows(
        layout.extracted, ["source_file", "run_date", "parent_doc_id"], [("doc_id", "=", doc_id)]
    )
    row = next((r for r in rows if r["parent_doc_id"] is None), None)
    if row is None:
        return None
    return row["run_date"], f"{layout.landing(row['run_date'])}/{row['source_file']}"
