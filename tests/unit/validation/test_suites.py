import re

import pandas as pd
import pytest

from lockgate.validation import ExpectationFailed, SuiteError, suites, validate_frame


def _scores(**overrides):
    frame = pd.DataFrame(
        {
            "doc_id": ["a", "b"],
            "release_id": ["rel-1", "rel-1"],
            "confidence": [0.9, 0.8],
            "decision": ["auto_route", "manual_review"],
            "prediction": ["kyc", "payments"],
        }
    )
    return frame.assign(**overrides)


def test_good_scores_pass():
    report = validate_frame(_scores(), "scores")
    assert report.success and not report.critical_failures
    report.raise_for_critical()


def test_critical_failure_names_the_expectation():
    report = validate_frame(_scores(confidence=[0.9, 1.5]), "scores")
    with pytest.raises(
        ExpectationFailed, match=r"expect_column_values_to_be_between\(confidence\)"
    ):
        report.raise_for_critical()


def test_warning_is_reported_but_does_not_fail():
    report = validate_frame(_scores(confidence=[0.3, 0.4]), "scores")
    assert [o.expectation for o in report.warnings] == ["expect_column_mean_to_be_between"]
    report.raise_for_critical()


def test_a_suite_with_an_unknown_expectation_is_refused(tmp_path, monkeypatch):
    (tmp_path / "expectations").mkdir()
    (tmp_path / "expectations" / "bad.json").write_text(
        '{"name": "bad", "expectations": [{"type": "expect_column_values_to_be_nul", "kwargs": {"column": "a"}}]}'
    )
    monkeypatch.setattr(suites, "repo_root", lambda: tmp_path)
    with pytest.raises(SuiteError, match="expect_column_values_to_be_nul"):
        validate_frame(pd.DataFrame({"a": [1]}), "bad")


def test_data_docs_of_a_failed_validation_name_the_failing_expectation(tmp_path):
    from lockgate.pipeline.validation import _check
    from lockgate.storage import Layout

    report = validate_frame(_scores(confidence=[0.9, 1.5]), "scores")
    assert "index.html" in report.data_docs
    (page,) = [p for p in report.data_docs if p.startswith("validations/scores/")]
    html = report.data_docs[page].decode()
    assert "confidence" in html and "values must be greater than or equal to" in html
    assert not any(p.startswith("static/") for p in report.data_docs)

    layout = Layout(str(tmp_path / "lake"))
    with pytest.raises(ExpectationFailed):
        _check(_scores(confidence=[0.9, 1.5]), "scores", layout, "2026-11-20", "test")
    docs = (
        tmp_path / "lake" / "validation" / "scores" / "test" / "run_date=2026-11-20" / "data_docs"
    )
    assert (docs / "index.html").is_file() and list(docs.glob("validations/scores/*/*/*.html"))
    assert (suites.data_docs_static() / "styles" / "data_docs_default_styles.css").is_file()


def test_data_docs_pages_load_nothing_from_outside_once_served(tmp_path, monkeypatch):
    """GX's real pages name CDNs; served, every script, style and image comes from the site,
    and each of those files is installed (make install) and served."""
    from lockgate.validation import datadocs

    report = validate_frame(_scores(confidence=[0.9, 1.5]), "scores")
    site = "/lockgate/quality/docs/scores/test/2026-11-20/"
    for page, body in report.data_docs.items():
        if not page.endswith(".html"):
            continue
        html = body.decode()
        assert datadocs.external_loads(html), f"{page} loads nothing from a CDN: test is moot"
        served = datadocs.offline(html, site)
        assert datadocs.external_loads(served) == [], page
        for path in re.findall(rf'{re.escape(site)}vendor/([^"\']+)', served):
            assert datadocs.vendor_file(path), path
    fonts = datadocs.vendor_file("@fortawesome/fontawesome-free/css/all.min.css").decode()
    assert "../webfonts/fa-solid-900.woff2" in fonts  # the style sheet's fonts are served too
    assert datadocs.vendor_file("@fortawesome/fontawesome-free/webfonts/fa-solid-900.woff2")


@pytest.mark.parametrize(
    "path",
    [
        "bootstrap/../../../etc/passwd",
        "left-pad/index.js",
        "../package.json",
        "bootstrap/dist/css/nothing.css",
        "jquery/link/passwd",
    ],
)
def test_data_docs_assets_are_only_files_of_the_installed_packages(path, tmp_path, monkeypatch):
    from lockgate.validation import datadocs

    root = tmp_path / "node_modules"
    (root / "jquery" / "link").mkdir(parents=True)
    (root / "jquery" / "link" / "passwd").symlink_to("/etc/passwd")  # a link out of the package
    monkeypatch.setattr(datadocs, "assets_root", lambda: root)
    with pytest.raises((ValueError, FileNotFoundError)):
        datadocs.vendor_file(path)
