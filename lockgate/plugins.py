"""Finding plug-in modules (models, datasets): a package's own modules first, then every entry
point of a group in the installed distributions. A module that cannot be imported, breaks its
protocol, or declares a name an earlier module took is skipped and reported, never fatal: one
team's broken plug-in must not take every other model or dataset down with it.
"""

from __future__ import annotations

import logging
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger("lockgate.plugins")


class InvalidPlugin(ValueError):
    """A module does not follow its protocol (the message says how)."""


@dataclass(frozen=True)
class Skipped:
    """A plug-in module lockgate skipped: where it was declared, and why."""

    source: str
    problem: str


_REPORTED: set[Skipped] = set()


def modules(package: str, path: Iterable[str], group: str) -> list[str]:
    """The modules to read: `package`'s own (but its private ones, named `_...`), then the
    entry points of `group`."""
    found = [
        f"{package}.{m.name}" for m in pkgutil.iter_modules(path) if not m.name.startswith("_")
    ]
    return found + [ep.value.partition(":")[0] for ep in entry_points(group=group)]


def discover(
    sources: list[str], read: Callable[[str], T], name_of: Callable[[T], str], kind: str
) -> tuple[dict[str, T], list[Skipped]]:
    """(what each source declares, by name, sorted; the sources skipped, with why). `read`
    imports a source and returns what it declares, raising `InvalidPlugin` when it breaks the
    protocol; the first source to declare a name keeps it."""
    found: dict[str, T] = {}
    declared: dict[str, str] = {}
    skipped: list[Skipped] = []
    for source in sources:
        try:
            value = read(source)
        except InvalidPlugin as exc:
            skipped.append(Skipped(source, str(exc)))
            continue
        except Exception as exc:  # a plug-in's own error must not take the others down
            skipped.append(Skipped(source, f"cannot be imported: {type(exc).__name__}: {exc}"))
            continue
        name = name_of(value)
        if name in found:
            problem = f"declares the {kind} {name!r}, which {declared[name]} declared first"
            skipped.append(Skipped(source, problem))
            continue
        found[name], declared[name] = value, source
    for entry in skipped:
        if entry not in _REPORTED:  # once per process, not once per DAG parse of it
            _REPORTED.add(entry)
            log.warning("%s module %s skipped: %s", kind, entry.source, entry.problem)
    return dict(sorted(found.items())), skipped


def lookup(
    discovered: tuple[dict[str, T], list[Skipped]], name: str, kind: str, error: type[KeyError]
) -> T:
    """`name` of what `discover` found; else `error` naming what is known and what was skipped."""
    found, skipped = discovered
    if name not in found:
        why = "".join(f"; skipped: {s.source} ({s.problem})" for s in skipped)
        raise error(f"no {kind} {name!r}; known {kind}s: {sorted(found)}{why}")
    return found[name]
