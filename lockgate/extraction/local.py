"""Files on the local disk extracted outside Spark, row for row as the extraction job would write
them (`lockgate extract`): what does lockgate see in this e-mail?"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from lockgate.extraction.documents import (
    FILES_PER_MODEL_PASS,
    Limits,
    extract_batch,
    rows_by_file,
)


def files_under(paths: Iterable[Path]) -> list[Path]:
    """Each path that is a file, then every file under each folder (sorted, hidden ones too;
    symbolic links to folders are not followed, so a link cannot loop or leave the folder)."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        if not path.is_dir():
            found.append(path)
            continue
        for folder, _, names in sorted(os.walk(path)):
            found += [Path(folder) / n for n in sorted(names) if (Path(folder) / n).is_file()]
    return found


def extract_files(
    paths: list[Path], limits: Limits, person_finder=None
) -> Iterator[tuple[Path, list[dict]]]:
    """(path, rows) per file: its own row (parsed or quarantined), then its attachments' rows;
    read in the job's batches of FILES_PER_MODEL_PASS files, by file name as the job names them."""
    for first in range(0, len(paths), FILES_PER_MODEL_PASS):
        chunk = paths[first : first + FILES_PER_MODEL_PASS]
        rows = extract_batch([(p.name, p.read_bytes()) for p in chunk], limits, person_finder)
        yield from zip(chunk, rows_by_file(rows), strict=True)
