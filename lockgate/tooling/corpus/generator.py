"""Writes a day of inbound correspondence (eml, pdf, html, txt) plus its ground truth.

Documents go to the landing folder untouched by anything else; the ground truth
(department, urgency, every planted entity with its span and source, or why a file is broken)
goes to the labels folder as JSON lines keyed by doc_id = sha256 of the file's bytes.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from faker import Faker

from lockgate.tooling.corpus.compose import FORMAT_WEIGHTS, CorpusMix, TextPart, compose, weighted
from lockgate.tooling.corpus.entities import FAKER_LOCALES, EntityFactory
from lockgate.tooling.corpus.hostile import HOSTILE_KINDS, PARTIAL_KINDS, hostile_bytes
from lockgate.tooling.corpus.render import eml_message, html_page, pdf_bytes
from lockgate.tooling.corpus.truth import truth_entities, truth_for_hostile, urgency_label


@dataclass
class CorpusSummary:
    landing: str
    labels: str
    documents: int
    broken: int
    by_format: dict[str, int]
    by_department: dict[str, int]
    by_language: dict[str, int] = field(default_factory=dict)
    hostile: int = 0  # broken plus hostile files the extractor must still parse (wrong charset)


def generate_corpus(
    landing_dir: str | Path,
    labels_dir: str | Path,
    run_date: str,
    documents: int,
    seed: int = 7,
    broken_share: float = 0.03,
    mix: CorpusMix | None = None,
    first: int = 0,
    pdf_layout: str = "flowed",
) -> CorpusSummary:
    """Write `documents` files (a `broken_share` of them broken or hostile) for one run date.

    Files are numbered from `first`, so that parts of one day can be generated in parallel
    (each part writes its own ground truth). `pdf_layout` is how PDF text is laid out (see
    `pdf_bytes`); the default keeps the corpus byte for byte what it has always been.

    Letters are in English, French, Dutch and German. The ground truth per file: department,
    language, whether it is signed, every planted entity (type, value, normalised value, source
    and span), and for a hostile file its kind and the quarantine reason the extractor must give.
    """
    if documents < 1:
        raise ValueError("documents must be at least 1")
    mix = mix or CorpusMix()
    day = date.fromisoformat(run_date)
    landing, labels = Path(landing_dir), Path(labels_dir)
    landing.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    fakers = {lang: Faker(locale) for lang, locale in FAKER_LOCALES.items()}
    by_format: dict[str, int] = {}
    by_department: dict[str, int] = {}
    by_language: dict[str, int] = {}
    hostile_weights = {kind: spec[2] for kind, spec in HOSTILE_KINDS.items()}
    broken = hostile_count = 0
    truth_lines = []
    for seq in range(first, first + documents):
        doc_seed = int.from_bytes(
            hashlib.sha256(f"{seed}:{run_date}:{seq}".encode()).digest()[:8], "big"
        )
        rng = random.Random(doc_seed)
        department = weighted(rng, mix.departments)
        language = weighted(rng, mix.languages)
        faker = fakers[language]
        faker.seed_instance(doc_seed)
        factory = EntityFactory(rng, faker, language, mix.correspondents)
        fmt = weighted(rng, FORMAT_WEIGHTS)
        hostile = weighted(rng, hostile_weights) if rng.random() < broken_share else None
        if hostile:
            fmt = HOSTILE_KINDS[hostile][0]
        letter = compose(
            rng, factory, department, language, latin1=fmt == "pdf" or hostile == "wrong_charset"
        )
        full_text = f"{letter.subject.text}\n\n{letter.body.text}"
        if fmt == "eml":
            if hostile == "truncated_mime" and letter.attachment is None:
                letter.attachment = TextPart(text="Details\n")
            if not hostile and rng.random() < 0.05:
                letter.forwarded = compose(rng, factory, department, language, latin1=False)
            data = bytes(eml_message(letter, rng, day, seq, pdf_layout))
        elif fmt == "pdf":
            data = pdf_bytes(letter.subject.text, full_text, pdf_layout)
        elif fmt == "html":
            data = html_page(letter.subject.text, letter.body.text).encode("utf-8")
        else:
            data = full_text.encode("utf-8")
        expected_reason = None
        if hostile:
            data = hostile_bytes(hostile, rng, letter, data)
            expected_reason = HOSTILE_KINDS[hostile][1]
            hostile_count += 1
            broken += expected_reason is not None
        name = f"{run_date}-{seq:06d}.{fmt}"
        (landing / name).write_bytes(data)
        entities = truth_for_hostile(hostile, letter) if hostile else truth_entities(letter, fmt)
        record = {
            "doc_id": hashlib.sha256(data).hexdigest(),
            "file": name,
            "format": fmt,
            "run_date": run_date,
            "department": department,
            "urgency": urgency_label(entities, doc_seed),
            "language": language,
            "has_signature": letter.has_signature and expected_reason is None,
            "hostile_kind": hostile,
            "broken_reason": expected_reason,
            "entities": [] if expected_reason else entities,
            "fields_known": hostile not in PARTIAL_KINDS,
        }
        truth_lines.append(json.dumps(record, sort_keys=True, ensure_ascii=False))
        by_format[fmt] = by_format.get(fmt, 0) + 1
        if not expected_reason:
            by_department[department] = by_department.get(department, 0) + 1
            by_language[language] = by_language.get(language, 0) + 1
    (labels / "ground_truth.jsonl").write_text("\n".join(truth_lines) + "\n", encoding="utf-8")
    return CorpusSummary(
        landing=str(landing),
        labels=str(labels),
        documents=documents,
        broken=broken,
        by_format=dict(sorted(by_format.items())),
        by_department=dict(sorted(by_department.items())),
        by_language=dict(sorted(by_language.items())),
        hostile=hostile_count,
    )
