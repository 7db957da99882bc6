"""The suite itself: pytest's default import mode imports every test module by
its basename, so two test files with one name in different folders stop the
whole run at collection. Running one folder at a time hides that; this does not."""

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[2]


def test_test_module_basenames_are_unique_across_folders():
    by_name = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        by_name[path.name].append(str(path.relative_to(TESTS)))
    clashes = {name: paths for name, paths in by_name.items() if len(paths) > 1}
    assert len(by_name) > 10, "the suite's test modules were not found"
    assert clashes == {}
