"""Label Studio's formats: the review queue as its tasks (JSON import, with the model's guess as a
prediction), and its JSON export read back as label rows (`imports.check_rows` validates them).

A task carries lockgate's `doc_id` in its data, so an annotation comes back to the document it
was made on whatever ids Label Studio gives tasks. The labelling config (`labeling_config`) has
one `Choices` control, `label`, over the model's classes.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

CONTROL = "label"  # the Choices control of the config
TEXT = "text"  # the Text object it labels


def labeling_config(label_column: str, classes: list[str]) -> str:
    """The Label Studio labelling config of a queue: the masked text and one choice per class."""
    choices = "\n".join(f"    <Choice value={quoteattr(c)}/>" for c in classes)
    return (
        "<View>\n"
        f"  <Header value={quoteattr('The right ' + label_column)}/>\n"
        f'  <Text name="{TEXT}" value="${TEXT}"/>\n'
        f'  <Choices name="{CONTROL}" toName="{TEXT}" choice="single" showInLine="true">\n'
        f"{choices}\n"
        "  </Choices>\n"
        "</View>\n"
    )


def task(document: dict) -> dict:
    """One Label Studio task (JSON import format) for a queued document: `doc_id`, `text`
    (masked), `model`, `environment`, `run_date`, `release_id`, `model_version`, `prediction`,
    `confidence`."""
    data = {k: document[k] for k in ("doc_id", "model", "environment", "run_date", "release_id")}
    guess = {
        "model_version": f"{document['model']} v{document['model_version']} "
        f"({document['release_id']})",
        "score": document["confidence"],
        "result": [_choice(document["prediction"])],
    }
    return {"data": data | {TEXT: document["text"]}, "predictions": [guess]}


def _choice(value: str) -> dict:
    return {"from_name": CONTROL, "to_name": TEXT, "type": "choices", "value": {"choices": [value]}}


def annotation_rows(export: list, label_column: str) -> list[dict | None]:
    """A label row per annotation of a Label Studio JSON export: `doc_id`, `label_column` (the
    chosen class; none for a skipped or empty annotation, which `check_rows` quarantines),
    `decided_by` (`label-studio:<user id>`, or the e-mail an export names) and `decided_at`
    (when the annotation was last changed). None for a task that is not an object."""
    rows: list[dict | None] = []
    for entry in export if isinstance(export, list) else [export]:
        if not isinstance(entry, dict):
            rows.append(None)
            continue
        doc_id = (entry.get("data") or {}).get("doc_id")
        for annotation in entry.get("annotations") or []:
            if not isinstance(annotation, dict):
                rows.append(None)
                continue
            chosen = None
            if not annotation.get("was_cancelled"):
                chosen = next(
                    (
                        r["value"]["choices"][0]
                        for r in annotation.get("result") or []
                        if r.get("from_name") == CONTROL and (r.get("value") or {}).get("choices")
                    ),
                    None,
                )
            rows.append(
                {
                    "doc_id": doc_id,
                    label_column: chosen,
                    "decided_by": _annotator(annotation.get("completed_by")),
                    "decided_at": annotation.get("updated_at") or annotation.get("created_at"),
                }
            )
    return rows


def _annotator(who) -> str | None:
    if isinstance(who, dict):
        who = who.get("email") or who.get("id")
    return None if who in (None, "") else f"label-studio:{who}"
